using XdpAot.Gen.Clang;
using static XdpAot.Gen.Clang.Libclang;

namespace XdpAot.Gen;

// Exported functions: [LibraryImport] (source-generated, AOT-clean) in the section's class, library from the section
// line. Functions with a body in the header (static inline, xsk.h's ring helpers) are not exported symbols of the
// library by contract, so they are refused when listed and skipped under wildcards.
internal sealed partial class Generator
{
    private void AddFunction(NamesSection section, int line, Entity e)
    {
        if (e.HasBody || IsStatic(e.Cursor))
        {
            Error(line, "XDPGEN009", $"'{e.Name}' in section {section.Title} is an inline function defined in " +
                $"{Path.GetFileName(CursorExtensions.FileName(e.Pos.File))}, not a library export; it gets no binding");
            return;
        }
        if (IsVariadic(e.Cursor))
        {
            Error(line, "XDPGEN009", $"'{e.Name}' in section {section.Title} is variadic, which [LibraryImport] cannot call");
            return;
        }
        if (section.Library is null)
        {
            Error(line, "XDPGEN009", $"'{e.Name}' is a function but section {section.Title} names no library");
            return;
        }
        ClassItem cls = GetClass(section.ClassName);
        if (cls.Functions.Any(f => f.Name == e.Name))
            return;
        cls.Functions.Add((e.Cursor, e.Name, section.Library));

        // Structs passed or returned by value need their layout emitted.
        AddByValueRecord(clang_getCursorResultType(e.Cursor));
        int n = clang_Cursor_getNumArguments(e.Cursor);
        for (uint i = 0; i < n; i++)
            AddByValueRecord(clang_Cursor_getArgument(e.Cursor, i).Type());
    }

    private void AddByValueRecord(CXType type)
    {
        CXType t = type.Canonical();
        if (t.kind == CXTypeKind.Record && RecordName(t.Declaration()) is string name)
            AddRecord(t.Declaration(), name);
    }

    private string EmitFunctions()
    {
        var w = new CodeWriter(FileHeader(_options.Namespace, "using System.Runtime.InteropServices;\n"));
        foreach (ClassItem cls in _classes.Where(c => c.Functions.Count > 0))
        {
            w.Open($"public static partial class {cls.Name}");
            bool first = true;
            foreach ((CXCursor decl, string name, string library) in cls.Functions)
            {
                if (!first)
                    w.Line();
                first = false;
                int n = clang_Cursor_getNumArguments(decl);
                var parameters = new List<string>();
                for (uint i = 0; i < n; i++)
                {
                    CXCursor arg = clang_Cursor_getArgument(decl, i);
                    string argName = arg.Spelling();
                    if (argName.Length == 0)
                        argName = $"param{i}";
                    parameters.Add($"{MapType(arg.Type(), $"{name}({argName})")} {Escape(argName)}");
                }
                string result = MapType(clang_getCursorResultType(decl), $"{name} result");
                w.Line($"[LibraryImport(\"{library}\", EntryPoint = \"{name}\")]");
                w.Line($"public static unsafe partial {result} {Escape(name)}({string.Join(", ", parameters)});");
            }
            w.Close();
            w.Line();
        }
        return w.ToString();
    }
}
