using System.Text;

namespace XdpAot.Cli.Cli;

/// <summary>
/// xdpaot(1) in roff, written by <c>xdpaot help --man</c> (the package build runs it): one section per command,
/// from the same <see cref="CommandSpec"/>s and <see cref="ProgramHelp"/> texts as <c>--help</c>, so the manual
/// cannot drift from the program.
/// </summary>
internal static class ManPage
{
    // What the Debian package installs for the vhost service (the unit goes where systemd's units go).
    private const string VhostUnit = "xdpaot-vhost@.service";
    private const string VhostConfig = "/etc/xdpaot/NAME.conf";
    private const string VhostExample = "/usr/share/doc/xdpaot/examples/vhost.conf";

    public static string Render(string version, IReadOnlyList<CommandSpec> commands)
    {
        var m = new StringBuilder();
        m.AppendLine(".\\\" Written by `xdpaot help --man` from the text of `xdpaot --help`; do not edit.");
        m.AppendLine($".TH XDPAOT 1 \"\" \"xdpaot {version}\" \"User Commands\"");
        // Left-aligned and never hyphenated: option names and values must read exactly as they are typed.
        m.AppendLine(".nh").AppendLine(".ad l");
        m.AppendLine(".SH NAME");
        m.AppendLine($"xdpaot \\- {Text(ProgramHelp.Summary)}");
        m.AppendLine(".SH SYNOPSIS");
        m.AppendLine($"\\fBxdpaot\\fR \\fICOMMAND\\fR [options]");
        m.AppendLine(".br");
        m.AppendLine("\\fBxdpaot\\fR \\fICOMMAND\\fR \\fB\\-\\-help\\fR");
        m.AppendLine(".br");
        m.AppendLine("\\fBxdpaot \\-\\-version\\fR");
        m.AppendLine(".SH DESCRIPTION");
        m.AppendLine(Text($"xdpaot: {ProgramHelp.Summary}. Each command has a section of its own below, with the text of `xdpaot COMMAND --help`."));
        m.AppendLine(".PP");
        m.AppendLine(Text(ProgramHelp.PortSyntax));
        Block(m, [ProgramHelp.PortExample]);
        m.AppendLine(".SH COMMANDS");
        foreach (var c in commands)
        {
            m.AppendLine(".TP").AppendLine($"\\fB{Text(c.Name)}\\fR");
            m.AppendLine(Text(c.Summary));
        }
        foreach (var c in commands)
            Command(m, c);
        m.AppendLine(".SH \"EXIT STATUS\"");
        foreach (var (code, meaning) in ProgramHelp.ExitCodes)
            m.AppendLine(".TP").AppendLine($"\\fB{code}\\fR").AppendLine(Text(meaning));
        m.AppendLine(".SH EXAMPLES");
        Block(m, [.. ProgramHelp.Examples.Select(e => e.Comment.Length == 0 ? e.Command : $"{e.Command}    # {e.Comment}")]);
        m.AppendLine(".SH FILES");
        m.AppendLine(".TP").AppendLine(Text(VhostUnit));
        m.AppendLine(Text($"systemd template unit: xdpaot-vhost@NAME.service runs `xdpaot vhost` with the settings of {VhostConfig}."));
        m.AppendLine(".TP").AppendLine(Text(VhostConfig));
        m.AppendLine(Text($"SOCKET_PATH, PORT and EXTRA_ARGS of instance NAME; {VhostExample} is an example."));
        m.AppendLine(".SH \"SEE ALSO\"");
        m.AppendLine("\\fBsystemctl\\fR(1), \\fBsystemd.exec\\fR(5), \\fBip\\fR(8)");
        return m.ToString();
    }

    private static void Command(StringBuilder m, CommandSpec c)
    {
        m.AppendLine($".SH \"XDPAOT {Text(c.Name.ToUpperInvariant())}\"");
        m.AppendLine(Text($"xdpaot {c.Name}: {c.Summary}"));
        m.AppendLine(".PP").AppendLine("Usage:");
        Block(m, [.. c.Usage.Select(u => $"xdpaot {c.Name} {u}".TrimEnd())]);
        if (c.Details is not null)
            Details(m, c.Details);
        if (c.Options.Length > 0)
        {
            m.AppendLine(".PP").AppendLine("Options:");
            foreach (var o in c.Options)
                m.AppendLine(".TP").AppendLine(OptionTag(o)).AppendLine(Text(o.Help));
            m.AppendLine(".TP").AppendLine("\\fB\\-h\\fR, \\fB\\-\\-help\\fR").AppendLine("show this help");
        }
        if (c.Examples.Length > 0)
        {
            m.AppendLine(".PP").AppendLine("Examples:");
            Block(m, c.Examples);
        }
    }

    private static string OptionTag(OptionSpec o)
    {
        var tag = new StringBuilder();
        if (o.Short != '\0')
            tag.Append($"\\fB\\-{o.Short}\\fR, ");
        tag.Append($"\\fB\\-\\-{Text(o.Name)}\\fR");
        if (o.Value is not null)
            tag.Append($" \\fI{Text(o.Value)}\\fR");
        return tag.ToString();
    }

    /// <summary>
    /// A command's details: lines that start flush left are prose (roff fills them), indented lines are kept as
    /// they are (tables, diagrams), an empty line starts a new paragraph.
    /// </summary>
    private static void Details(StringBuilder m, string details)
    {
        m.AppendLine(".PP");
        bool verbatim = false;
        foreach (var line in details.TrimEnd().Split('\n'))
        {
            bool indented = line.StartsWith(' ');
            if (verbatim && !indented)
            {
                m.AppendLine(".fi").AppendLine(".RE");
                verbatim = false;
            }
            if (line.Trim().Length == 0)
            {
                m.AppendLine(".PP");
                continue;
            }
            if (indented && !verbatim)
            {
                m.AppendLine(".RS 2").AppendLine(".nf");
                verbatim = true;
            }
            m.AppendLine(Text(line.TrimEnd()));
        }
        if (verbatim)
            m.AppendLine(".fi").AppendLine(".RE");
    }

    /// <summary>Lines shown as they are, indented (usage lines, examples).</summary>
    private static void Block(StringBuilder m, IEnumerable<string> lines)
    {
        m.AppendLine(".RS 2").AppendLine(".nf");
        foreach (var line in lines)
            m.AppendLine(Text(line));
        m.AppendLine(".fi").AppendLine(".RE");
    }

    /// <summary>
    /// One line of text made safe for roff: backslashes and hyphens escaped (a plain "-" may print as a hyphen that
    /// cannot be pasted into a shell), and a leading "." or "'" kept from being read as a request.
    /// </summary>
    private static string Text(string line)
    {
        string s = line.Replace("\\", "\\e", StringComparison.Ordinal).Replace("-", "\\-", StringComparison.Ordinal);
        return s.StartsWith('.') || s.StartsWith('\'') ? "\\&" + s : s;
    }
}
