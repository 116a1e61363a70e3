using XdpAot.Gen.Clang;
using static XdpAot.Gen.Clang.Libclang;

namespace XdpAot.Gen;

// C type -> C# type. Everything goes through canonical types, so typedef chains (__u32, __aligned_u64, size_t, …)
// collapse to the builtin they are on this target (x86_64/aarch64 Linux, LP64).
internal sealed partial class Generator
{
    /// <summary>The C# name of a builtin, or null. `unsigned long`/`long` are pointer-sized on LP64: nuint/nint.</summary>
    private static string? PrimitiveName(CXTypeKind kind) => kind switch
    {
        CXTypeKind.Bool => "byte", // _Bool is one byte; C# bool would make the struct non-blittable
        CXTypeKind.Char_U or CXTypeKind.UChar => "byte",
        CXTypeKind.Char_S or CXTypeKind.SChar => "sbyte",
        CXTypeKind.UShort => "ushort",
        CXTypeKind.Short => "short",
        CXTypeKind.UInt => "uint",
        CXTypeKind.Int => "int",
        CXTypeKind.ULong => "nuint",
        CXTypeKind.Long => "nint",
        CXTypeKind.ULongLong => "ulong",
        CXTypeKind.LongLong => "long",
        CXTypeKind.UInt128 => "UInt128",
        CXTypeKind.Int128 => "Int128",
        CXTypeKind.Float => "float",
        CXTypeKind.Double => "double",
        _ => null,
    };

    /// <summary>Integer types for constants and enum bases, where C# wants a fixed-size type (no nuint/nint).</summary>
    private static string? IntegerName(CXTypeKind kind) => kind switch
    {
        CXTypeKind.ULong => "ulong",
        CXTypeKind.Long => "long",
        CXTypeKind.Float or CXTypeKind.Double or CXTypeKind.UInt128 or CXTypeKind.Int128 => null,
        _ => PrimitiveName(kind),
    };

    private static bool IsUnsigned(CXTypeKind kind) => kind is CXTypeKind.Bool or CXTypeKind.Char_U or CXTypeKind.UChar
        or CXTypeKind.UShort or CXTypeKind.UInt or CXTypeKind.ULong or CXTypeKind.ULongLong or CXTypeKind.UInt128;

    /// <summary>The C# type of a value of C type <paramref name="type"/> (a field, parameter or return value).</summary>
    private string MapType(CXType type, string where)
    {
        CXType t = type.Canonical();
        if (PrimitiveName(t.kind) is string p)
            return p;
        switch (t.kind)
        {
            case CXTypeKind.Void:
                return "void";
            case CXTypeKind.Enum:
                return EnumTypeName(t.Declaration());
            case CXTypeKind.Pointer:
                return MapPointee(clang_getPointeeType(t)) + "*";
            case CXTypeKind.Record:
                CXCursor decl = t.Declaration();
                string? name = RecordName(decl);
                if (name is not null && _records.TryGetValue(name, out RecordItem? item))
                    return item.CsName;
                break;
        }
        _errors.Add($"{_names.Path}: error XDPGEN006: {where}: C type '{type.Spelling()}' has no C# mapping");
        return "void*";
    }

    /// <summary>
    /// What a pointer points to: emitted structs stay typed (T*), builtins too (uint*); anything else (functions,
    /// structs nobody listed, arrays) becomes void*.
    /// </summary>
    private string MapPointee(CXType pointee)
    {
        CXType t = pointee.Canonical();
        if (PrimitiveName(t.kind) is string p)
            return p;
        switch (t.kind)
        {
            case CXTypeKind.Enum:
                return EnumTypeName(t.Declaration());
            case CXTypeKind.Pointer:
                return MapPointee(clang_getPointeeType(t)) + "*";
            case CXTypeKind.Record:
                string? name = RecordName(t.Declaration());
                return name is not null && _records.TryGetValue(name, out RecordItem? item) ? item.CsName : "void";
            default:
                return "void";
        }
    }

    /// <summary>An emitted enum by name, else its integer type.</summary>
    private string EnumTypeName(CXCursor decl)
    {
        if (!decl.IsUnnamedRecord() && _enums.ContainsKey(decl.Spelling()))
            return decl.Spelling();
        return PrimitiveName(clang_getEnumDeclIntegerType(decl).Canonical().kind) ?? "int";
    }

    /// <summary>C# keywords get an '@' so that C names stay verbatim.</summary>
    private static string Escape(string name) => CSharpKeywords.Contains(name) ? "@" + name : name;

    private static readonly HashSet<string> CSharpKeywords = new(StringComparer.Ordinal)
    {
        "abstract", "as", "base", "bool", "break", "byte", "case", "catch", "char", "checked", "class", "const",
        "continue", "decimal", "default", "delegate", "do", "double", "else", "enum", "event", "explicit", "extern",
        "false", "finally", "fixed", "float", "for", "foreach", "goto", "if", "implicit", "in", "int", "interface",
        "internal", "is", "lock", "long", "namespace", "new", "null", "object", "operator", "out", "override",
        "params", "private", "protected", "public", "readonly", "ref", "return", "sbyte", "sealed", "short",
        "sizeof", "stackalloc", "static", "string", "struct", "switch", "this", "throw", "true", "try", "typeof",
        "uint", "ulong", "unchecked", "unsafe", "ushort", "using", "virtual", "void", "volatile", "while",
    };

    private static string FileHeader(string ns, string usings) =>
        $"""
        // <auto-generated/>
        // Generated at build time by XdpAot.Gen from NativeMethods.txt and the C headers it names; do not edit.
        // See gen/README.md.
        #pragma warning disable CS1591 // generated interop mirrors C; the C headers are its documentation
        #pragma warning disable CS8981 // C names are verbatim, some are all lower case (struct flags)
        {usings}
        namespace {ns};


        """;
}
