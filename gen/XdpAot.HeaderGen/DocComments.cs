using System.Reflection;
using System.Text;
using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace XdpAot.HeaderGen;

/// <summary>
/// The compiler's XML doc file, turned into plain text for C comments: <c>&lt;c&gt;</c>, <c>&lt;paramref&gt;</c>
/// and <c>&lt;see&gt;</c> become their text, <c>&lt;para&gt;</c> starts a paragraph, whitespace is normalized.
/// </summary>
internal sealed partial class DocComments
{
    private readonly Dictionary<string, XElement> _members;

    private DocComments(Dictionary<string, XElement> members) => _members = members;

    public static DocComments Load(string path)
    {
        if (!File.Exists(path))
            throw new HeaderGenException(path, "XML doc file not found (GenerateDocumentationFile must be on)");
        var members = new Dictionary<string, XElement>(StringComparer.Ordinal);
        foreach (var m in XDocument.Load(path).Descendants("member"))
        {
            if (m.Attribute("name")?.Value is { } name)
                members[name] = m;
        }
        return new DocComments(members);
    }

    public Doc For(Type type) => Parse(Find("T:" + Id(type)));

    public Doc For(FieldInfo field) => Parse(Find($"F:{Id(field.DeclaringType!)}.{field.Name}"));

    /// <summary>A method's doc; exports are never overloaded, so the name alone finds it.</summary>
    public Doc For(MethodInfo method)
    {
        string prefix = $"M:{Id(method.DeclaringType!)}.{method.Name}";
        foreach (var (name, element) in _members)
        {
            if (name == prefix || name.StartsWith(prefix + "(", StringComparison.Ordinal))
                return Parse(element);
        }
        return Doc.Empty;
    }

    private static string Id(Type t) => t.FullName!.Replace('+', '.');

    private XElement? Find(string id) => _members.GetValueOrDefault(id);

    private static Doc Parse(XElement? member)
    {
        if (member is null)
            return Doc.Empty;
        var paragraphs = new List<string>();
        foreach (var part in member.Elements().Where(e => e.Name == "summary" || e.Name == "remarks"))
            paragraphs.AddRange(Paragraphs(part));
        var parameters = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var p in member.Elements("param"))
            parameters[p.Attribute("name")?.Value ?? ""] = string.Join(" ", Paragraphs(p));
        var returns = member.Element("returns") is { } r ? string.Join(" ", Paragraphs(r)) : null;
        return new Doc(paragraphs, parameters, returns);
    }

    /// <summary>The element's text, split into paragraphs at &lt;para&gt;.</summary>
    private static List<string> Paragraphs(XElement element)
    {
        var result = new List<string>();
        var current = new StringBuilder();
        void Flush()
        {
            string text = Whitespace().Replace(current.ToString(), " ").Trim();
            if (text.Length > 0)
                result.Add(text);
            current.Clear();
        }
        foreach (var node in element.Nodes())
        {
            if (node is XElement { Name.LocalName: "para" } para)
            {
                Flush();
                current.Append(Inline(para));
                Flush();
            }
            else
            {
                current.Append(Inline(node));
            }
        }
        Flush();
        return result;
    }

    private static string Inline(XNode node) => node switch
    {
        XText t => t.Value,
        XElement { Name.LocalName: "paramref" or "typeparamref" } e => e.Attribute("name")?.Value ?? "",
        XElement { Name.LocalName: "see" or "seealso" } e when e.Attribute("langword")?.Value is { } word =>
            word == "null" ? "NULL" : word,
        XElement { Name.LocalName: "see" or "seealso" } e when !e.Nodes().Any() =>
            (e.Attribute("cref")?.Value ?? "").Split('(')[0].Split('.', ':')[^1],
        XElement e => string.Concat(e.Nodes().Select(Inline)),
        _ => "",
    };

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}
