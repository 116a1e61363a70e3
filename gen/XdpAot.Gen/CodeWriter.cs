using System.Text;

namespace XdpAot.Gen;

/// <summary>Indenting line writer for the generated C# (4 spaces, LF line ends so output is byte-stable).</summary>
internal sealed class CodeWriter
{
    private readonly StringBuilder _sb = new();
    private int _indent;

    public CodeWriter(string header) => _sb.Append(header);

    public void Line(string text = "")
    {
        if (text.Length > 0)
            _sb.Append(' ', _indent * 4).Append(text);
        _sb.Append('\n');
    }

    /// <summary>Writes <paramref name="text"/> and an opening brace, then indents.</summary>
    public void Open(string text)
    {
        Line(text);
        Line("{");
        _indent++;
    }

    public void Close()
    {
        _indent--;
        Line("}");
    }

    public override string ToString() => _sb.ToString();
}
