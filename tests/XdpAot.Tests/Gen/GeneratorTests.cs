using static XdpAot.Tests.Gen.GenHarness;

namespace XdpAot.Tests.Gen;

/// <summary>The generator on small headers: one C feature per test, checked on the emitted C#.</summary>
public class GeneratorTests
{
    private const string Types = "#include <linux/types.h>\n";

    [Fact]
    public void Struct_FieldsGetClangOffsetsAndMappedTypes()
    {
        var r = Generate(Types + """
            struct other { int x; };
            struct s {
                __u8 a; __s8 b; __u16 c; __s16 d; __u32 e; __s32 f; __u64 g; __s64 h; __aligned_u64 i;
                unsigned long ul; long l; unsigned long long ull; char ch; _Bool flag;
                void *p; __u32 *pu; struct other *po; struct unlisted *pn; struct s *self; int (*fn)(int); char **argv;
            };
            """, "[t.h] T\ns\nother\n");
        HasLine(r, "[StructLayout(LayoutKind.Explicit, Size = 128)]");
        HasLine(r, "[NativeTypeName(\"struct s\")]");
        HasLine(r, "public unsafe partial struct s");
        HasLine(r, "[FieldOffset(0)] public byte a;");
        HasLine(r, "[FieldOffset(1)] public sbyte b;");
        HasLine(r, "[FieldOffset(2)] public ushort c;");
        HasLine(r, "[FieldOffset(4)] public short d;");
        HasLine(r, "[FieldOffset(8)] public uint e;");
        HasLine(r, "[FieldOffset(12)] public int f;");
        HasLine(r, "[FieldOffset(16)] public ulong g;");
        HasLine(r, "[FieldOffset(24)] public long h;");
        HasLine(r, "[FieldOffset(32)] public ulong i;");
        HasLine(r, "[FieldOffset(40)] public nuint ul;");
        HasLine(r, "[FieldOffset(48)] public nint l;");
        HasLine(r, "[FieldOffset(56)] public ulong ull;");
        HasLine(r, "[FieldOffset(64)] public sbyte ch;");
        HasLine(r, "[FieldOffset(65)] public byte flag;");
        HasLine(r, "[FieldOffset(72)] public void* p;");
        HasLine(r, "[FieldOffset(80)] public uint* pu;");
        HasLine(r, "[FieldOffset(88)] public other* po;");
        HasLine(r, "[FieldOffset(96)] public void* pn;");
        HasLine(r, "[FieldOffset(104)] public s* self;");
        HasLine(r, "[FieldOffset(112)] public void* fn;");
        HasLine(r, "[FieldOffset(120)] public sbyte** argv;");
    }

    [Fact]
    public void AnonymousMembers_AreFlattenedAtAbsoluteOffsets()
    {
        var r = Generate(Types + """
            struct cfg {
                __u32 rx;
                union {
                    __u32 libbpf_flags;
                    __u32 libxdp_flags;
                    struct { __u16 lo; __u16 hi; };
                };
                struct { __u64 a; union { __u32 b; __u64 c; }; };
            };
            """, "[t.h] T\ncfg\n");
        HasLine(r, "[StructLayout(LayoutKind.Explicit, Size = 24)]");
        HasLine(r, "[FieldOffset(0)] public uint rx;");
        HasLine(r, "[FieldOffset(4)] public uint libbpf_flags;");
        HasLine(r, "[FieldOffset(4)] public uint libxdp_flags;");
        HasLine(r, "[FieldOffset(4)] public ushort lo;");
        HasLine(r, "[FieldOffset(6)] public ushort hi;");
        HasLine(r, "[FieldOffset(8)] public ulong a;");
        HasLine(r, "[FieldOffset(16)] public uint b;");
        HasLine(r, "[FieldOffset(16)] public ulong c;");
        LacksText(r, "cfg_"); // no separate types for anonymous members
    }

