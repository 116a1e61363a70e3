using System.Diagnostics;
using XdpAot.Tests.Infrastructure;

namespace XdpAot.Tests.Packaging;

/// <summary>
/// The Debian packages `build.ps1 package` made (artifacts/NAME_VERSION_amd64.deb; `build.ps1 test` makes them
/// first), unpacked with <c>dpkg -x</c> into a scratch root of this test run, the files where dpkg would install
/// them. Everything the tests build goes below that root too, and the root is removed at the end.
/// </summary>
public sealed class InstalledPackages : IDisposable
{
    public const string Multiarch = "x86_64-linux-gnu";

    public static IReadOnlyList<string> Names { get; } = [ProductVersion.LibraryPackage, "libxdpaot-dev", "xdpaot"];

    public InstalledPackages()
    {
        Debs = Names.ToDictionary(n => n, Deb);
        Root = Directory.CreateTempSubdirectory("xdpaot-pkgroot-").FullName;
        try
        {
            foreach (var deb in Debs.Values)
                Sh.Run("dpkg", "-x", deb, Root);
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>The .deb of each package, by package name.</summary>
    public IReadOnlyDictionary<string, string> Debs { get; }

    public string Root { get; }

    public string LibDir => At($"usr/lib/{Multiarch}");

    public string PkgConfigDir => At($"usr/lib/{Multiarch}/pkgconfig");

    public string Xdpaot => At("usr/bin/xdpaot");

    public string ManPage => At("usr/share/man/man1/xdpaot.1.gz");

    /// <summary>The unit, wherever the package put systemd's unit directory (Debian 12: /lib/systemd/system).</summary>
    public string VhostUnit =>
        new[] { "lib/systemd/system", "usr/lib/systemd/system" }.Select(d => At($"{d}/xdpaot-vhost@.service")).FirstOrDefault(File.Exists)
        ?? throw new FileNotFoundException($"no xdpaot-vhost@.service under {Root}/lib/systemd/system or usr/lib/systemd/system");

    /// <summary>A path inside the scratch root.</summary>
    public string At(string relative) => Path.Combine(Root, relative);

    /// <summary>The artifacts/ .deb of <paramref name="package"/> at the repository's version.</summary>
    public static string Deb(string package)
    {
        string deb = Path.Combine(Artifacts.Dir, $"{package}_{ProductVersion.Text}_amd64.deb");
        return File.Exists(deb)
            ? deb
            : throw new FileNotFoundException($"{deb} is missing: run `dotnet pwsh build.ps1 package` first (build.ps1 test does it)");
    }

    /// <summary>Runs a program with extra environment variables (the variables that point into the root).</summary>
    public static Sh.Result Exec(IReadOnlyDictionary<string, string> env, string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args)
            psi.ArgumentList.Add(a);
        foreach (var (key, value) in env)
            psi.Environment[key] = value;
        using var p = Process.Start(psi) ?? throw new InvalidOperationException($"cannot start {file}");
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromSeconds(60)))
        {
            p.Kill(entireProcessTree: true);
            p.WaitForExit();
            return new Sh.Result(124, stdout.Result, stderr.Result + "\n(timed out after 60 s)");
        }
        p.WaitForExit();
        return new Sh.Result(p.ExitCode, stdout.Result, stderr.Result);
    }

    public void Dispose()
    {
        if (Directory.Exists(Root))
            Directory.Delete(Root, recursive: true);
    }
}

/// <summary>The tests that share one scratch root (they run one after another).</summary>
[CollectionDefinition(Name)]
public sealed class InstalledPackagesCollection : ICollectionFixture<InstalledPackages>
{
    public const string Name = "installed packages";
}
