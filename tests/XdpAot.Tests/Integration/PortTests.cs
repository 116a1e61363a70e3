using XdpAot.Options;
using XdpAot.Ports;
using XdpAot.Tests.Infrastructure;

namespace XdpAot.Tests.Integration;

/// <summary>Frames both ways through a veth pair in a namespace of the test's own, for every mode and option.</summary>
[Collection(IntegrationCollection.Name)]
public class PortTests
{
    private static void BothWays(VethPair pair, string optsA, string optsB, Action<Port, Port>? check = null)
    {
        using var ns = pair.Enter();
        using var a = Port.Open($"ifname={pair.A},{optsA}".TrimEnd(','));
        using var b = Port.Open($"ifname={pair.B},{optsB}".TrimEnd(','));
        check?.Invoke(a, b);
        Traffic.AssertDelivered(a.Queues[0], b.Queues[0], tag: 1);
        Traffic.AssertDelivered(b.Queues[0], a.Queues[0], tag: 2);
    }

    [Fact]
    public void Skb_mode_moves_frames_both_ways()
    {
        using var pair = VethPair.Create();
        BothWays(pair, "mode=skb", "mode=skb", (a, b) =>
        {
            Assert.Equal(XdpMode.Skb, a.Mode);
            Assert.Equal(XdpMode.Skb, a.Queues[0].AttachMode);
            Assert.False(a.Queues[0].ZeroCopy); // veth has no zero-copy
            Assert.Contains("xdpgeneric", pair.LinkDetails(pair.A));
        });
    }

    [Fact]
    public void Native_mode_moves_frames_both_ways()
    {
        using var pair = VethPair.Create();
        BothWays(pair, "mode=native", "mode=native", (a, b) =>
        {
            Assert.Equal(XdpMode.Native, a.Mode);
            Assert.Contains("prog/xdp", pair.LinkDetails(pair.A));
        });
    }

    [Fact]
    public void Auto_mode_chooses_native_on_veth()
    {
        using var pair = VethPair.Create();
        BothWays(pair, "", "", (a, b) => Assert.Equal(XdpMode.Native, a.Mode));
    }

    [Fact]
    public void Force_copy_binds_in_copy_mode()
    {
        using var pair = VethPair.Create();
        BothWays(pair, "force-copy=on", "force-copy=on,mode=skb", (a, b) =>
        {
            Assert.False(a.Queues[0].ZeroCopy);
            Assert.Equal(XdpMode.Skb, b.Mode);
        });
    }

    [Fact]
    public void Two_queues_each_receive_the_traffic_steered_to_them()
    {
        using var pair = VethPair.Create(queues: 2);
        using var ns = pair.Enter();
        using var a = Port.Open($"ifname={pair.A},queues=2");
        using var b = Port.Open($"ifname={pair.B},queues=2,mode=native");
        Assert.Equal([0, 1], a.Queues.Select(q => q.QueueId));
        // AF_XDP TX on queue q of one end lands on RX queue q of the other when the receiver runs native XDP
        // (veth's per-queue NAPI); a generic-XDP receiver sees every frame as queue 0.
        for (int q = 0; q < 2; q++)
        {
            Traffic.AssertDelivered(b.Queues[q], a.Queues[q], count: 100, tag: (byte)(10 + q));
            Traffic.AssertDelivered(a.Queues[q], b.Queues[q], count: 100, tag: (byte)(20 + q));
        }
    }

    [Fact]
    public void Start_queue_binds_the_later_queue()
    {
        using var pair = VethPair.Create(queues: 2);
        using var ns = pair.Enter();
        using var a = Port.Open($"ifname={pair.A},start-queue=1");
        using var b = Port.Open($"ifname={pair.B},queues=2,mode=native");
        Assert.Equal(1, a.Queues[0].QueueId);
        Traffic.AssertDelivered(b.Queues[1], a.Queues[0], count: 100);
        Traffic.AssertDelivered(a.Queues[0], b.Queues[1], count: 100);
    }

