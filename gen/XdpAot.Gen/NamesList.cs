using System.Text.RegularExpressions;

namespace XdpAot.Gen;

/// <summary>One wanted name from the list; <see cref="Line"/> is 1-based for error messages.</summary>
public sealed record NameEntry(string Text, int Line)
{
    /// <summary>A lone '*': everything declared in the section's headers.</summary>
    public bool IsAll => Text == "*";

    /// <summary>A trailing '*': every name starting with <see cref="Prefix"/>.</summary>
    public bool IsPrefix => Text.Length > 1 && Text.EndsWith('*');

    /// <summary>The part before a trailing '*'.</summary>
    public string Prefix => Text.TrimEnd('*');

    /// <summary>Matches a declared name against this entry.</summary>
    public bool Matches(string name) =>
        IsAll || (IsPrefix ? name.StartsWith(Prefix, StringComparison.Ordinal) : name == Text);
}

/// <summary>A `[headers] Class [library]` section and the names listed under it.</summary>
public sealed record NamesSection(IReadOnlyList<string> Headers, string ClassName, string? Library, int Line, List<NameEntry> Names)
{
    /// <summary>How the section is written in the list, for messages.</summary>
    public string Title => $"[{string.Join(", ", Headers)}] {ClassName}{(Library is null ? "" : " " + Library)}";
}

/// <summary>
/// The names list, in the spirit of CsWin32's NativeMethods.txt:
/// <code>
/// # comment
/// [linux/if_xdp.h, other.h] ClassName [library.so.1]
/// NAME            # one name: struct/union/enum tag, enum member, macro, function or typedef
/// PREFIX_*        # every name with that prefix declared in the section's headers
/// *               # everything declared in the section's headers
/// </code>
/// </summary>
public sealed partial class NamesList
{
    private NamesList(string path, List<NamesSection> sections)
    {
        Path = path;
        Sections = sections;
    }

    /// <summary>The file the list came from (used in messages).</summary>
    public string Path { get; }

    /// <summary>Sections in file order.</summary>
    public IReadOnlyList<NamesSection> Sections { get; }

    /// <summary>Reads and parses a names list file.</summary>
    public static NamesList Load(string path) => Parse(File.ReadAllText(path), path);

    /// <summary>Parses names list text; syntax errors throw a <see cref="GeneratorException"/> naming the line.</summary>
    public static NamesList Parse(string text, string path = "NativeMethods.txt")
    {
        var sections = new List<NamesSection>();
        var errors = new List<string>();
        string[] lines = text.Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            int lineNo = i + 1;
            string line = lines[i];
            int hash = line.IndexOf('#');
            if (hash >= 0)
                line = line[..hash];
            line = line.Trim();
            if (line.Length == 0)
                continue;

            if (line.StartsWith('['))
            {
                Match m = SectionLine().Match(line);
                if (!m.Success)
                {
                    errors.Add($"{path}({lineNo}): error XDPGEN001: bad section line '{line}'; expected '[header.h, …] ClassName [library]'");
                    continue;
                }
                string[] headers = m.Groups["headers"].Value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
                string? lib = m.Groups["lib"].Success ? m.Groups["lib"].Value : null;
                sections.Add(new NamesSection(headers, m.Groups["class"].Value, lib, lineNo, []));
                continue;
            }

            if (!NameLine().IsMatch(line))
            {
                errors.Add($"{path}({lineNo}): error XDPGEN001: '{line}' is not a C identifier, 'PREFIX*' or '*'");
                continue;
            }
            if (sections.Count == 0)
            {
                errors.Add($"{path}({lineNo}): error XDPGEN001: '{line}' comes before the first [headers] section");
                continue;
            }
            sections[^1].Names.Add(new NameEntry(line, lineNo));
        }
        if (errors.Count > 0)
            throw new GeneratorException(errors);
        return new NamesList(path, sections);
    }

    [GeneratedRegex(@"^\[(?<headers>[^\]]+)\]\s*(?<class>[A-Za-z_][A-Za-z0-9_]*)(?:\s+(?<lib>\S+))?$")]
    private static partial Regex SectionLine();

    [GeneratedRegex(@"^(?:\*|[A-Za-z_][A-Za-z0-9_]*\*?)$")]
    private static partial Regex NameLine();
}
