using System.Text;

namespace XdpAot.HeaderGen;

/// <summary>
/// Writes the header text: opening comment, include guard, includes, <c>extern "C"</c>, then macros, structs
/// (with static asserts that pin their layout to the C# one), callback typedefs and functions, each with its
/// doc comment.
/// </summary>
internal static class HeaderWriter
{
    private const int Width = 110;

    public static string Write(HeaderModel model)
    {
        string guard = new string(model.FileName.Select(c => char.IsLetterOrDigit(c) ? char.ToUpperInvariant(c) : '_').ToArray());
        var w = new StringBuilder();
        w.Append("/* ").Append(model.FileName)
            .Append(": generated from src/XdpAot.Native by gen/XdpAot.HeaderGen at build time. Do not edit. */\n");
        Comment(w, "", model.Intro);
        w.Append($"#ifndef {guard}\n#define {guard}\n\n");
        foreach (var include in model.Includes)
            w.Append($"#include <{include}>\n");
        w.Append("\n#ifdef __cplusplus\nextern \"C\" {\n#endif\n");

        WriteDefines(w, model.Defines);
        WriteStructs(w, model.Structs);
        WriteCallbacks(w, model.Callbacks);
        WriteFunctions(w, model.Functions);

        w.Append("\n#ifdef __cplusplus\n}\n#endif\n\n");
        w.Append($"#endif /* {guard} */\n");
        return w.ToString();
    }

    private static void WriteDefines(StringBuilder w, IReadOnlyList<CDefine> defines)
    {
        w.Append('\n');
        int width = defines.Count == 0 ? 0 : defines.Max(d => d.Name.Length);
        foreach (var d in defines)
        {
            w.Append("#define ").Append(d.Name.PadRight(width)).Append(' ').Append(d.Value);
            if (d.Doc.Paragraphs.Count > 0)
                w.Append("  /* ").Append(Escape(string.Join(" ", d.Doc.Paragraphs))).Append(" */");
            w.Append('\n');
        }
    }

    private static void WriteStructs(StringBuilder w, IReadOnlyList<CStruct> structs)
    {
        foreach (var s in structs)
        {
            w.Append('\n');
            Comment(w, "", s.Doc);
            if (s.Opaque)
            {
                w.Append($"typedef struct {s.Name} {s.Name};\n");
                continue;
            }
            w.Append($"typedef struct {s.Name} {{\n");
            foreach (var f in s.Fields)
            {
                Comment(w, "    ", f.Doc);
                w.Append("    ").Append(CTypes.Declare(f.Type, f.Name)).Append(";\n");
            }
            w.Append($"}} {s.Name};\n");
        }

        // The C layout must be the C# one, which the library reads and writes: a mismatch fails the C build.
        var laidOut = structs.Where(s => !s.Opaque).ToList();
        if (laidOut.Count == 0)
            return;
        w.Append("\n/* The layout the library was built with. */\n");
        w.Append("#ifdef __cplusplus\n#define XDPAOT_LAYOUT_(c) static_assert(c, #c)\n#else\n#define XDPAOT_LAYOUT_(c) _Static_assert(c, #c)\n#endif\n");
        foreach (var s in laidOut)
        {
            w.Append($"XDPAOT_LAYOUT_(sizeof({s.Name}) == {s.Size});\n");
            foreach (var f in s.Fields)
                w.Append($"XDPAOT_LAYOUT_(offsetof({s.Name}, {f.Name}) == {f.Offset});\n");
        }
        w.Append("#undef XDPAOT_LAYOUT_\n");
    }

    private static void WriteCallbacks(StringBuilder w, IReadOnlyList<CCallback> callbacks)
    {
        foreach (var c in callbacks)
        {
            w.Append('\n');
            Comment(w, "", c.Doc);
            w.Append($"typedef {c.ReturnType} (*{c.Name})({string.Join(", ", c.Parameters)});\n");
        }
    }

    private static void WriteFunctions(StringBuilder w, IReadOnlyList<CFunction> functions)
    {
        foreach (var f in functions)
        {
            w.Append('\n');
            Comment(w, "", f.Doc);
            string parameters = f.Parameters.Count == 0 ? "void" : string.Join(", ", f.Parameters.Select(p => CTypes.Declare(p.Type, p.Name)));
            w.Append(CTypes.Declare(f.ReturnType, f.Name)).Append('(').Append(parameters).Append(");\n");
        }
    }

    /// <summary>A block comment: paragraphs, then "name: text" per parameter, then "Returns: …".</summary>
    private static void Comment(StringBuilder w, string indent, Doc doc)
    {
        if (doc.IsEmpty)
            return;
        var blocks = new List<List<string>>();
        foreach (var p in doc.Paragraphs)
            blocks.Add(Wrap(p, Width - indent.Length - 3, ""));
        if (doc.Params.Count > 0)
            blocks.Add(doc.Params.SelectMany(p => Wrap($"{p.Key}: {p.Value}", Width - indent.Length - 3, "    ")).ToList());
        if (doc.Returns is { } r)
            blocks.Add(Wrap("Returns: " + r, Width - indent.Length - 3, "    "));

        var lines = blocks.SelectMany((b, i) => i == 0 ? b : b.Prepend("")).ToList();
        if (lines.Count == 1 && indent.Length + lines[0].Length + 6 <= Width)
        {
            w.Append(indent).Append("/* ").Append(Escape(lines[0])).Append(" */\n");
            return;
        }
        w.Append(indent).Append("/*\n");
        foreach (var line in lines)
            w.Append(indent).Append(line.Length == 0 ? " *" : " * " + Escape(line)).Append('\n');
        w.Append(indent).Append(" */\n");
    }

    /// <summary>Word-wraps <paramref name="text"/>; lines after the first start with <paramref name="continuation"/>.</summary>
    private static List<string> Wrap(string text, int width, string continuation)
    {
        var lines = new List<string>();
        var line = new StringBuilder();
        bool empty = true;
        foreach (var word in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (!empty && line.Length + 1 + word.Length > width)
            {
                lines.Add(line.ToString());
                line.Clear().Append(continuation);
                empty = true;
            }
            if (!empty)
                line.Append(' ');
            line.Append(word);
            empty = false;
        }
        if (!empty)
            lines.Add(line.ToString());
        return lines;
    }

    /// <summary>Keeps a doc text from closing the comment early.</summary>
    private static string Escape(string text) => text.Replace("*/", "* /");
}
