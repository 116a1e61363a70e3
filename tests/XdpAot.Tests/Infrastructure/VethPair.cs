using System.Threading;

namespace XdpAot.Tests.Infrastructure;

/// <summary>
/// A network namespace of the test's own holding a veth pair (A, B), both up. Names carry the `xdpaot` prefix,
/// the process id and a counter so parallel tests and CI runs never collide. Dispose deletes the namespace,
/// which deletes both ends and anything attached to them.
/// </summary>
public sealed class VethPair : IDisposable
{
    private static int s_counter;

    public string Namespace { get; }
    public string A { get; }
    public string B { get; }
    public int Queues { get; }

    private VethPair(string ns, string a, string b, int queues)
    {
        Namespace = ns;
        A = a;
        B = b;
        Queues = queues;
    }

    /// <param name="queues">rx/tx queues on both ends (veth needs them equal for native XDP).</param>
    /// <param name="mtu">MTU of both ends.</param>
    public static VethPair Create(int queues = 1, int mtu = 1500)
    {
        int n = Interlocked.Increment(ref s_counter);
        int pid = Environment.ProcessId;
        string ns = $"xdpaot-t{pid}-{n}";
        string a = $"xdpa{pid % 100000}x{n}";
        string b = $"xdpb{pid % 100000}x{n}";
        Sh.Run("ip", "netns", "add", ns);
        var pair = new VethPair(ns, a, b, queues);
        try
        {
            pair.Ip("link", "add", a, "numtxqueues", $"{queues}", "numrxqueues", $"{queues}", "type", "veth",
                "peer", "name", b, "numtxqueues", $"{queues}", "numrxqueues", $"{queues}");
            foreach (var dev in new[] { a, b })
            {
                pair.Ip("link", "set", dev, "mtu", $"{mtu}");
                // No IPv6 autoconf chatter: the tests count frames.
                pair.Exec("sysctl", "-qw", $"net.ipv6.conf.{dev}.disable_ipv6=1");
                pair.Ip("link", "set", dev, "up");
            }
            pair.Ip("link", "set", "lo", "up");
        }
        catch
        {
            pair.Dispose();
            throw;
        }
        return pair;
    }

    /// <summary>Runs `ip …` inside the namespace.</summary>
    public string Ip(params string[] args) => Sh.Run("ip", ["-n", Namespace, .. args]);

    /// <summary>Runs a program inside the namespace (ip netns exec).</summary>
    public string Exec(string file, params string[] args) => Sh.Run("ip", ["netns", "exec", Namespace, file, .. args]);

    public Sh.Result TryExec(TimeSpan timeout, string file, params string[] args) =>
        Sh.TryWithTimeout(timeout, "ip", ["netns", "exec", Namespace, file, .. args]);

    /// <summary>Moves the calling thread into the namespace until the result is disposed.</summary>
    public NetNamespace Enter() => NetNamespace.Enter(Namespace);

    /// <summary>The MAC address of an end, as 6 bytes.</summary>
    public byte[] Mac(string dev)
    {
        string text = Sh.Run("ip", "netns", "exec", Namespace, "cat", $"/sys/class/net/{dev}/address").Trim();
        return Convert.FromHexString(text.Replace(":", ""));
    }

    /// <summary>`ip -d link show dev` output inside the namespace (shows attached XDP programs).</summary>
    public string LinkDetails(string dev) => Ip("-d", "link", "show", "dev", dev);

    public void Dispose()
    {
        Sh.Try("ip", "netns", "del", Namespace);
    }
}
