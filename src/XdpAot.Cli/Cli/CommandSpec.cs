using System.Text;

namespace XdpAot.Cli.Cli;

/// <summary>
/// One option of a command: <c>--name VALUE</c> (or <c>--name=VALUE</c>), optionally a one-letter alias
/// (<c>-x VALUE</c>). A null <see cref="Value"/> makes it a flag.
/// </summary>
internal sealed record OptionSpec(string Name, char Short, string? Value, string Help, bool Repeatable = false)
{
    public bool IsFlag => Value is null;

    public string Synopsis =>
        (Short != '\0' ? $"-{Short}, " : "    ") + $"--{Name}" + (Value is null ? "" : $" {Value}");
}

/// <summary>What a subcommand accepts and how it explains itself (<c>xdpaot CMD --help</c>).</summary>
internal sealed record CommandSpec(
    string Name,
    string Summary,
    string[] Usage,
    OptionSpec[] Options,
    string[] Examples,
    string? Details = null,
    bool TakesCommand = false)
{
    public OptionSpec? Find(string name) => Array.Find(Options, o => o.Name == name);

    public OptionSpec? Find(char shortName) => Array.Find(Options, o => o.Short == shortName);

    public string Help()
    {
        var sb = new StringBuilder();
        sb.Append("xdpaot ").Append(Name).Append(": ").AppendLine(Summary).AppendLine();
        sb.AppendLine("Usage:");
        foreach (var u in Usage)
            sb.Append("  xdpaot ").Append(Name).Append(' ').AppendLine(u);
        if (Details is not null)
            sb.AppendLine().AppendLine(Details.TrimEnd());
        if (Options.Length > 0)
        {
            sb.AppendLine().AppendLine("Options:");
            int width = Options.Max(o => o.Synopsis.Length) + 2;
            foreach (var o in Options)
                AppendWrapped(sb, "  " + o.Synopsis.PadRight(width), o.Help, width + 2);
            AppendWrapped(sb, "  " + "-h, --help".PadRight(width), "show this help", width + 2);
        }
        if (Examples.Length > 0)
        {
            sb.AppendLine().AppendLine("Examples:");
            foreach (var e in Examples)
                sb.Append("  ").AppendLine(e);
        }
        return sb.ToString();
    }

    private static void AppendWrapped(StringBuilder sb, string head, string text, int indent)
    {
        const int Width = 110;
        sb.Append(head);
        int col = head.Length;
        foreach (var word in text.Split(' '))
        {
            if (col + word.Length + 1 > Width && col > indent)
            {
                sb.AppendLine().Append(' ', indent);
                col = indent;
            }
            else if (col > indent && col != head.Length)
            {
                sb.Append(' ');
                col++;
            }
            sb.Append(word);
            col += word.Length;
        }
        sb.AppendLine();
    }
}