    [Fact]
    public void Libxdp_loader_moves_frames_both_ways()
    {
        using var pair = VethPair.Create();
        using var ns = pair.Enter();
        using (var a = Port.Open($"ifname={pair.A},loader=libxdp,mode=skb"))
        using (var b = Port.Open($"ifname={pair.B},mode=skb"))
        {
            Assert.Equal(XdpMode.Skb, a.Mode);
            Assert.Contains("xdpgeneric", pair.LinkDetails(pair.A));
            Traffic.AssertDelivered(a.Queues[0], b.Queues[0], tag: 1);
            Traffic.AssertDelivered(b.Queues[0], a.Queues[0], tag: 2);
        }
        // libxdp removes its program with its last socket.
        Assert.DoesNotContain("prog/xdp", pair.LinkDetails(pair.A));
    }

    [Fact]
    public void Libxdp_loader_in_auto_mode_reports_the_mode_it_got()
    {
        using var pair = VethPair.Create(queues: 2);
        using var ns = pair.Enter();
        using var a = Port.Open($"ifname={pair.A},loader=libxdp,queues=2");
        using var b = Port.Open($"ifname={pair.B},queues=2,mode=native");
        Assert.Equal(XdpMode.Native, a.Mode);
        for (int q = 0; q < 2; q++)
            Traffic.AssertDelivered(b.Queues[q], a.Queues[q], count: 50, tag: (byte)q);
    }

    [Fact]
    public void Closing_the_port_detaches_the_program()
    {
        using var pair = VethPair.Create();
        using (pair.Enter())
        {
            using var a = Port.Open($"ifname={pair.A},mode=skb");
            Assert.Contains("xdpgeneric", pair.LinkDetails(pair.A));
        }
        Assert.DoesNotContain("prog/xdp", pair.LinkDetails(pair.A));
    }

    [Fact]
    public void An_inactive_port_gets_traffic_only_between_Activate_and_Deactivate()
    {
        using var pair = VethPair.Create();
        using var ns = pair.Enter();
        using var a = Port.Open(new PortOptions { IfName = pair.A, Mode = XdpMode.Native }, activate: false);
        using var b = Port.Open($"ifname={pair.B},mode=skb");
        Assert.False(a.IsActive);
        Assert.Null(a.Mode);
        Assert.DoesNotContain("prog/xdp", pair.LinkDetails(pair.A));
        // Bound, Fill ring stocked, but nothing steered to it: these go to A's stack.
        Traffic.SendAll(b.Queues[0], Enumerable.Range(0, 50).Select(i => Traffic.Frame(i, tag: 3)));
        Assert.Empty(Traffic.Receive(a.Queues[0], 1, TimeSpan.FromMilliseconds(300)));

        a.Activate();
        a.Activate(); // once is enough; again changes nothing
        Assert.True(a.IsActive);
        Assert.Equal(XdpMode.Native, a.Mode);
        Assert.Contains("prog/xdp", pair.LinkDetails(pair.A));
        Traffic.AssertDelivered(b.Queues[0], a.Queues[0], tag: 4);

        // A frame already in the RX ring can still be read after the program is gone; later ones go to the stack.
        Traffic.SendAll(b.Queues[0], [Traffic.Frame(0, tag: 5)]);
        a.Deactivate();
        Assert.False(a.IsActive);
        Assert.Equal(XdpMode.Native, a.Mode);
        Assert.DoesNotContain("prog/xdp", pair.LinkDetails(pair.A));
        Traffic.SendAll(b.Queues[0], [Traffic.Frame(1, tag: 6)]);
        var got = Traffic.Receive(a.Queues[0], 2, TimeSpan.FromMilliseconds(500));
        Assert.Equal([5], got.Select(f => f[18]));
        var e = Assert.Throws<InvalidOperationException>(a.Activate);
        Assert.Contains(pair.A, e.Message);
    }
}
