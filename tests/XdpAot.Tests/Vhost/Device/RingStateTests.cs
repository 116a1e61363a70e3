using XdpAot.Tests.Vhost.FrontEndTests;
using XdpAot.Tests.Vhost.FrontEnd;
using XdpAot.Vhost.Device;
using Fe = XdpAot.Tests.Vhost.FrontEnd;
using TestFrames = XdpAot.Tests.Vhost.FrontEndTests.Frames;

namespace XdpAot.Tests.Vhost.Device;

/// <summary>
/// The spec's ring states (started/stopped × enabled/disabled) and the lessons other back-ends learnt: a kick before
/// the ring runs is not lost, RX starts without a kick after a reconnect, GET_VRING_BASE stops without resetting,
/// SET_FEATURES never disables, a disabled TX ring is emptied without sending.
/// </summary>
[Collection(ProcessCensusCollection.Name)]
public class RingStateTests
{
    private static byte[][] Make(int count, int size = 64, int seq = 0) =>
        Enumerable.Range(seq, count).Select(i => TestFrames.Make(size, i)).ToArray();

    private static string[] Hex(IEnumerable<byte[]> frames) => frames.Select(Convert.ToHexString).ToArray();

    [Fact]
    public void Frames_posted_and_kicked_before_the_ring_started_are_sent_once_it_starts()
    {
        using var h = new DeviceHarness();
        var fe = h.FrontEnd;
        fe.Negotiate();
        fe.CreateQueuePairs(1);
        var frames = Make(5);
        foreach (var f in frames)
            fe.Send(0, f, new TxOptions { ForceKick = true });   // kicked into an eventfd nobody has yet
        fe.StartQueuePairs(1);
        Assert.Equal(Hex(frames), Hex(h.WireFrames(0, 5)));
    }

    [Fact]
    public void Rx_buffers_posted_before_the_ring_is_enabled_are_used_once_it_is_without_another_kick()
    {
        using var h = new DeviceHarness();
        var fe = h.NegotiateWithMemory();
        for (int v = 0; v < 2; v++)
        {
            fe.SetVringNum(v);
            fe.SetVringBase(v, 0);
            fe.SetVringAddr(v);
            fe.SetVringKick(v);
            fe.SetVringCall(v);
        }
        fe.PostRxBuffers(0, 8);          // kicks while the ring is started but disabled
        h.Deliver(0, Make(3));
        BridgeDataPathTests.Wait(() => h.Device.Totals().RxNoGuest == 3);
        Assert.Empty(fe.Receive(0));     // disabled: no new RX packets (no ring takes them: dropped, counted)
        fe.Pair(0).Rx.KickFd.Consume();  // the kick is gone; enabling must be enough
        fe.SetVringEnable(0, true);
        fe.SetVringEnable(1, true);
        var later = Make(3, seq: 20);
        h.Deliver(0, later);
        Assert.Equal(Hex(later), Hex(fe.ReceiveFrames(0, 3).Select(r => r.Frame)));
    }

    [Fact]
    public void After_a_reconnect_rx_resumes_into_buffers_posted_before_it_without_a_kick()
    {
        using var h = new DeviceHarness();
        var fe = h.Start();
        fe.PostRxBuffers(0, 16);
        var before = Make(4);
        h.Deliver(0, before);
        Assert.Equal(Hex(before), Hex(fe.ReceiveFrames(0, 4).Select(r => r.Frame)));
        h.ReconnectKeepingGuest();
        fe.Pair(0).Rx.KickFd.Consume();
        var after = Make(4, seq: 100);
        h.Deliver(0, after);
        Assert.Equal(Hex(after), Hex(fe.ReceiveFrames(0, 4).Select(r => r.Frame)));
        Assert.Equal(2, h.Device.Connections);
    }

    [Fact]
    public void Get_vring_base_stops_the_ring_where_it_was_and_a_restart_carries_on_from_there()
    {
        using var h = new DeviceHarness();
        var fe = h.Start();
        var first = Make(5);
        foreach (var f in first)
            fe.Send(0, f);
        Assert.Equal(Hex(first), Hex(h.WireFrames(0, 5)));
        BridgeDataPathTests.Wait(() => fe.Pair(0).Tx.UsedIdx == 5);
        uint[] bases = fe.Stop();
        Assert.Equal([0u, 5u], bases);
        var second = Make(3, seq: 10);
        foreach (var f in second)
            fe.Send(0, f, new TxOptions { ForceKick = true });
        Assert.Empty(h.WireFrames(0, 1, TimeSpan.FromMilliseconds(100))); // stopped: not processed
        Assert.Equal(5u, fe.GetVringBase(1));                             // stopping again changes nothing
        fe.StartQueuePairs(1);
        Assert.Equal(Hex(second), Hex(h.WireFrames(0, 3)));               // none of the first five again
    }

