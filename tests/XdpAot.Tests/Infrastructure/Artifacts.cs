using System.Runtime.CompilerServices;

namespace XdpAot.Tests.Infrastructure;

/// <summary>
/// The repository and what `build.ps1 publish` puts in artifacts/ (the C and CLI tests run those, not a build of
/// their own). XDPAOT_ARTIFACTS points elsewhere; build.ps1 sets it to the repository's artifacts folder.
/// </summary>
public static class Artifacts
{
    /// <summary>The folder with XdpAot.sln: above the test assembly, or above this source file (builds with --artifacts-path).</summary>
    public static string RepoRoot { get; } = FindRoot();

    public static string Dir { get; } = Environment.GetEnvironmentVariable("XDPAOT_ARTIFACTS") is { Length: > 0 } dir
        ? Path.GetFullPath(dir)
        : Path.Combine(RepoRoot, "artifacts");

    public static string LibDir => Path.Combine(Dir, "lib");
    public static string IncludeDir => Path.Combine(Dir, "include");
    public static string Lib => Require(Path.Combine(LibDir, "libxdpaot.so"));
    public static string Header => Require(Path.Combine(IncludeDir, "xdpaot.h"));
    public static string Cli => Require(Path.Combine(Dir, "bin", "xdpaot"));

    private static string FindRoot([CallerFilePath] string thisFile = "")
    {
        foreach (var start in new[] { AppContext.BaseDirectory, Path.GetDirectoryName(thisFile) ?? "" })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "XdpAot.sln")))
                    return dir.FullName;
            }
        }
        throw new InvalidOperationException($"XdpAot.sln not found above {AppContext.BaseDirectory} or {thisFile}");
    }

    private static string Require(string path) => File.Exists(path)
        ? path
        : throw new FileNotFoundException(
            $"{path} is missing: run `dotnet pwsh build.ps1 publish` first (build.ps1 test does it), or set XDPAOT_ARTIFACTS to a folder holding lib/, include/ and bin/");
}
