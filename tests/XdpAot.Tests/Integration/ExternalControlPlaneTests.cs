using XdpAot.Ebpf;
using XdpAot.Devices;
using XdpAot.Interop;
using XdpAot.Ports;
using XdpAot.Sockets;
using XdpAot.Tests.Infrastructure;

namespace XdpAot.Tests.Integration;

/// <summary>inhibit=on with sock-fds (QEMU) and with map-path (QEMU 10.1): someone else loads the program.</summary>
[Collection(IntegrationCollection.Name)]
public class ExternalControlPlaneTests
{
    [Fact]
    public void Inhibit_with_sock_fds_uses_the_helpers_sockets()
    {
        using var pair = VethPair.Create(queues: 2);
        using var ns = pair.Enter();
        // The privileged helper's half, from the built-in loader's pieces: map, program, link, unbound sockets.
        uint ifIndex = NetDevice.IndexOf(pair.A);
        using var map = XskMap.Create(2, pair.A);
        int prog = XskProgram.Load(map.Fd, pair.A);
        using var link = XdpLink.Attach(prog, ifIndex, pair.A, XdpAot.Options.XdpMode.Native);
        Libc.Close(prog);
        int fd0 = XskSocket.CreateFd(pair.A, 0), fd1 = XskSocket.CreateFd(pair.A, 1);

        using var a = Port.Open($"ifname={pair.A},queues=2,inhibit=on,sock-fds={fd0}:{fd1}");
        Assert.Null(a.Mode);
        Assert.Equal([fd0, fd1], a.Queues.Select(q => q.Fd));
        map.Set(0, fd0, "test");
        map.Set(1, fd1, "test");

        using var b = Port.Open($"ifname={pair.B},queues=2,mode=native");
        for (int q = 0; q < 2; q++)
        {
            Traffic.AssertDelivered(b.Queues[q], a.Queues[q], count: 100, tag: (byte)(1 + q));
            Traffic.AssertDelivered(a.Queues[q], b.Queues[q], count: 100, tag: (byte)(3 + q));
        }
    }

    [Fact]
    public void Sock_fd_that_is_not_an_af_xdp_socket_is_rejected()
    {
        using var pair = VethPair.Create();
        using var ns = pair.Enter();
        int udp = Libc.Socket(Libc.AF_INET, Libc.SOCK_DGRAM | Libc.SOCK_CLOEXEC, 0);
        try
        {
            var e = Assert.Throws<XdpException>(() => Port.Open($"ifname={pair.A},inhibit=on,sock-fds={udp}"));
            Assert.Contains($"sock-fds: fd {udp}", e.Message);
            Assert.Contains("is not an AF_XDP socket", e.Message);
            var closed = Assert.Throws<XdpException>(() => Port.Open($"ifname={pair.A},inhibit=on,sock-fds=987654"));
            Assert.Contains("fd 987654", closed.Message);
        }
        finally
        {
            Libc.Close(udp);
        }
    }

    [Fact]
    public void Map_path_inserts_our_sockets_at_the_start_index_and_removes_them_on_close()
    {
        using var pair = VethPair.Create();
        using var ns = pair.Enter();
        using var bpffs = BpfFs.Mount();
        string pin = $"{bpffs.Root}/xsks_map";
        uint ifIndex = NetDevice.IndexOf(pair.A);
        // Someone else's program and map: the program redirects by rx_queue_index, so key 0 must hold our socket;
        // a larger map with start index 0 checks the keys, a second port checks map-start-index.
        using var map = XskMap.Create(4, pair.A);
        int prog = XskProgram.Load(map.Fd, pair.A);
        using var link = XdpLink.Attach(prog, ifIndex, pair.A, XdpAot.Options.XdpMode.Skb);
        Libc.Close(prog);
        Pin(map.Fd, pin);
        try
        {
            using (var a = Port.Open($"ifname={pair.A},inhibit=on,map-path={pin},map-start-index=0"))
            using (var b = Port.Open($"ifname={pair.B},mode=skb"))
            {
                Assert.True(MapHasKey(map, 0));
                Traffic.AssertDelivered(b.Queues[0], a.Queues[0], tag: 1);
                Traffic.AssertDelivered(a.Queues[0], b.Queues[0], tag: 2);
            }
            Assert.False(MapHasKey(map, 0));

            var e = Assert.Throws<XdpException>(() => Port.Open($"ifname={pair.A},inhibit=on,map-path={pin},map-start-index=4"));
            Assert.Contains("map-start-index=4", e.Message);
        }
        finally
        {
            File.Delete(pin);
        }
    }

    [Fact]
    public void Map_path_not_on_bpffs_is_explained()
    {
        using var pair = VethPair.Create();
        using var ns = pair.Enter();
        var e = Assert.Throws<XdpException>(() => Port.Open($"ifname={pair.A},inhibit=on,map-path=/tmp/xdpaot-not-bpffs"));
        Assert.Contains("is not on a bpffs", e.Message);
        Assert.Contains("mount -t bpf", e.Message);
    }

    private static unsafe void Pin(int fd, string path)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(path + "\0");
        fixed (byte* p = bytes)
        {
            bpf_attr attr = default;
            attr.pathname = (ulong)p;
            attr.bpf_fd = (uint)fd;
            long r = Libc.Syscall(Libc.SYS_bpf, (long)bpf_cmd.BPF_OBJ_PIN, &attr, sizeof(bpf_attr));
            Assert.True(r == 0, $"BPF_OBJ_PIN {path} failed: errno {Libc.Errno}");
        }
    }

    /// <summary>
    /// XSKMAP entries cannot be read from user space (lookup is EOPNOTSUPP, and get-next-key ignores presence),
    /// so probe with a no-replace insert of a scratch socket: EEXIST means the key is taken.
    /// </summary>
    private static unsafe bool MapHasKey(XskMap map, uint key)
    {
        using var probe = ProbeSocket.Create();
        uint value = (uint)probe.Fd;
        bpf_attr attr = default;
        attr.map_fd = (uint)map.Fd;
        attr.key = (ulong)&key;
        attr.value = (ulong)&value;
        attr.flags = Bpf.BPF_NOEXIST;
        long r = Libc.Syscall(Libc.SYS_bpf, (long)bpf_cmd.BPF_MAP_UPDATE_ELEM, &attr, sizeof(bpf_attr));
        if (r == 0)
        {
            map.Delete(key);
            return false;
        }
        Assert.Equal(17 /* EEXIST */, Libc.Errno);
        return true;
    }
}
