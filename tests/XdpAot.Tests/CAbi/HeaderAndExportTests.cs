using System.Text.RegularExpressions;
using XdpAot.Tests.Infrastructure;

namespace XdpAot.Tests.CAbi;

/// <summary>The published header and library: they compile, link, match each other, and export only our ABI.</summary>
public sealed partial class HeaderAndExportTests
{
    // The contract of the C ABI issue; more may be added, none removed.
    private static readonly string[] s_contract =
    [
        "xdpaot_open", "xdpaot_close", "xdpaot_queue_count", "xdpaot_queue_fd", "xdpaot_wants", "xdpaot_send",
        "xdpaot_flush", "xdpaot_recv", "xdpaot_recv_peek", "xdpaot_recv_release", "xdpaot_get_stats", "xdpaot_version",
    ];

    // Exported by the .NET runtime itself (for debuggers and dump tools), not by us.
    private static readonly string[] s_runtimeExports = ["DotNetRuntimeDebugHeader"];

    [Fact]
    public void Header_compiles_as_strict_C11_and_every_declared_function_links()
    {
        string program = NativeArtifacts.Program("header_c.c");
        var r = Sh.Try(program);
        Assert.True(r.ExitCode == 0, r.All);
    }

    [Fact]
    public void Header_compiles_as_Cxx17_with_extern_C_linkage()
    {
        string program = NativeArtifacts.Program("header_cxx.cpp");
        var r = Sh.Try(program);
        Assert.True(r.ExitCode == 0, r.All);
        Assert.Contains("opts is NULL", r.StdOut);
    }

    [Fact]
    public void Library_exports_only_xdpaot_symbols_of_ours()
    {
        var exported = DefinedDynamicSymbols();
        var foreign = exported.Where(s => !s.StartsWith("xdpaot_", StringComparison.Ordinal) && !s_runtimeExports.Contains(s)).ToList();
        Assert.True(foreign.Count == 0, $"unexpected exports: {string.Join(", ", foreign)}");
        foreach (var name in s_contract)
            Assert.Contains(name, exported);
    }

    [Fact]
    public void Header_declares_exactly_the_exported_functions()
    {
        NativeArtifacts.Require();
        var declared = FunctionDeclaration().Matches(File.ReadAllText(NativeArtifacts.Header)).Select(m => m.Groups[1].Value).ToHashSet();
        var exported = DefinedDynamicSymbols().Where(s => s.StartsWith("xdpaot_", StringComparison.Ordinal)).ToHashSet();
        Assert.Equal(exported.Order(), declared.Order());
    }

    [Fact]
    public void Library_has_a_soname()
    {
        NativeArtifacts.Require();
        string dynamic = Sh.Run("readelf", "-d", NativeArtifacts.Library);
        Assert.Contains($"Library soname: [{Packaging.ProductVersion.Soname}]", dynamic);
    }

    private static List<string> DefinedDynamicSymbols()
    {
        NativeArtifacts.Require();
        // Lines look like "00000000000b80b0 T xdpaot_close@@V1.0"; the version node "V1.0" itself is type A.
        return Sh.Run("nm", "-D", "--defined-only", NativeArtifacts.Library)
            .Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(f => f.Length == 3 && f[1] != "A")
            .Select(f => f[2].Split('@')[0])
            .ToList();
    }

    // "int xdpaot_open(const char *opts, …);" and "const char *xdpaot_version(void);" at the start of a line.
    [GeneratedRegex(@"^[A-Za-z_][\w ]*[ \*](xdpaot_\w+)\(", RegexOptions.Multiline)]
    private static partial Regex FunctionDeclaration();
}
