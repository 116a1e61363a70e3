using XdpAot.Tests.CAbi;
using XdpAot.Tests.Infrastructure;

namespace XdpAot.Tests.Packaging;

/// <summary>
/// The library's ABI as the dynamic linker sees it: every exported symbol with its version node, against the
/// committed list src/XdpAot.Native/libxdpaot.symbols (which the library package ships as its Debian symbols file).
/// A symbol that disappears or moves to another node breaks programs linked against the library; a new one must be
/// added to the list, with the version it first appears in.
/// </summary>
public sealed class ExportListTests
{
    public static string SymbolsFile => Path.Combine(Artifacts.RepoRoot, "src", "XdpAot.Native", "libxdpaot.symbols");

    [Fact]
    public void The_library_exports_exactly_the_committed_symbols_at_their_versions()
    {
        var committed = Committed().Select(s => s.Symbol).ToHashSet();
        var exported = Exported(NativeArtifacts.Library);
        var missing = committed.Except(exported).Order().ToList();
        var added = exported.Except(committed).Order().ToList();
        Assert.True(missing.Count == 0 && added.Count == 0,
            $"{NativeArtifacts.Library} differs from {SymbolsFile}:\n" +
            $"  gone or at another version: {string.Join(", ", missing)}\n" +
            $"  exported but not listed (add them with the version they appear in): {string.Join(", ", added)}");
    }

    [Fact]
    public void The_symbols_file_names_the_soname_and_its_package_and_versions_no_later_than_this_one()
    {
        string header = File.ReadLines(SymbolsFile).First();
        Assert.Equal($"{ProductVersion.Soname} {ProductVersion.LibraryPackage} #MINVER#", header);
        var current = Version.Parse(ProductVersion.Text);
        foreach (var (symbol, since) in Committed())
        {
            Assert.StartsWith($"XDPAOT_{ProductVersion.Major}", symbol.Split('@')[1]);
            Assert.True(Version.Parse(since) <= current, $"{symbol} is listed as new in {since}, after this version {current}");
        }
    }

    /// <summary>name@NODE (the node's own symbol as NODE@NODE, as Debian writes it) and the version it came in.</summary>
    private static List<(string Symbol, string Since)> Committed() =>
        File.ReadLines(SymbolsFile)
            .Where(l => l.StartsWith(' '))   // symbol lines; the header and '* Field:' lines do not start with a space
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Select(f => (f[0], f[1]))
            .ToList();

    /// <summary>The defined global and weak dynamic symbols, from <c>readelf --dyn-syms</c>, as name@NODE.</summary>
    public static HashSet<string> Exported(string library)
    {
        var symbols = new HashSet<string>(StringComparer.Ordinal);
        foreach (var line in Sh.Run("readelf", "--dyn-syms", "-W", library).Split('\n'))
        {
            // "   153: 00000000000b81c0    77 FUNC    GLOBAL DEFAULT   14 xdpaot_close@@XDPAOT_0"
            var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (f.Length < 8 || !f[0].EndsWith(':') || f[6] == "UND" || f[4] is not ("GLOBAL" or "WEAK"))
                continue;
            string name = f[7];
            symbols.Add(name.Contains('@') ? name.Replace("@@", "@", StringComparison.Ordinal) : $"{name}@{name}");
        }
        return symbols;
    }
}
