using System.Globalization;
using System.Text;
using XdpAot.Gen.Clang;
using static XdpAot.Gen.Clang.Libclang;

namespace XdpAot.Gen;

/// <summary>A constant's C# type and literal text.</summary>
internal sealed record ConstantValue(string CsType, string Literal);

// #define constants and members of anonymous enums: `public const <type> NAME = value;` in the section's class.
internal sealed partial class Generator
{
    /// <summary>One `public static partial class` of the output and what goes into it.</summary>
    private sealed class ClassItem(string name)
    {
        public string Name { get; } = name;
        public List<(string Name, ConstantValue Value)> Constants { get; } = [];
        public Dictionary<string, ConstantValue> ConstantsByName { get; } = new(StringComparer.Ordinal);
        public List<(CXCursor Decl, string Name, string Library)> Functions { get; } = [];
    }

    private readonly List<ClassItem> _classes = [];

    private ClassItem GetClass(string name)
    {
        ClassItem? item = _classes.FirstOrDefault(c => c.Name == name);
        if (item is null)
            _classes.Add(item = new ClassItem(name));
        return item;
    }

    private void AddConstant(NamesSection section, int line, string name, ConstantValue value)
    {
        ClassItem cls = GetClass(section.ClassName);
        if (cls.ConstantsByName.TryGetValue(name, out ConstantValue? old))
        {
            if (old != value)
                Error(line, "XDPGEN008", $"constant '{name}' of class {cls.Name} is {old.CsType} {old.Literal} in one section and {value.CsType} {value.Literal} in {section.Title}");
            return;
        }
        cls.ConstantsByName[name] = value;
        cls.Constants.Add((name, value));
    }

    private void AddEnumConstant(NamesSection section, int line, Entity e)
    {
        CXTypeKind kind = clang_getEnumDeclIntegerType(e.Parent).Canonical().kind;
        string type = IntegerName(kind) ?? "int";
        string literal = FormatInteger(type, IsUnsigned(kind),
            clang_getEnumConstantDeclUnsignedValue(e.Cursor), clang_getEnumConstantDeclValue(e.Cursor));
        AddConstant(section, line, e.Name, new ConstantValue(type, literal));
    }

    private const string MacroVarPrefix = "__xdpaot_m_";

    /// <summary>
    /// Lets clang evaluate macros: a second parse of the section's headers plus one line per macro,
    /// `static const __auto_type __xdpaot_m_NAME = (NAME);`, then clang_Cursor_Evaluate on each variable. The
    /// variable's deduced type is the C type of the expression, so 0x100000000ULL stays a 64-bit unsigned. A macro
    /// whose line has an error (not an expression, not constant) maps to null.
    /// </summary>
    private Dictionary<string, ConstantValue?> EvaluateMacros(string mainFile, string includes, List<string> names)
    {
        var result = new Dictionary<string, ConstantValue?>(StringComparer.Ordinal);
        if (names.Count == 0)
            return result;

        var text = new StringBuilder(includes);
        uint firstLine = (uint)includes.Count(ch => ch == '\n') + 1;
        foreach (string name in names)
            text.Append("static const __auto_type ").Append(MacroVarPrefix).Append(name).Append(" = (").Append(name).Append(");\n");

        TranslationUnit tu = Parse(mainFile, text.ToString());
        var badLines = new HashSet<uint>();
        foreach (Diagnostic d in tu.Diagnostics())
        {
            if (d.Severity >= CXDiagnosticSeverity.Error && CursorExtensions.FileName(d.File) == mainFile)
                badLines.Add(d.Line);
        }

        foreach (CXCursor c in tu.Cursor.Children())
        {
            if (c.kind != CXCursorKind.VarDecl)
                continue;
            string varName = c.Spelling();
            if (!varName.StartsWith(MacroVarPrefix, StringComparison.Ordinal))
                continue;
            string name = varName[MacroVarPrefix.Length..];
            SourcePos pos = c.Position();
            if (pos.Line < firstLine || badLines.Contains(pos.Line) || CursorExtensions.FileName(pos.File) != mainFile)
            {
                result[name] = null;
                continue;
            }
            result[name] = Evaluate(c);
        }
        return result;
    }

    private static ConstantValue? Evaluate(CXCursor variable)
    {
        CXType type = variable.Type().Canonical();
        CXTypeKind kind = type.kind == CXTypeKind.Enum
            ? clang_getEnumDeclIntegerType(type.Declaration()).Canonical().kind
            : type.kind;
        nint eval = clang_Cursor_Evaluate(variable);
        if (eval == 0)
            return null;
        try
        {
            switch (clang_EvalResult_getKind(eval))
            {
                case CXEvalResultKind.Int when IntegerName(kind) is string csType:
                    bool unsigned = clang_EvalResult_isUnsignedInt(eval) != 0;
                    ulong u = unsigned ? clang_EvalResult_getAsUnsigned(eval) : (ulong)clang_EvalResult_getAsLongLong(eval);
                    long s = unsigned ? (long)u : clang_EvalResult_getAsLongLong(eval);
                    return new ConstantValue(csType, FormatInteger(csType, IsUnsigned(kind), u, s));
                case CXEvalResultKind.Float when kind is CXTypeKind.Float or CXTypeKind.Double:
                    return FormatFloat(kind == CXTypeKind.Float ? "float" : "double", clang_EvalResult_getAsDouble(eval));
                default:
                    return null; // strings, pointers, …: not a C# constant
            }
        }
        finally
        {
            clang_EvalResult_dispose(eval);
        }
    }

    /// <summary>Small values in decimal, large unsigned ones (masks, offsets) in hex; MinValue spelled by name.</summary>
    private static string FormatInteger(string csType, bool unsigned, ulong u, long s)
    {
        if (unsigned)
        {
            u &= csType switch { "byte" => 0xFFUL, "ushort" => 0xFFFFUL, "uint" => 0xFFFF_FFFFUL, _ => ulong.MaxValue };
            return u < 0x10000 ? u.ToString(CultureInfo.InvariantCulture) : "0x" + u.ToString("X", CultureInfo.InvariantCulture);
        }
        if (csType == "long" && s == long.MinValue)
            return "long.MinValue";
        if (csType == "int" && s == int.MinValue)
            return "int.MinValue";
        return s.ToString(CultureInfo.InvariantCulture);
    }

    private static ConstantValue FormatFloat(string csType, double value)
    {
        string suffix = csType == "float" ? "f" : "d";
        string literal = double.IsNaN(value) ? $"{csType}.NaN"
            : double.IsPositiveInfinity(value) ? $"{csType}.PositiveInfinity"
            : double.IsNegativeInfinity(value) ? $"{csType}.NegativeInfinity"
            : (csType == "float" ? ((float)value).ToString("R", CultureInfo.InvariantCulture) : value.ToString("R", CultureInfo.InvariantCulture)) + suffix;
        return new ConstantValue(csType, literal);
    }

    private string EmitConstants()
    {
        var w = new CodeWriter(FileHeader(_options.Namespace, ""));
        foreach (ClassItem cls in _classes.Where(c => c.Constants.Count > 0))
        {
            w.Open($"public static partial class {cls.Name}");
            foreach ((string name, ConstantValue value) in cls.Constants)
                w.Line($"public const {value.CsType} {Escape(name)} = {value.Literal};");
            w.Close();
            w.Line();
        }
        return w.ToString();
    }
}
