namespace XdpAot.Tests.Infrastructure;

/// <summary>DPDK --vdev arguments for dpdk-testpmd (DPDK 22.11 devargs).</summary>
public static class Vdev
{
    /// <summary>DPDK's vhost-user back-end. It listens on <paramref name="socket"/> unless <paramref name="client"/>
    /// (then it connects, and reconnects every second until the front-end is there).</summary>
    public static string Vhost(string socket, int queues = 1, bool client = false, int index = 0) =>
        $"net_vhost{index},iface={socket},queues={queues}" + (client ? ",client=1" : "");

    /// <summary>DPDK's virtio front-end over vhost-user. It connects to <paramref name="socket"/> at start-up (the
    /// back-end must already listen) unless <paramref name="server"/>. Needs hugepages (<see cref="TestPmdOptions.HugePages"/>).</summary>
    public static string VirtioUser(string socket, int queues = 1, bool server = false, bool? mrgRxbuf = null, bool? inOrder = null,
        int? queueSize = null, int index = 0)
    {
        string s = $"net_virtio_user{index},path={socket},queues={queues}";
        if (server)
            s += ",server=1";
        if (mrgRxbuf is bool m)
            s += $",mrg_rxbuf={(m ? 1 : 0)}";
        if (inOrder is bool o)
            s += $",in_order={(o ? 1 : 0)}";
        if (queueSize is int q)
            s += $",queue_size={q}";
        return s;
    }

    /// <summary>A TAP interface named <paramref name="ifname"/>, created in testpmd's network namespace.</summary>
    public static string Tap(string ifname, int index = 0) => $"net_tap{index},iface={ifname}";
}
