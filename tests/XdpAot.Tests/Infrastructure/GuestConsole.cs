using System.Text.RegularExpressions;

namespace XdpAot.Tests.Infrastructure;

/// <summary>
/// The marker lines the test guest prints on its serial console (tests/guest/init, nettool), parsed as they
/// arrive. A marker may follow other text on the same line (a kernel message that was cut into), so it is found
/// anywhere in the line:
///   XDPAOT-EVENT name          a milestone; the time of its first appearance is kept
///   XDPAOT-RESULT k=v [k=v…]   results; a later value of a key replaces an earlier one
///   XDPAOT-ERROR text          something /init could not do
/// </summary>
public sealed partial class GuestConsole
{
    private readonly Dictionary<string, string> _results = new(StringComparer.Ordinal);
    private readonly Dictionary<string, TimeSpan> _events = new(StringComparer.Ordinal);
    private readonly List<string> _errors = [];
    private readonly object _lock = new();

    /// <summary>Feeds one console line that arrived <paramref name="at"/> after QEMU started.</summary>
    public void Add(TimeSpan at, string line)
    {
        var m = Marker().Match(line);
        if (!m.Success)
            return;
        string body = m.Groups["body"].Value.Trim();
        lock (_lock)
        {
            switch (m.Groups["kind"].Value)
            {
                case "EVENT":
                    string name = body.Split(' ', 2)[0];
                    if (name.Length > 0)
                        _events.TryAdd(name, at);
                    break;
                case "RESULT":
                    foreach (Match kv in Pair().Matches(body))
                        _results[kv.Groups["key"].Value] = kv.Groups["value"].Value;
                    break;
                case "ERROR":
                    _errors.Add(body);
                    break;
            }
        }
    }

    public IReadOnlyDictionary<string, string> Results
    {
        get { lock (_lock) return new Dictionary<string, string>(_results, StringComparer.Ordinal); }
    }

    /// <summary>Each event's first appearance, as time since QEMU started.</summary>
    public IReadOnlyDictionary<string, TimeSpan> Events
    {
        get { lock (_lock) return new Dictionary<string, TimeSpan>(_events, StringComparer.Ordinal); }
    }

    public IReadOnlyList<string> Errors
    {
        get { lock (_lock) return _errors.ToArray(); }
    }

    /// <summary>True when <paramref name="line"/> carries the event <paramref name="name"/>.</summary>
    public static bool IsEvent(string line, string name)
    {
        var m = Marker().Match(line);
        return m.Success && m.Groups["kind"].Value == "EVENT" && m.Groups["body"].Value.Trim().Split(' ', 2)[0] == name;
    }

    [GeneratedRegex(@"XDPAOT-(?<kind>EVENT|RESULT|ERROR) (?<body>.*)$")]
    private static partial Regex Marker();

    [GeneratedRegex(@"(?<key>[^\s=]+)=(?<value>\S*)")]
    private static partial Regex Pair();
}
