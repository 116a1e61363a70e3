using System.Collections.Concurrent;
using XdpAot.Tests.Infrastructure;

namespace XdpAot.Tests.CAbi;

/// <summary>
/// The published C ABI (artifacts/lib/libxdpaot.so, artifacts/include/xdpaot.h) and the C programs in tests/c,
/// compiled against it with gcc on first use. `build.ps1 test` publishes before testing; XDPAOT_ARTIFACTS
/// points elsewhere (build.ps1 sets it to the repository's artifacts folder).
/// </summary>
public static class NativeArtifacts
{
    private static readonly ConcurrentDictionary<string, Lazy<string>> s_built = new();

    public static string LibDir => Artifacts.LibDir;

    public static string Library => Path.Combine(LibDir, "libxdpaot.so");

    public static string IncludeDir => Artifacts.IncludeDir;

    public static string Header => Path.Combine(IncludeDir, "xdpaot.h");

    public static string SourceDir => Path.Combine(Artifacts.RepoRoot, "tests", "c");

    /// <summary>Where compiled test programs go (git-ignored).</summary>
    public static string BuildDir => Path.Combine(SourceDir, "build");

    /// <summary>Fails with what to run when the library or header has not been published.</summary>
    public static void Require()
    {
        foreach (var file in new[] { Library, Header })
        {
            if (!File.Exists(file))
                throw new InvalidOperationException(
                    $"{file} is missing: run `dotnet pwsh build.ps1 publish` first (or set XDPAOT_ARTIFACTS to a folder with lib/libxdpaot.so and include/xdpaot.h)");
        }
    }

    /// <summary>
    /// Compiles tests/c/<paramref name="source"/> (C11 or C++17 by extension) with warnings as errors, linked
    /// against libxdpaot.so with an rpath to it, once per test run; returns the program's path.
    /// </summary>
    public static string Program(string source, bool linkLibrary = true) =>
        s_built.GetOrAdd(source, s => new Lazy<string>(() => Compile(s, linkLibrary))).Value;

    private static string Compile(string source, bool linkLibrary)
    {
        Require();
        Directory.CreateDirectory(BuildDir);
        bool cxx = source.EndsWith(".cpp", StringComparison.Ordinal);
        string output = Path.Combine(BuildDir, Path.GetFileNameWithoutExtension(source));
        // Built under a private name and renamed into place, so parallel test runs never see half a binary.
        string temp = $"{output}.{Environment.ProcessId}.tmp";
        var args = new List<string>
        {
            cxx ? "-std=c++17" : "-std=c11", "-Wall", "-Wextra", "-Werror", "-O2", "-g",
            "-I", IncludeDir, "-I", SourceDir, Path.Combine(SourceDir, source), "-o", temp,
        };
        if (linkLibrary)
            args.AddRange(["-L", LibDir, "-lxdpaot", $"-Wl,-rpath,{LibDir}"]);
        args.AddRange(["-lpthread", "-ldl"]);
        var r = Sh.Try(cxx ? "g++" : "gcc", [.. args]);
        if (r.ExitCode != 0)
            throw new InvalidOperationException($"compiling {source} failed:\n{r.All}");
        File.Move(temp, output, overwrite: true);
        return output;
    }
}
