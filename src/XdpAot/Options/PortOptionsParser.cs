using System.Globalization;
using XdpAot.Interop;

namespace XdpAot.Options;

/// <summary>
/// Parses QEMU's option syntax, <c>ifname=eth0,mode=native,queues=2,start-queue=1,force-copy=on</c>, into
/// <see cref="PortOptions"/>. As in QEMU, ",," stands for a literal comma inside a value, and a leading
/// <c>af-xdp</c> (the netdev type) is accepted.
/// </summary>
public static class PortOptionsParser
{
    /// <summary>Every key this parser knows, for help texts and error messages.</summary>
    public static readonly IReadOnlyList<string> Keys =
    [
        "ifname", "mode", "force-copy", "queues", "start-queue", "inhibit", "sock-fds", "map-path",
        "map-start-index", "loader", "busy-budget", "frame-size", "frame-count", "rx-size", "tx-size",
        "fill-size", "comp-size", "id",
    ];

    /// <summary>Parses and validates; throws <see cref="XdpException"/> (-EINVAL) naming the option and value.</summary>
    public static PortOptions Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        string? ifname = null;
        var o = new PortOptions { IfName = "" };
        bool first = true;
        foreach (var (key, value) in Split(text))
        {
            if (first && value is null && key == "af-xdp")
            {
                first = false;
                continue;
            }
            first = false;
            if (!seen.Add(key))
                throw Invalid($"duplicate option '{key}'");
            if (value is null)
                throw Invalid($"option '{key}' needs a value ({key}=…)");
            o = key switch
            {
                "ifname" => o with { IfName = ifname = value },
                "mode" => o with { Mode = ParseMode(value) },
                "force-copy" => o with { ForceCopy = ParseBool(key, value) },
                "queues" => o with { Queues = ParseInt(key, value) },
                "start-queue" => o with { StartQueue = ParseInt(key, value) },
                "inhibit" => o with { Inhibit = ParseBool(key, value) },
                "sock-fds" => o with { SockFds = ParseFds(value) },
                "map-path" => o with { MapPath = value.Length > 0 ? value : throw Invalid("map-path='': empty path") },
                "map-start-index" => o with { MapStartIndex = ParseInt(key, value) },
                "loader" => o with { Loader = ParseLoader(value) },
                "busy-budget" => o with { BusyBudget = ParseInt(key, value) },
                "frame-size" => o with { FrameSize = ParseUInt(key, value) },
                "frame-count" => o with { FrameCount = ParseUInt(key, value) },
                "rx-size" => o with { RxSize = ParseUInt(key, value) },
                "tx-size" => o with { TxSize = ParseUInt(key, value) },
                "fill-size" => o with { FillSize = ParseUInt(key, value) },
                "comp-size" => o with { CompletionSize = ParseUInt(key, value) },
                "id" => o with { Id = value },
                _ => throw Invalid($"unknown option '{key}' (known: {string.Join(", ", Keys)})"),
            };
        }
        if (ifname is null)
            throw Invalid("'ifname' is required");
        return o.Validate();
    }

    /// <summary>Splits on commas (",," escapes a comma) into key and optional value.</summary>
    private static IEnumerable<(string Key, string? Value)> Split(string text)
    {
        var parts = new List<string>();
        var current = new System.Text.StringBuilder();
        for (int i = 0; i < text.Length; i++)
        {
            if (text[i] == ',')
            {
                if (i + 1 < text.Length && text[i + 1] == ',')
                {
                    current.Append(',');
                    i++;
                    continue;
                }
                parts.Add(current.ToString());
                current.Clear();
                continue;
            }
            current.Append(text[i]);
        }
        parts.Add(current.ToString());
        foreach (var part in parts)
        {
            if (part.Length == 0)
            {
                if (parts.Count == 1)
                    continue;
                throw Invalid($"empty option in '{text}'");
            }
            int eq = part.IndexOf('=');
            if (eq == 0)
                throw Invalid($"option '{part}' has no name");
            yield return eq < 0 ? (part, null) : (part[..eq], part[(eq + 1)..]);
        }
    }

    private static XdpMode ParseMode(string value) => value switch
    {
        "native" => XdpMode.Native,
        "skb" => XdpMode.Skb,
        _ => throw Invalid($"mode='{value}': expected 'native' or 'skb'"),
    };

    private static LoaderKind ParseLoader(string value) => value switch
    {
        "builtin" => LoaderKind.Builtin,
        "libxdp" => LoaderKind.Libxdp,
        _ => throw Invalid($"loader='{value}': expected 'builtin' or 'libxdp'"),
    };

    /// <summary>QEMU's boolean spellings.</summary>
    private static bool ParseBool(string key, string value) => value switch
    {
        "on" or "yes" or "true" or "y" => true,
        "off" or "no" or "false" or "n" => false,
        _ => throw Invalid($"{key}='{value}': expected 'on' or 'off'"),
    };

    private static int ParseInt(string key, string value)
    {
        if (!int.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int n))
            throw Invalid($"{key}='{value}': not an integer");
        return n;
    }

    private static uint ParseUInt(string key, string value)
    {
        if (!uint.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out uint n))
            throw Invalid($"{key}='{value}': not a non-negative integer");
        return n;
    }

    private static IReadOnlyList<int> ParseFds(string value)
    {
        var fds = new List<int>();
        foreach (var part in value.Split(':'))
        {
            if (!int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out int fd))
                throw Invalid($"sock-fds='{value}': '{part}' is not a file descriptor number");
            fds.Add(fd);
        }
        return fds;
    }

    private static XdpException Invalid(string message) => new(-Errno.EINVAL, message);
}
