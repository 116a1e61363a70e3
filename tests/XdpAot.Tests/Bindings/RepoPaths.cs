using XdpAot.Tests.Infrastructure;

namespace XdpAot.Tests.Bindings;

/// <summary>Where the bindings' inputs live in the source tree.</summary>
internal static class RepoPaths
{
    public static string BindingsDir { get; } = Path.Combine(Artifacts.RepoRoot, "bindings", "XdpAot.Bindings");

    public static string NamesList => Path.Combine(BindingsDir, "NativeMethods.txt");

    public static string IncludeDir => Path.Combine(BindingsDir, "include");
}
