namespace XdpAot.Tests.Infrastructure;

/// <summary>Unique Unix socket paths for vhost-user tests (short: sun_path holds 107 bytes).</summary>
public static class TempSockets
{
    private static int s_counter;

    /// <summary>/tmp/xdpaot-&lt;what&gt;-&lt;pid&gt;-&lt;n&gt;.sock; nothing is created, and a stale file of that name is removed.</summary>
    public static string NewPath(string what)
    {
        string path = Path.Combine(Path.GetTempPath(), $"xdpaot-{what}-{Environment.ProcessId}-{Interlocked.Increment(ref s_counter)}.sock");
        File.Delete(path);
        return path;
    }
}
