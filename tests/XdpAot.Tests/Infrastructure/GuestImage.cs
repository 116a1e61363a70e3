namespace XdpAot.Tests.Infrastructure;

/// <summary>
/// The test guest's kernel and initramfs, built by tests/guest/build.sh into artifacts/guest/ the first time a test
/// asks (once per test run; the script itself rebuilds only when an input changed, and downloads the kernel package
/// only when apt offers a new version).
/// </summary>
public sealed record GuestImage(string Kernel, string Initramfs, string NetTool, string KernelPackage)
{
    private static readonly Lazy<GuestImage> s_image = new(Build);

    /// <summary>Where the image and the downloaded kernel package are kept.</summary>
    public static string Dir => Path.Combine(Artifacts.Dir, "guest");

    public static string BuildScript => Path.Combine(Artifacts.RepoRoot, "tests", "guest", "build.sh");

    /// <summary>The image, built on first use; throws with the build's output (naming a missing package) if it cannot be.</summary>
    public static GuestImage Get() => s_image.Value;

    private static GuestImage Build()
    {
        var r = Sh.TryWithTimeout(TimeSpan.FromMinutes(5), "sh", BuildScript, Dir);
        if (r.ExitCode == 3)
            throw new InvalidOperationException($"the test guest cannot be built, a package is missing: {r.StdErr.Trim()} (`dotnet pwsh build.ps1 setup` installs it)");
        if (r.ExitCode != 0)
            throw new InvalidOperationException($"{BuildScript} {Dir} failed ({r.ExitCode}):\n{r.StdErr.Trim()}\n{r.StdOut.Trim()}");
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in r.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            int eq = line.IndexOf('=');
            if (eq > 0)
                values[line[..eq]] = line[(eq + 1)..];
        }
        string Value(string key) => values.TryGetValue(key, out var v) && v.Length > 0
            ? v
            : throw new InvalidOperationException($"{BuildScript} printed no {key}=:\n{r.StdOut}");
        var image = new GuestImage(Value("kernel"), Value("initramfs"), Value("nettool"), Value("kernel-package"));
        foreach (var file in new[] { image.Kernel, image.Initramfs, image.NetTool })
        {
            if (!File.Exists(file))
                throw new InvalidOperationException($"{BuildScript} reported {file}, which does not exist");
        }
        return image;
    }
}
