namespace XdpAot.Tests.Infrastructure;

/// <summary>Where `build.ps1 publish` puts the shipped files (the C and CLI tests run those, not a build of their own).</summary>
public static class Artifacts
{
    public static string RepoRoot { get; } = FindRoot();

    public static string Lib => Require(Path.Combine(RepoRoot, "artifacts", "lib", "libxdpaot.so"));
    public static string Header => Require(Path.Combine(RepoRoot, "artifacts", "include", "xdpaot.h"));
    public static string Cli => Require(Path.Combine(RepoRoot, "artifacts", "bin", "xdpaot"));

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "XdpAot.sln")))
                return dir.FullName;
        }
        throw new InvalidOperationException($"cannot find the repository root (XdpAot.sln) above {AppContext.BaseDirectory}");
    }

    private static string Require(string path) => File.Exists(path)
        ? path
        : throw new FileNotFoundException($"{path} is missing: run `dotnet pwsh build.ps1 publish` (build.ps1 test does it first)");
}
