using System.IO.Compression;
using System.Text.RegularExpressions;
using XdpAot.Tests.Infrastructure;

namespace XdpAot.Tests.Packaging;

/// <summary>What each package holds, how it is owned and what its control files say; and that every place a
/// version shows up shows the one of Directory.Build.props.</summary>
[Collection(InstalledPackagesCollection.Name)]
public sealed partial class PackageContentsTests(InstalledPackages installed)
{
    private const string LibDir = $"usr/lib/{InstalledPackages.Multiarch}";

    private sealed record Entry(string Mode, string Owner, string Path, string? Target);

    [Fact]
    public void The_library_package_holds_the_library_and_its_soname_link_only()
    {
        string lib = ProductVersion.LibraryPackage;
        AssertEntries(lib,
        [
            new("-rw-r--r--", "root/root", $"{LibDir}/{ProductVersion.LibraryFile}", null),
            new("lrwxrwxrwx", "root/root", $"{LibDir}/{ProductVersion.Soname}", ProductVersion.LibraryFile),
            new("-rw-r--r--", "root/root", $"usr/share/doc/{lib}/changelog.gz", null),
            new("-rw-r--r--", "root/root", $"usr/share/doc/{lib}/copyright", null),
        ]);
    }

    [Fact]
    public void The_dev_package_holds_the_header_the_pc_file_and_the_link_time_link()
    {
        AssertEntries("libxdpaot-dev",
        [
            new("-rw-r--r--", "root/root", "usr/include/xdpaot.h", null),
            new("-rw-r--r--", "root/root", $"{LibDir}/pkgconfig/xdpaot.pc", null),
            new("lrwxrwxrwx", "root/root", $"{LibDir}/libxdpaot.so", ProductVersion.Soname),
            new("-rw-r--r--", "root/root", "usr/share/doc/libxdpaot-dev/changelog.gz", null),
            new("-rw-r--r--", "root/root", "usr/share/doc/libxdpaot-dev/copyright", null),
        ]);
    }

    [Fact]
    public void The_xdpaot_package_holds_the_executable_its_manual_the_unit_and_the_example_config()
    {
        var unit = Entries("xdpaot").Single(e => e.Path.EndsWith("/xdpaot-vhost@.service", StringComparison.Ordinal));
        Assert.True(unit.Path is "lib/systemd/system/xdpaot-vhost@.service" or "usr/lib/systemd/system/xdpaot-vhost@.service", unit.Path);
        AssertEntries("xdpaot",
        [
            new("-rwxr-xr-x", "root/root", "usr/bin/xdpaot", null),
            new("-rw-r--r--", "root/root", "usr/share/man/man1/xdpaot.1.gz", null),
            new("-rw-r--r--", "root/root", unit.Path, null),
            new("-rw-r--r--", "root/root", "usr/share/doc/xdpaot/examples/vhost.conf", null),
            new("-rw-r--r--", "root/root", "usr/share/doc/xdpaot/changelog.gz", null),
            new("-rw-r--r--", "root/root", "usr/share/doc/xdpaot/copyright", null),
        ]);
        Assert.Contains(" ./etc/xdpaot/\n", Sh.Run("dpkg-deb", "-c", installed.Debs["xdpaot"]));   // for NAME.conf, empty
    }

    [Fact]
    public void The_library_package_ships_the_committed_symbols_file_a_shlibs_file_and_the_ldconfig_trigger()
    {
        string deb = installed.Debs[ProductVersion.LibraryPackage];
        Assert.Equal(File.ReadAllText(ExportListTests.SymbolsFile), ControlFile(deb, "symbols"));
        Assert.Equal($"libxdpaot {ProductVersion.Major} {ProductVersion.LibraryPackage} (>= {ProductVersion.Major}.{Version.Parse(ProductVersion.Text).Minor}.0)",
            ControlFile(deb, "shlibs").Trim());
        Assert.Equal("activate-noawait ldconfig", ControlFile(deb, "triggers").Trim());
    }

