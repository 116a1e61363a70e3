using System.Reflection;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;

namespace XdpAot.Gen.Clang;

/// <summary>
/// Finds libclang and the compiler's builtin headers (stddef.h, stdint.h, …). We use Debian's libclang1-N because it
/// is on the fresh image; NuGet's libclang.runtime works the same but is 216 MB (see gen/README.md).
/// XDPAOT_LIBCLANG (a file) and XDPAOT_CLANG_INCLUDE (a folder) override the search.
/// </summary>
internal static partial class LibclangLocator
{
    private static readonly object Gate = new();
    private static bool s_resolverSet;
    private static string? s_libraryPath;

    /// <summary>Installs the resolver that maps <see cref="Libclang.Name"/> to the libclang found here (once).</summary>
    public static void EnsureResolver()
    {
        lock (Gate)
        {
            if (s_resolverSet)
                return;
            NativeLibrary.SetDllImportResolver(typeof(Libclang).Assembly, Resolve);
            s_resolverSet = true;
        }
    }

    private static nint Resolve(string name, Assembly assembly, DllImportSearchPath? searchPath)
    {
        if (name != Libclang.Name)
            return 0;
        string path = LibraryPath;
        if (!NativeLibrary.TryLoad(path, out nint handle))
            throw new GeneratorException($"could not load libclang from '{path}'");
        return handle;
    }

    /// <summary>Full path of the libclang shared library to load.</summary>
    public static string LibraryPath
    {
        get
        {
            lock (Gate)
                return s_libraryPath ??= FindLibrary();
        }
    }

    private static string FindLibrary()
    {
        string? env = Environment.GetEnvironmentVariable("XDPAOT_LIBCLANG");
        if (!string.IsNullOrEmpty(env))
        {
            if (!File.Exists(env))
                throw new GeneratorException($"XDPAOT_LIBCLANG='{env}' does not exist");
            return env;
        }

        // Debian/Ubuntu name it libclang-N.so.1 (multiarch dir) and also ship /usr/lib/llvm-N/lib/libclang.so.1.
        var candidates = new List<string>();
        foreach (string dir in new[] { "/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/lib64", "/usr/lib" })
        {
            if (Directory.Exists(dir))
                candidates.AddRange(Directory.GetFiles(dir, "libclang-*.so.1"));
        }
        if (Directory.Exists("/usr/lib"))
        {
            foreach (string llvm in Directory.GetDirectories("/usr/lib", "llvm-*"))
            {
                string p = Path.Combine(llvm, "lib", "libclang.so.1");
                if (File.Exists(p))
                    candidates.Add(p);
            }
        }
        string? best = candidates.OrderByDescending(VersionOf).ThenBy(p => p, StringComparer.Ordinal).FirstOrDefault();
        return best ?? throw new GeneratorException(
            "libclang not found: install Debian's libclang1-14 (apt-get install libclang1-14 libclang-common-14-dev) or set XDPAOT_LIBCLANG");
    }

    /// <summary>
    /// The builtin include folder of the clang whose libclang we load (same major version if present), e.g.
    /// /usr/lib/llvm-14/lib/clang/14.0.6/include. libclang does not find it by itself when loaded from an unusual path.
    /// </summary>
    public static string? FindBuiltinIncludeDir(string clangVersion)
    {
        string? env = Environment.GetEnvironmentVariable("XDPAOT_CLANG_INCLUDE");
        if (!string.IsNullOrEmpty(env))
            return env;
        if (!Directory.Exists("/usr/lib"))
            return null;

        var dirs = new List<string>();
        foreach (string llvm in Directory.GetDirectories("/usr/lib", "llvm-*"))
        {
            string clangDir = Path.Combine(llvm, "lib", "clang");
            if (!Directory.Exists(clangDir))
                continue;
            foreach (string ver in Directory.GetDirectories(clangDir))
            {
                string inc = Path.Combine(ver, "include");
                if (File.Exists(Path.Combine(inc, "stddef.h")))
                    dirs.Add(inc);
            }
        }
        Match m = MajorVersion().Match(clangVersion);
        string major = m.Success ? m.Groups[1].Value : "";
        return dirs.OrderByDescending(d => d.StartsWith($"/usr/lib/llvm-{major}/", StringComparison.Ordinal))
            .ThenByDescending(VersionOf)
            .FirstOrDefault();
    }

    private static Version VersionOf(string path)
    {
        Match m = AnyVersion().Match(path);
        return m.Success && Version.TryParse(m.Groups[1].Value.Contains('.') ? m.Groups[1].Value : m.Groups[1].Value + ".0", out Version? v)
            ? v
            : new Version(0, 0);
    }

    [GeneratedRegex(@"version (\d+)")]
    private static partial Regex MajorVersion();

    [GeneratedRegex(@"(?:llvm-|libclang-|clang/)(\d+(?:\.\d+)*)")]
    private static partial Regex AnyVersion();
}