    [Fact]
    public void NamedFieldsOfUnnamedType_BecomeParentUnderscoreFieldTypes()
    {
        var r = Generate(Types + """
            union attr {
                struct { __u32 map_type; };
                struct {
                    __u32 prog_fd;
                    union {
                        __u32 target_btf_id;
                        struct { __u64 cookie; } perf_event;
                    };
                } link_create;
            };
            """, "[t.h] T\nattr\n");
        HasLine(r, "[NativeTypeName(\"union attr\")]");
        HasLine(r, "[FieldOffset(0)] public uint map_type;");
        HasLine(r, "[FieldOffset(0)] public attr_link_create link_create;");
        HasLine(r, "[NativeTypeName(\"__typeof__(((union attr *)0)->link_create)\")]");
        HasLine(r, "public unsafe partial struct attr_link_create");
        HasLine(r, "[FieldOffset(8)] public uint target_btf_id;");
        HasLine(r, "[FieldOffset(8)] public attr_link_create_perf_event perf_event;");
        HasLine(r, "[NativeTypeName(\"__typeof__(((__typeof__(((union attr *)0)->link_create) *)0)->perf_event)\")]");
        HasLine(r, "[FieldOffset(0)] public ulong cookie;");
    }

    [Fact]
    public void Arrays_FixedBuffersForPrimitives_InlineArraysForStructs()
    {
        var r = Generate(Types + """
            struct ring { __u64 producer; __u64 consumer; };
            struct arrays {
                char name[16];
                __u8 tag[8];
                __u32 words[2][3];
                struct ring rings[4];
                struct { __u16 x; } anon[2];
                void *ptrs[2];
                __u32 tail[];
            };
            """, "[t.h] T\narrays\n");
        HasLine(r, "[FieldOffset(0)] public fixed byte name[16];");
        HasLine(r, "[FieldOffset(16)] public fixed byte tag[8];");
        HasLine(r, "[FieldOffset(24)] public fixed uint words[6];");
        HasLine(r, "[FieldOffset(48)] public _rings_e__FixedBuffer rings;");
        HasLine(r, "[InlineArray(4)]");
        HasLine(r, "public ring e0;");
        HasLine(r, "[FieldOffset(112)] public _anon_e__FixedBuffer anon;");
        HasLine(r, "public arrays_anon e0;");
        HasLine(r, "[NativeTypeName(\"__typeof__(((struct arrays *)0)->anon[0])\")]");
        HasLine(r, "[FieldOffset(120)] public fixed ulong ptrs[2];"); // C# has no pointer fixed buffers/inline arrays
        HasLine(r, "// tail: flexible array member at offset 136, not part of sizeof; index from a pointer.");
        // struct ring is embedded by value, so it is emitted although not listed.
        HasLine(r, "[NativeTypeName(\"struct ring\")]");
    }

    [Fact]
    public void Bitfields_ShareStorageUnitsWithProperties()
    {
        var r = Generate(Types + """
            struct insn { __u8 code; __u8 dst_reg:4; __u8 src_reg:4; __s16 off; __s32 imm; };
            struct flags { __u32 gpl:1; __u32 :31; int neg:3; };
            """, "[t.h] T\ninsn\nflags\n");
        HasLine(r, "[FieldOffset(1)]");
        HasLine(r, "[NativeBitfield(\"dst_reg\", offset: 0, length: 4)]");
        HasLine(r, "[NativeBitfield(\"src_reg\", offset: 4, length: 4)]");
        HasLine(r, "private byte _bitfield0;");
        HasLine(r, "public byte dst_reg");
        HasLine(r, "readonly get => (byte)(((ulong)_bitfield0 >> 4) & 0xFUL);");
        HasLine(r, "set => _bitfield0 = (byte)(((ulong)_bitfield0 & 0xFFFFFFFFFFFFFF0FUL) | (((ulong)value & 0xFUL) << 4));");
        HasLine(r, "[FieldOffset(2)] public short off;");
        // unnamed padding bitfield skipped; a signed bitfield sign-extends
        HasLine(r, "[NativeBitfield(\"gpl\", offset: 0, length: 1)]");
        HasLine(r, "[NativeBitfield(\"neg\", offset: 0, length: 3)]");
        HasLine(r, "public int neg");
        HasLine(r, "readonly get => (int)((long)((ulong)_bitfield1 << 61) >> 61);");
    }