    [Fact]
    public void A_start_in_cloud_hypervisors_order_works()
    {
        // rust-vmm's front-end as cloud-hypervisor drives it: the memory slots one by one after SET_OWNER, SET_FEATURES,
        // then per vring NUM, ADDR, BASE, CALL, KICK and only then SET_VRING_ENABLE.
        using var h = new DeviceHarness(pairs: 2);
        var fe = h.FrontEnd;
        fe.Negotiate(VirtioNetFrontEnd.DefaultFeatures, ProtocolFeature.Mq | ProtocolFeature.ReplyAck | ProtocolFeature.ConfigureMemSlots
            | ProtocolFeature.InflightShmfd | ProtocolFeature.LogShmfd | ProtocolFeature.DeviceState | ProtocolFeature.Config);
        Assert.Equal(ProtocolFeature.Mq | ProtocolFeature.ReplyAck | ProtocolFeature.ConfigureMemSlots, fe.AckedProtocolFeatures);
        fe.CreateQueuePairs(2);
        fe.SendMemory();
        for (int v = 0; v < 4; v++)
        {
            fe.SetVringNum(v);
            fe.SetVringAddr(v);
            fe.SetVringBase(v, 0);
            fe.SetVringCall(v);
            fe.SetVringKick(v);
            fe.SetVringEnable(v, true);
        }
        for (int q = 0; q < 2; q++)
        {
            fe.PostRxBuffers(q, 4);
            h.Deliver(q, TestFrames.Make(80, q));
            Assert.Single(fe.ReceiveFrames(q, 1));
            fe.Send(q, TestFrames.Make(80, 10 + q));
            Assert.Single(h.WireFrames(q, 1));
        }
    }

    [Fact]
    public void A_repeated_set_features_does_not_disable_running_rings()
    {
        using var h = new DeviceHarness();
        var fe = h.Start();
        fe.SetFeatures(fe.AckedFeatures);
        fe.SetFeatures(fe.AckedFeatures);
        fe.Send(0, TestFrames.Make(64, 1));
        Assert.Single(h.WireFrames(0, 1));
    }

    [Fact]
    public void Without_protocol_features_set_features_enables_every_ring()
    {
        using var h = new DeviceHarness();
        var fe = h.FrontEnd;
        fe.Negotiate(VirtioNetFrontEnd.DefaultFeatures & ~Fe.VirtioFeature.ProtocolFeatures);
        Assert.False(fe.Has(Fe.VirtioFeature.ProtocolFeatures));
        fe.StartQueuePairs(1);   // sends no SET_VRING_ENABLE
        Assert.DoesNotContain(VhostUserRequest.SetVringEnable, fe.SentRequests);
        fe.GetFeatures();        // no REPLY_ACK without protocol features: a reply tells us the rest was handled
        fe.PostRxBuffers(0, 4);
        h.Deliver(0, TestFrames.Make(70, 1));
        Assert.Single(fe.ReceiveFrames(0, 1));
        fe.Send(0, TestFrames.Make(70, 2));
        Assert.Single(h.WireFrames(0, 1));
    }

    [Fact]
    public void A_started_but_disabled_tx_ring_is_emptied_without_sending_and_rx_gets_nothing_new_until_enabled()
    {
        using var h = new DeviceHarness();
        var fe = h.Start();
        fe.PostRxBuffers(0, 8);
        fe.SetVringEnable(1, false);
        fe.SetVringEnable(0, false);
        foreach (var f in Make(6))
            fe.Send(0, f, new TxOptions { ForceKick = true });
        BridgeDataPathTests.Wait(() => fe.Pair(0).Tx.UsedIdx == 6);           // the guest's buffers came back
        Assert.Empty(h.WireFrames(0, 1, TimeSpan.FromMilliseconds(50)));      // nothing went out
        Assert.Equal(6ul, h.Device.Totals().TxDiscarded);
        h.Deliver(0, Make(2, seq: 50));
        BridgeDataPathTests.Wait(() => h.Device.Totals().RxNoGuest == 2);    // like a link that is down: counted
        Assert.Empty(fe.Receive(0));
        fe.SetVringEnable(0, true);
        var after = Make(2, seq: 60);
        h.Deliver(0, after);
        Assert.Equal(Hex(after), Hex(fe.ReceiveFrames(0, 2).Select(r => r.Frame)));
    }

    [Fact]
    public void Memory_changes_while_traffic_runs_remap_the_rings()
    {
        var layout = GuestRamLayout.WithGap(16 * GuestRamLayout.MiB, 16 * GuestRamLayout.MiB);
        using var h = new DeviceHarness(frontEnd: new FrontEndOptions { Layout = layout, BufferRegion = 0 });
        var fe = h.Start();
        fe.PostRxBuffers(0, 32);
        h.Deliver(0, Make(2));
        Assert.Equal(2, fe.ReceiveFrames(0, 2).Count);
        fe.RemMemReg(1);                                 // a region with nothing of ours in it goes
        fe.AddMemReg(1);                                 // and comes back
        fe.SetMemTable();                                // the whole table replaced, rings re-mapped
        h.Deliver(0, Make(2, seq: 7));
        Assert.Equal(2, fe.ReceiveFrames(0, 2).Count);
        fe.Send(0, TestFrames.Make(99, 9));
        Assert.Single(h.WireFrames(0, 1));
        Assert.Equal(2, File.ReadLines("/proc/self/maps").Count(l => l.Contains("memfd:xdpaot-guest", StringComparison.Ordinal)) - fe.Ram.RegionCount);
    }

    [Fact]
    public void Removing_the_region_that_holds_a_ring_stops_that_ring_safely()
    {
        using var h = new DeviceHarness();
        var fe = h.Start();
        fe.RemMemReg(0);
        fe.Send(0, TestFrames.Make(64, 1), new TxOptions { ForceKick = true });
        Assert.Empty(h.WireFrames(0, 1, TimeSpan.FromMilliseconds(100)));
        Assert.Contains(h.Log, l => l.Contains("cannot run", StringComparison.Ordinal));
        fe.AddMemReg(0);                                 // back: the rings map again where they stopped
        Assert.Single(h.WireFrames(0, 1));
    }
}
