using System.Runtime.CompilerServices;

namespace XdpAot.Tests.Bindings;

/// <summary>Where the bindings' inputs live in the source tree (found from this file's path, or from bin/).</summary>
internal static class RepoPaths
{
    public static string BindingsDir { get; } = Find();

    public static string NamesList => Path.Combine(BindingsDir, "NativeMethods.txt");

    public static string IncludeDir => Path.Combine(BindingsDir, "include");

    private static string Find([CallerFilePath] string thisFile = "")
    {
        foreach (string start in new[] { Path.GetDirectoryName(thisFile) ?? "", AppContext.BaseDirectory })
        {
            for (string? dir = start; !string.IsNullOrEmpty(dir); dir = Path.GetDirectoryName(dir))
            {
                string candidate = Path.Combine(dir, "bindings", "XdpAot.Bindings");
                if (File.Exists(Path.Combine(candidate, "NativeMethods.txt")))
                    return candidate;
            }
        }
        throw new DirectoryNotFoundException("bindings/XdpAot.Bindings not found above " + thisFile);
    }
}
