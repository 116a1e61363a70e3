using XdpAot.Gen.Clang;
using static XdpAot.Gen.Clang.Libclang;

namespace XdpAot.Gen;

// Named enums become C# enums over clang's integer type for them (uint for bpf_cmd). Members of anonymous enums are
// constants of the section's class instead (Generator.Constant.cs), since they have no type name to live under.
internal sealed partial class Generator
{
    private readonly Dictionary<string, CXCursor> _enums = new(StringComparer.Ordinal);

    private void AddEnum(CXCursor decl, string name) => _enums.TryAdd(name, decl);

    private string EmitEnums()
    {
        var w = new CodeWriter(FileHeader(_options.Namespace, ""));
        foreach ((string name, CXCursor decl) in _enums.OrderBy(e => e.Key, StringComparer.Ordinal))
        {
            CXTypeKind baseKind = clang_getEnumDeclIntegerType(decl).Canonical().kind;
            string baseType = IntegerName(baseKind) ?? "int";
            w.Line($"[NativeTypeName(\"enum {name}\")]");
            w.Open($"public enum {Escape(name)} : {baseType}");
            foreach (CXCursor c in decl.Children())
            {
                if (c.kind != CXCursorKind.EnumConstantDecl)
                    continue;
                string value = FormatInteger(baseType, IsUnsigned(baseKind),
                    clang_getEnumConstantDeclUnsignedValue(c), clang_getEnumConstantDeclValue(c));
                w.Line($"{Escape(c.Spelling())} = {value},");
            }
            w.Close();
            w.Line();
        }
        return w.ToString();
    }
}
