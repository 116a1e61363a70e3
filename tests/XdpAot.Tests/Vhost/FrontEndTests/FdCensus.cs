namespace XdpAot.Tests.Vhost.FrontEndTests;

/// <summary>What this process has open and mapped, from /proc/self: to prove the front-end leaves nothing behind.</summary>
public static class FdCensus
{
    /// <summary>Targets of every open fd (e.g. "/memfd:xdpaot-guest0 (deleted)", "anon_inode:[eventfd]", "socket:[123]").</summary>
    public static IReadOnlyList<string> Targets()
    {
        var targets = new List<string>();
        foreach (var path in Directory.GetFiles("/proc/self/fd"))
        {
            try
            {
                targets.Add(new FileInfo(path).LinkTarget ?? "");
            }
            catch (IOException)
            {
                // The fd that listed the directory is gone by now.
            }
        }
        return targets;
    }

    public static int Count(string kind) => Targets().Count(t => t.Contains(kind, StringComparison.Ordinal));

    /// <summary>Lines of /proc/self/maps naming a guest-RAM memfd.</summary>
    public static int GuestMappings() => File.ReadLines("/proc/self/maps").Count(l => l.Contains("memfd:xdpaot-guest", StringComparison.Ordinal));

    /// <summary>The target of one fd of this process.</summary>
    public static string TargetOf(int fd) => new FileInfo($"/proc/self/fd/{fd}").LinkTarget ?? "";
}
