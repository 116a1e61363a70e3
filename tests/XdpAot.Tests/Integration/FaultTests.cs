using XdpAot.Interop;
using XdpAot.Ports;
using XdpAot.Tests.Infrastructure;
using XdpAot.Umem;

namespace XdpAot.Tests.Integration;

/// <summary>Failures: bad interfaces, busy queues, vanished devices, full rings, leaks on failed opens.</summary>
[Collection(IntegrationCollection.Name)]
public class FaultTests
{
    [Fact]
    public void Unknown_interface_is_named()
    {
        var e = Assert.Throws<XdpException>(() => Port.Open("ifname=xdpaotnope0"));
        Assert.Equal("failed to get ifindex for 'xdpaotnope0'", e.Message);
        Assert.Equal(-19, e.Errno);
    }

    [Fact]
    public void Start_queue_beyond_the_device_is_rejected()
    {
        using var pair = VethPair.Create(queues: 2);
        using var ns = pair.Enter();
        var e = Assert.Throws<XdpException>(() => Port.Open($"ifname={pair.A},start-queue=2"));
        Assert.Contains("start-queue=2 is out of range", e.Message);
        var e2 = Assert.Throws<XdpException>(() => Port.Open($"ifname={pair.A},start-queue=1,queues=2"));
        Assert.Contains("needs queues 1..2", e2.Message);
        Assert.Contains("has 2 queue(s)", e2.Message);
    }

    [Fact]
    public void Second_port_on_the_same_queue_fails_with_ebusy()
    {
        using var pair = VethPair.Create();
        using var ns = pair.Enter();
        using var first = Port.Open($"ifname={pair.A},mode=skb");
        var e = Assert.Throws<XdpException>(() => Port.Open($"ifname={pair.A},mode=skb"));
        Assert.Equal(-16, e.Errno);
        Assert.Contains($"{pair.A} queue 0: bind failed", e.Message);
        Assert.Contains("another AF_XDP socket is bound to this queue", e.Message);
        // The failed open left nothing behind: the first port still works.
        using var b = Port.Open($"ifname={pair.B},mode=skb");
        Traffic.AssertDelivered(b.Queues[0], first.Queues[0], count: 50);
    }

    [Fact]
    public void Failed_open_releases_everything_it_took()
    {
        using var pair = VethPair.Create(queues: 2);
        using var ns = pair.Enter();
        var fdsBefore = OpenFds();
        using (var blocker = Port.Open($"ifname={pair.A},start-queue=1,mode=skb"))
        {
            // queue 0 opens, queue 1 is taken: the open must undo queue 0, its UMEM, the map and the program.
            var e = Assert.Throws<XdpException>(() => Port.Open($"ifname={pair.A},queues=2,mode=skb"));
            Assert.Contains("queue 1: bind failed", e.Message);
        }
        Assert.DoesNotContain("prog/xdp", pair.LinkDetails(pair.A));
        var leaked = OpenFds().Except(fdsBefore).ToList();
        Assert.True(leaked.Count == 0, $"leaked: {string.Join(", ", leaked)}");
        using var again = Port.Open($"ifname={pair.A},queues=2,mode=skb");
        Assert.Equal(2, again.Queues.Count);
    }

    /// <summary>Open fds as "fd -> target"; the kinds we create show as socket:[…] and anon_inode:bpf-….</summary>
    private static HashSet<string> OpenFds()
    {
        var set = new HashSet<string>();
        foreach (var f in Directory.GetFiles("/proc/self/fd"))
        {
            string? target = new FileInfo(f).LinkTarget;
            if (target is not null && (target.StartsWith("socket:") || target.StartsWith("anon_inode:bpf")))
                set.Add($"{Path.GetFileName(f)} -> {target}");
        }
        return set;
    }

    [Fact]
    public void Interface_deleted_while_open_fails_cleanly_and_close_still_works()
    {
        using var pair = VethPair.Create();
        using var ns = pair.Enter();
        var a = Port.Open($"ifname={pair.A},mode=skb");
        pair.Ip("link", "del", pair.A);
        var q = a.Queues[0];
        for (int i = 0; i < 10; i++)
            q.Send(Traffic.Frame(i));
        q.Flush();
        var h = default(NullHandler);
        Assert.Equal(0, q.Receive(ref h));
        _ = q.GetStatistics();
        a.Dispose();
        Assert.NotNull(q.CountsAtClose);
    }

    private struct NullHandler : IFrameHandler
    {
        public bool OnFrame(ReadOnlySpan<byte> frame) => true;
    }

    [Fact]
    public void Full_tx_ring_returns_full_and_recovers()
    {
        using var pair = VethPair.Create();
        using var ns = pair.Enter();
        using var a = Port.Open($"ifname={pair.A},mode=skb,tx-size=64,comp-size=64");
        using var b = Port.Open($"ifname={pair.B},mode=skb");
        var q = a.Queues[0];
        int sent = 0;
        // Without kicks the kernel sends nothing: the ring fills and send says "full".
        while (q.Send(Traffic.Frame(sent)) != 0)
            sent++;
        Assert.Equal(64, sent);
        Assert.True(q.Counters.TxFull >= 1);
        Traffic.SendAll(q, []);
        Assert.Equal(0, q.Flush());
        Assert.NotEqual(0, q.Send(Traffic.Frame(sent)));
        Traffic.SendAll(q, []);
        var got = Traffic.Receive(b.Queues[0], sent + 1);
        Assert.Equal(sent + 1, got.Count);
    }

    [Fact]
    public void Memlock_shortfall_names_the_limit_the_size_and_the_options()
    {
        var e = Assert.Throws<XdpException>(() =>
            MemoryLimits.EnsureUmemFits("eth9", 32ul << 20, 2, 8192, 4096, hasIpcLock: false, memlockLimit: 8ul << 20));
        Assert.Equal(-105, e.Errno);
        Assert.Contains("eth9: the UMEM needs 64 MiB of locked memory (2 queue(s) x 8192 frames x 4096 bytes)", e.Message);
        Assert.Contains("RLIMIT_MEMLOCK is 8 MiB", e.Message);
        Assert.Contains("frame-count=", e.Message);
        MemoryLimits.EnsureUmemFits("eth9", 4ul << 20, 2, 1024, 4096, hasIpcLock: false, memlockLimit: 8ul << 20);
        MemoryLimits.EnsureUmemFits("eth9", 32ul << 20, 2, 8192, 4096, hasIpcLock: true, memlockLimit: 8ul << 20);
    }
}
