using System.Globalization;

namespace XdpAot.Cli.Cli;

/// <summary>
/// A command's arguments after parsing: option values by long name, and (for commands that run another program)
/// everything after <c>--</c>. Typed getters check ranges and name the option in their errors.
/// </summary>
internal sealed class ParsedArgs(CommandSpec spec)
{
    private readonly Dictionary<string, List<string>> _values = new(StringComparer.Ordinal);

    public CommandSpec Spec { get; } = spec;

    /// <summary>Arguments after <c>--</c> (the command <c>prepare</c> runs).</summary>
    public List<string> Rest { get; } = [];

    public bool HelpRequested { get; set; }

    internal void Add(string name, string value)
    {
        if (!_values.TryGetValue(name, out var list))
            _values[name] = list = [];
        list.Add(value);
    }

    public bool Has(string name) => _values.ContainsKey(name);

    public string? Get(string name) => _values.TryGetValue(name, out var v) ? v[^1] : null;

    public IReadOnlyList<string> GetAll(string name) => _values.TryGetValue(name, out var v) ? v : [];

    public string Require(string name, string why) =>
        Get(name) ?? throw new UsageException($"--{name} is required{why}");

    public int GetInt(string name, int fallback, int min = int.MinValue, int max = int.MaxValue) =>
        Get(name) is { } s ? ParseInt(name, s, min, max) : fallback;

    public ulong GetULong(string name, ulong fallback, ulong min = 0, ulong max = ulong.MaxValue)
    {
        if (Get(name) is not { } s)
            return fallback;
        if (!ulong.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out ulong v) || v < min || v > max)
            throw new UsageException($"--{name} '{s}': expected an integer in {min}..{max}");
        return v;
    }

    public double GetDouble(string name, double fallback, double min, double max)
    {
        if (Get(name) is not { } s)
            return fallback;
        if (!double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) || !double.IsFinite(v) || v < min || v > max)
            throw new UsageException($"--{name} '{s}': expected a number in {min.ToString(CultureInfo.InvariantCulture)}..{max.ToString(CultureInfo.InvariantCulture)}");
        return v;
    }

    public static int ParseInt(string name, string s, int min, int max)
    {
        if (!int.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int v) || v < min || v > max)
            throw new UsageException($"--{name} '{s}': expected an integer in {min}..{max}");
        return v;
    }
}

/// <summary>
/// A small getopt_long-like parser (no package needed): <c>--name VALUE</c>, <c>--name=VALUE</c>, <c>-x VALUE</c>,
/// <c>-xVALUE</c>, flags, and <c>--</c> for a command to run. Unknown options and missing values are usage errors
/// that name the option and suggest the closest known one.
/// </summary>
internal static class ArgParser
{
    public static ParsedArgs Parse(CommandSpec spec, ReadOnlySpan<string> args)
    {
        var parsed = new ParsedArgs(spec);
        for (int i = 0; i < args.Length; i++)
        {
            string a = args[i];
            if (a == "--")
            {
                if (!spec.TakesCommand)
                    throw new UsageException($"'{spec.Name}' takes no command after '--'");
                for (int j = i + 1; j < args.Length; j++)
                    parsed.Rest.Add(args[j]);
                break;
            }
            if (a is "-h" or "--help")
            {
                parsed.HelpRequested = true;
                continue;
            }
            OptionSpec option;
            string? inline = null;
            if (a.StartsWith("--", StringComparison.Ordinal))
            {
                string name = a[2..];
                int eq = name.IndexOf('=');
                if (eq >= 0)
                {
                    inline = name[(eq + 1)..];
                    name = name[..eq];
                }
                option = spec.Find(name) ?? throw Unknown(spec, "--" + name);
            }
            else if (a.Length >= 2 && a[0] == '-' && !IsNumber(a))
            {
                option = spec.Find(a[1]) ?? throw Unknown(spec, a[..2]);
                if (a.Length > 2)
                    inline = a[2..];
            }
            else
            {
                throw new UsageException(spec.TakesCommand
                    ? $"unexpected argument '{a}' (put the command to run after '--')"
                    : $"unexpected argument '{a}'");
            }

            string display = a.StartsWith("--", StringComparison.Ordinal) ? "--" + option.Name : "-" + option.Short;
            if (option.IsFlag)
            {
                if (inline is not null)
                    throw new UsageException($"{display} takes no value");
                if (parsed.Has(option.Name) && !option.Repeatable)
                    throw new UsageException($"{display} given twice");
                parsed.Add(option.Name, "");
                continue;
            }
            string value;
            if (inline is not null)
                value = inline;
            else if (i + 1 < args.Length && !(args[i + 1].StartsWith('-') && args[i + 1].Length > 1 && !IsNumber(args[i + 1])))
                value = args[++i];
            else
                throw new UsageException($"{display} needs a value ({display} {option.Value})");
            if (parsed.Has(option.Name) && !option.Repeatable)
                throw new UsageException($"{display} given twice");
            parsed.Add(option.Name, value);
        }
        return parsed;
    }

    private static bool IsNumber(string s) => s.Length > 1 && s[0] == '-' && char.IsAsciiDigit(s[1]);

    private static UsageException Unknown(CommandSpec spec, string option)
    {
        string bare = option.TrimStart('-');
        string? best = null;
        int bestDistance = int.MaxValue;
        foreach (var o in spec.Options)
        {
            int d = Distance(bare, o.Name);
            if (d < bestDistance)
            {
                bestDistance = d;
                best = o.Name;
            }
        }
        string hint = best is not null && bestDistance <= Math.Max(2, bare.Length / 3) ? $" (did you mean --{best}?)" : "";
        return new UsageException($"unknown option '{option}' for '{spec.Name}'{hint}");
    }

    /// <summary>Levenshtein distance, for "did you mean".</summary>
    private static int Distance(string a, string b)
    {
        var prev = new int[b.Length + 1];
        var cur = new int[b.Length + 1];
        for (int j = 0; j <= b.Length; j++)
            prev[j] = j;
        for (int i = 1; i <= a.Length; i++)
        {
            cur[0] = i;
            for (int j = 1; j <= b.Length; j++)
                cur[j] = Math.Min(Math.Min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            (prev, cur) = (cur, prev);
        }
        return prev[b.Length];
    }
}
