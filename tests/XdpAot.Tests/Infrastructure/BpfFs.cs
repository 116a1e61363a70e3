namespace XdpAot.Tests.Infrastructure;

/// <summary>
/// bpffs is not mounted at /sys/fs/bpf on a fresh machine here (and `ip netns exec` hides the host's).
/// libxdp and map-path need one.
/// </summary>
public static class BpfFs
{
    public const string Root = "/sys/fs/bpf";

    public static void EnsureMounted()
    {
        var r = Sh.Try("findmnt", "-n", "-t", "bpf", Root);
        if (r.ExitCode == 0 && r.StdOut.Trim().Length > 0)
            return;
        Sh.Run("mount", "-t", "bpf", "bpf", Root);
    }
}