    [Fact]
    public void The_dev_package_depends_on_exactly_this_library_and_the_others_on_libc()
    {
        Assert.Equal($"{ProductVersion.LibraryPackage} (= {ProductVersion.Text})", Field("libxdpaot-dev", "Depends"));
        Assert.Matches(@"^libc6 \(>= 2\.\d+\)$", Field(ProductVersion.LibraryPackage, "Depends"));
        Assert.Matches(@"^libc6 \(>= 2\.\d+\)$", Field("xdpaot", "Depends"));
    }

    [Fact]
    public void Every_version_is_the_one_of_Directory_Build_props()
    {
        string v = ProductVersion.Text;
        foreach (var package in InstalledPackages.Names)
            Assert.Equal(v, Field(package, "Version"));

        Assert.True(File.Exists(Path.Combine(installed.LibDir, ProductVersion.LibraryFile)), $"no {ProductVersion.LibraryFile} in {installed.LibDir}");
        Assert.Contains($"Library soname: [{ProductVersion.Soname}]", Sh.Run("readelf", "-d", Path.Combine(installed.LibDir, ProductVersion.LibraryFile)));

        var header = HeaderVersion().Match(File.ReadAllText(installed.At("usr/include/xdpaot.h")));
        Assert.True(header.Success, "xdpaot.h has no #define XDPAOT_VERSION");
        Assert.Equal(v, header.Groups[1].Value);

        Assert.Equal(v, InstalledLibraryTests.PkgConfig(installed, "--modversion", "xdpaot").Trim());

        string program = InstalledLibraryTests.BuildInstalledVersion(installed);
        var run = InstalledLibraryTests.RunInstalled(installed, program);
        Assert.True(run.ExitCode == 0, run.All);
        Assert.Contains($"library {v}\n", run.StdOut);

        var cli = Sh.Try(installed.Xdpaot, "--version");
        Assert.True(cli.ExitCode == 0, cli.All);
        Assert.StartsWith($"xdpaot {v} ", cli.StdOut);

        foreach (var package in InstalledPackages.Names)
        {
            using var gz = new GZipStream(File.OpenRead(installed.At($"usr/share/doc/{package}/changelog.gz")), CompressionMode.Decompress);
            string first = new StreamReader(gz).ReadLine() ?? "";
            Assert.StartsWith($"xdpaot ({v}) ", first);
        }
    }

    private void AssertEntries(string package, Entry[] expected)
    {
        var actual = Entries(package);
        Assert.Equal(expected.OrderBy(e => e.Path, StringComparer.Ordinal), actual.OrderBy(e => e.Path, StringComparer.Ordinal));
    }

    /// <summary>The files and links of a package (directories left out), from <c>dpkg-deb -c</c>.</summary>
    private List<Entry> Entries(string package)
    {
        var entries = new List<Entry>();
        foreach (var line in Sh.Run("dpkg-deb", "-c", installed.Debs[package]).Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            // "-rw-r--r-- root/root 1354792 2026-12-03 14:25 ./usr/lib/…/libxdpaot.so.0.1.0" (links: "./a -> b")
            var f = line.Split(' ', 6, StringSplitOptions.RemoveEmptyEntries);
            if (f[0].StartsWith('d'))
                continue;
            var nameAndTarget = f[5].Split(" -> ");
            entries.Add(new(f[0], f[1], nameAndTarget[0].TrimStart('.', '/'), nameAndTarget.Length > 1 ? nameAndTarget[1] : null));
        }
        return entries;
    }

    private string Field(string package, string field) => Sh.Run("dpkg-deb", "-f", installed.Debs[package], field).Trim();

    private static string ControlFile(string deb, string name) => Sh.Run("dpkg-deb", "--info", deb, name);

    [GeneratedRegex(@"^#define XDPAOT_VERSION\s+""([^""]+)""", RegexOptions.Multiline)]
    private static partial Regex HeaderVersion();
}
