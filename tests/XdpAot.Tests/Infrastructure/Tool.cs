namespace XdpAot.Tests.Infrastructure;

/// <summary>Finds programs the tests run (on PATH or in the sbin folders a non-root PATH lacks).</summary>
public static class Tool
{
    public static bool Exists(string name) => Find(name) is not null;

    public static string? Find(string name)
    {
        var dirs = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Concat(["/usr/local/sbin", "/usr/sbin", "/sbin"]);
        foreach (var dir in dirs)
        {
            string path = Path.Combine(dir, name);
            if (File.Exists(path))
                return path;
        }
        return null;
    }
}
