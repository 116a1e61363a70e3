namespace XdpAot.Tests.Infrastructure;

/// <summary>
/// A bpffs of the test's own, mounted under /tmp and unmounted on Dispose: a fresh machine here has none at
/// /sys/fs/bpf (and `ip netns exec` hides the host's), and a test must not leave a mount behind.
/// </summary>
public sealed class BpfFs : IDisposable
{
    private static int s_counter;

    public string Root { get; }

    private BpfFs(string root) => Root = root;

    public static BpfFs Mount()
    {
        string root = Path.Combine(Path.GetTempPath(), $"xdpaot-bpffs-{Environment.ProcessId}-{Interlocked.Increment(ref s_counter)}");
        Directory.CreateDirectory(root);
        Sh.Run("mount", "-t", "bpf", "bpf", root);
        return new BpfFs(root);
    }

    public void Dispose()
    {
        Sh.Try("umount", Root);
        try
        {
            Directory.Delete(Root);
        }
        catch (IOException)
        {
        }
    }
}
