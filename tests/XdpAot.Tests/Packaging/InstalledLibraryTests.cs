using XdpAot.Tests.CAbi;
using XdpAot.Tests.Infrastructure;

namespace XdpAot.Tests.Packaging;

/// <summary>
/// A VMM developer's view of the installed packages: a C program built with what <c>pkg-config xdpaot</c> says
/// and nothing else (pkg-config sees only the scratch root's .pc, its paths prefixed with the root), loaded by
/// its SONAME from the installed library; and the installed <c>xdpaot</c> runs.
/// </summary>
[Collection(InstalledPackagesCollection.Name)]
public sealed class InstalledLibraryTests(InstalledPackages installed)
{
    [Fact]
    public void Pkg_config_points_into_the_installed_root_and_nowhere_else()
    {
        string flags = PkgConfig(installed, "--cflags", "--libs", "xdpaot");
        Assert.Equal($"-I{installed.At("usr/include")} -L{installed.LibDir} -lxdpaot", flags.Trim());
        Assert.DoesNotContain(Artifacts.Dir, flags);
    }

    [Fact]
    public void A_C_program_built_with_pkg_config_alone_runs_against_the_installed_library()
    {
        string program = BuildInstalledVersion(installed);
        Assert.Contains($"(NEEDED)             Shared library: [{ProductVersion.Soname}]", Sh.Run("readelf", "-d", program));

        // What the loader resolves (ldd's way): libxdpaot.so.MAJOR from the scratch root, not from the build tree.
        var trace = RunInstalled(installed, program, ("LD_TRACE_LOADED_OBJECTS", "1"));
        Assert.True(trace.ExitCode == 0, trace.All);
        Assert.Contains($"{ProductVersion.Soname} => {Path.Combine(installed.LibDir, ProductVersion.Soname)} ", trace.StdOut);

        var run = RunInstalled(installed, program);
        Assert.True(run.ExitCode == 0, $"installed_version failed:\n{run.All}");
        Assert.Contains($"library {ProductVersion.Text}\nheader {ProductVersion.Text}\n", run.StdOut);
        Assert.Contains("open: -22 ", run.StdOut);
    }

    [Fact]
    public void The_installed_xdpaot_runs()
    {
        var r = Sh.Try(installed.Xdpaot, "--version");
        Assert.True(r.ExitCode == 0, r.All);
        Assert.Matches($@"^xdpaot {ProductVersion.Text.Replace(".", @"\.")} \(native AOT", r.StdOut);
        var help = Sh.Try(installed.Xdpaot, "--help");
        Assert.True(help.ExitCode == 0, help.All);
        Assert.Contains("Commands:", help.StdOut);
    }

    /// <summary>pkg-config restricted to the scratch root: its .pc directory only, every path prefixed with the root.</summary>
    public static string PkgConfig(InstalledPackages installed, params string[] args)
    {
        var r = InstalledPackages.Exec(PkgConfigEnvironment(installed), "pkg-config", args);
        Assert.True(r.ExitCode == 0, $"pkg-config {string.Join(' ', args)}: {r.All}");
        return r.StdOut;
    }

    /// <summary>tests/c/installed_version.c, compiled and linked with pkg-config's flags only, into the scratch root.</summary>
    public static string BuildInstalledVersion(InstalledPackages installed)
    {
        string output = installed.At("build/installed_version");
        if (File.Exists(output))
            return output;
        Directory.CreateDirectory(Path.GetDirectoryName(output)!);
        string flags = PkgConfig(installed, "--cflags", "--libs", "xdpaot");
        string[] args =
        [
            "-std=c11", "-Wall", "-Wextra", "-Werror", "-O2",
            Path.Combine(NativeArtifacts.SourceDir, "installed_version.c"), "-o", output,
            .. flags.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
        ];
        var r = Sh.Try("gcc", args);
        Assert.True(r.ExitCode == 0, $"gcc {string.Join(' ', args)}:\n{r.All}");
        return output;
    }

    /// <summary>Runs a program with the scratch root's library directory as the loader's first place to look.</summary>
    public static Sh.Result RunInstalled(InstalledPackages installed, string program, params (string Key, string Value)[] env)
    {
        var vars = new Dictionary<string, string> { ["LD_LIBRARY_PATH"] = installed.LibDir };
        foreach (var (k, v) in env)
            vars[k] = v;
        return InstalledPackages.Exec(vars, program);
    }

    private static Dictionary<string, string> PkgConfigEnvironment(InstalledPackages installed) => new()
    {
        ["PKG_CONFIG_LIBDIR"] = installed.PkgConfigDir,   // instead of the system's .pc directories, not besides them
        ["PKG_CONFIG_PATH"] = "",
        ["PKG_CONFIG_SYSROOT_DIR"] = installed.Root,
    };
}