    [Fact]
    public void Macros_AreEvaluatedByClangWithTheirCTypes()
    {
        var r = Generate(Types + """
            #define SMALL 1
            #define BIG 0x100000000ULL
            #define NEG (-5)
            #define TOP (1U << 31)
            #define SHIFTED (SMALL << 4)
            #define ALL_ONES 0xFFFFFFFFFFFFFFFFULL
            #define LONGISH 3000000000
            #define INT_MIN_ (-2147483647 - 1)
            #define CAST ((__u16)7)
            #define MASK ((1ULL << 48) - 1)
            #define STRING "not a number"
            #define GUARD
            #define FUNC(x) ((x) + 1)
            #define TYPE_ALIAS unsigned int
            """, "[t.h] T\n*\n");
        HasLine(r, "public const int SMALL = 1;");
        HasLine(r, "public const ulong BIG = 0x100000000;");
        HasLine(r, "public const int NEG = -5;");
        HasLine(r, "public const uint TOP = 0x80000000;");
        HasLine(r, "public const int SHIFTED = 16;");
        HasLine(r, "public const ulong ALL_ONES = 0xFFFFFFFFFFFFFFFF;");
        HasLine(r, "public const long LONGISH = 3000000000;");
        HasLine(r, "public const int INT_MIN_ = int.MinValue;");
        HasLine(r, "public const ushort CAST = 7;");
        HasLine(r, "public const ulong MASK = 0xFFFFFFFFFFFF;");
        HasLine(r, "public static partial class T");
        LacksText(r, "STRING");
        LacksText(r, "GUARD");
        LacksText(r, "FUNC");
        LacksText(r, "TYPE_ALIAS");
    }

    [Fact]
    public void ExplicitMacroThatIsNotAConstant_IsAnError()
    {
        var errors = Errors(Types + "#define TYPE_ALIAS unsigned int\n#define FUNC(x) (x)\n", "[t.h] T\nTYPE_ALIAS\nFUNC\n");
        Assert.Contains(errors, e => e.Contains("'TYPE_ALIAS'") && e.Contains("cannot be evaluated") && e.Contains("[t.h] T"));
        Assert.Contains(errors, e => e.Contains("'FUNC'") && e.Contains("function-like macro"));
    }

    [Fact]
    public void Enums_NamedBecomeEnums_AnonymousBecomeConstants()
    {
        var r = Generate(Types + """
            enum cmd { CMD_A, CMD_B = 5, CMD_C };
            enum sign { S_NEG = -1, S_POS = 1 };
            enum wide { W_BIG = 1ULL << 40 };
            enum { REG_0, REG_1, REG_10 = 10 };
            enum action { XDP_ABORTED = 0, XDP_DROP, XDP_PASS };
            #define CMD_ALIAS CMD_B
            """, "[t.h] T\ncmd\nsign\nwide\nREG_*\nXDP_PASS\nCMD_ALIAS\n");
        HasLine(r, "[NativeTypeName(\"enum cmd\")]");
        HasLine(r, "public enum cmd : uint");
        HasLine(r, "CMD_A = 0,");
        HasLine(r, "CMD_B = 5,");
        HasLine(r, "CMD_C = 6,");
        HasLine(r, "public enum sign : int");
        HasLine(r, "S_NEG = -1,");
        HasLine(r, "public enum wide : ulong");
        HasLine(r, "W_BIG = 0x10000000000,");
        HasLine(r, "public const uint REG_0 = 0;");
        HasLine(r, "public const uint REG_10 = 10;");
        // listing a member of a named enum brings the enum
        HasLine(r, "public enum action : uint");
        HasLine(r, "XDP_PASS = 2,");
        // a macro over an enum member is a plain constant of the member's type (int in C)
        HasLine(r, "public const int CMD_ALIAS = 5;");
    }

    [Fact]
    public void Functions_BecomeLibraryImports_InlineOnesAreRefused()
    {
        const string header = Types + """
            struct umem;
            struct cfg { __u32 size; };
            int create(struct umem **out, void *area, __u64 size, const struct cfg *config, const char *name);
            void destroy(struct umem *u);
            unsigned long count(void);
            static inline int helper(int x) { return x + 1; }
            int vprint(const char *fmt, ...);
            """;
        var r = Generate(header, "[t.h] T libt.so.1\numem\ncfg\ncreate\ndestroy\ncount\n");
        HasLine(r, "[LibraryImport(\"libt.so.1\", EntryPoint = \"create\")]");
        HasLine(r, "public static unsafe partial int create(umem** @out, void* area, ulong size, cfg* config, sbyte* name);");
        HasLine(r, "public static unsafe partial void destroy(umem* u);");
        HasLine(r, "public static unsafe partial nuint count();");
        HasLine(r, "[NativeTypeName(\"struct umem\")]");
        HasLine(r, "public partial struct umem");

        // Under a wildcard the inline and variadic ones are skipped...
        var all = Generate(header, "[t.h] T libt.so.1\n*\n");
        HasLine(all, "public static unsafe partial int create(umem** @out, void* area, ulong size, cfg* config, sbyte* name);");
        LacksText(all, "helper");
        LacksText(all, "vprint");

        // ...listed by name they are errors.
        var errors = Errors(header, "[t.h] T libt.so.1\nhelper\nvprint\n");
        Assert.Contains(errors, e => e.Contains("'helper'") && e.Contains("inline"));
        Assert.Contains(errors, e => e.Contains("'vprint'") && e.Contains("variadic"));

        var noLib = Errors(header, "[t.h] T\ncreate\n");
        Assert.Contains(noLib, e => e.Contains("'create'") && e.Contains("no library"));
    }

    [Fact]
    public void Wildcards_MatchOnlyWhatTheSectionsHeadersDeclare()
    {
        var r = Generate("#include \"u.h\"\n#define X_ONE 1\n#define X_TWO 2\n#define Y_ONE 3\nstruct x_s { int a; };\n",
            "[t.h] T\nX_*\n[t.h] U\n*\n", ("u.h", "#define X_FROM_OTHER 9\n#define U_ONLY 4\n"));
        HasLine(r, "public const int X_ONE = 1;");
        HasLine(r, "public const int X_TWO = 2;");
        LacksText(r, "X_FROM_OTHER"); // declared in u.h, which no section names
        LacksText(r, "U_ONLY");
        // '*' takes everything in t.h, structs included
        HasLine(r, "public const int Y_ONE = 3;");
        HasLine(r, "[NativeTypeName(\"struct x_s\")]");
    }

    [Fact]
    public void ExplicitNames_ResolveThroughIncludedHeaders()
    {
        var r = Generate("#include \"u.h\"\n", "[t.h] T\nFROM_U\n", ("u.h", "#define FROM_U 7\n"));
        HasLine(r, "public const int FROM_U = 7;");
    }

    [Fact]
    public void UnknownName_IsAnErrorNamingTheNameAndSection()
    {
        var errors = Errors(Types + "#define REAL 1\n", "# comment\n[t.h] Things libx.so\nREAL\nNO_SUCH_NAME\nNOPE_*\n");
        Assert.Equal(2, errors.Count);
        Assert.Contains("NativeMethods.txt(4): error XDPGEN002: 'NO_SUCH_NAME' was not found in section [t.h] Things libx.so", errors[0]);
        Assert.Contains("'NOPE_*' matches nothing", errors[1]);
    }

    [Fact]
    public void MissingHeader_IsAnErrorFromClang()
    {
        var errors = Errors("", "[does/not/exist.h] T\n*\n");
        Assert.Contains(errors, e => e.Contains("exist.h") && e.Contains("clang"));
    }

    [Fact]
    public void KeywordNames_AreEscaped_TypedefsResolve()
    {
        var r = Generate(Types + """
            struct ev { __u32 event; __u32 object; __u32 base; };
            typedef struct { __u32 fixed; } anon_t;
            """, "[t.h] T\nev\nanon_t\n");
        HasLine(r, "[FieldOffset(0)] public uint @event;");
        HasLine(r, "[FieldOffset(4)] public uint @object;");
        HasLine(r, "[FieldOffset(8)] public uint @base;");
        HasLine(r, "[NativeTypeName(\"anon_t\")]");
        HasLine(r, "public unsafe partial struct anon_t");
        HasLine(r, "[FieldOffset(0)] public uint @fixed;");
    }

    [Fact]
    public void Output_IsAlwaysTheSameFourFiles_AndDeterministic()
    {
        const string header = Types + "struct a { int x; };\n#define K 1\n";
        var first = Generate(header, "[t.h] T\n*\n");
        var second = Generate(header, "[t.h] T\n*\n");
        Assert.Equal(["Constants.g.cs", "Enums.g.cs", "Functions.g.cs", "Structs.g.cs"], first.Files.Keys.Order().ToArray());
        Assert.Equal(first.AllText, second.AllText);
        Assert.All(first.Files.Values, text => Assert.StartsWith("// <auto-generated/>", text));
        Assert.Contains(first.InputFiles, f => f.EndsWith("/linux/types.h", StringComparison.Ordinal));
    }
}
