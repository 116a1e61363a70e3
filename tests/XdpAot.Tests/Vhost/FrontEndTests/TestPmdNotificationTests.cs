using XdpAot.Tests.Integration;
using XdpAot.Tests.Vhost.FrontEnd;

namespace XdpAot.Tests.Vhost.FrontEndTests;

/// <summary>
/// Kick and call suppression against DPDK: its NO_NOTIFY is honoured by our kicks, and our NO_INTERRUPT and
/// used_event (EVENT_IDX) are where DPDK reads them. Also what DPDK leaves unwritten in an RX header.
/// </summary>
[Collection(IntegrationCollection.Name)]
public class TestPmdNotificationTests(VhostPmdFixture fixture) : IClassFixture<VhostPmdFixture>
{
    private VhostPmd Pmd => fixture.Pmd;

    /// <summary>Sends one frame and waits until the device has put it in the RX used ring, without touching the call eventfd.</summary>
    private static void SendAndWaitForRxUsed(VirtioNetFrontEnd fe, int seq)
    {
        var rx = fe.Pair(0).Rx;
        ushort before = rx.UsedIdx;
        fe.Send(0, Frames.Make(64, seq));
        Assert.True(Loopback.Eventually(() => rx.UsedIdx == (ushort)(before + 1)), $"rx used idx stayed at {rx.UsedIdx}");
    }

    [Fact]
    public void Kicks_are_skipped_once_the_device_sets_NO_NOTIFY_unless_forced()
    {
        using var fe = Loopback.Start(Pmd, Loopback.Base);
        var tx = fe.Pair(0).Tx;
        // testpmd's vhost PMD polls: when the device comes up it turns guest notifications off on every ring.
        Assert.True(Loopback.Eventually(() => tx.DeviceNoNotify && fe.Pair(0).Rx.DeviceNoNotify), $"used flags stayed 0x{tx.UsedFlags:x}");
        fe.PostRxBuffers(0, 8);
        tx.KickFd.Consume();
        fe.Send(0, Frames.Make(60, 1));
        Assert.Equal(0UL, tx.KickFd.Consume());
        fe.Send(0, Frames.Make(60, 2), new TxOptions { ForceKick = true });
        Assert.Equal(1UL, tx.KickFd.Consume());
        Assert.Equal(2, Loopback.Receive(Pmd, fe, 0, 2).Count);
    }

    [Fact]
    public void NO_INTERRUPT_stops_calls_and_clearing_it_brings_them_back()
    {
        using var fe = Loopback.Start(Pmd, Loopback.Base);
        var rx = fe.Pair(0).Rx;
        fe.PostRxBuffers(0, 16);
        rx.NoInterrupt = true;
        rx.CallFd.Consume();
        for (int i = 0; i < 3; i++)
            SendAndWaitForRxUsed(fe, i);
        Thread.Sleep(50);
        Assert.Equal(0UL, rx.CallFd.Consume());
        rx.NoInterrupt = false;
        fe.Send(0, Frames.Make(64, 3));
        Assert.True(rx.WaitForCall(TimeSpan.FromSeconds(5)));
        Assert.Equal(4, fe.Receive(0).Count);
    }

    [Fact]
    public void With_EVENT_IDX_the_device_calls_only_when_used_idx_passes_used_event()
    {
        using var fe = Loopback.Start(Pmd, Loopback.Base | VirtioFeature.EventIdx);
        var rx = fe.Pair(0).Rx;
        Assert.True(rx.EventIdx);
        fe.PostRxBuffers(0, 16);
        // DPDK always calls the first time (nothing signalled yet).
        fe.Send(0, Frames.Make(64, 0));
        Assert.True(rx.WaitForCall(TimeSpan.FromSeconds(5)));
        Assert.Single(fe.Receive(0));
        // Ask for a call once the entry at used idx 5 is written: four more frames (idx 1..4) must stay quiet.
        rx.UsedEvent = 5;
        for (int i = 1; i <= 4; i++)
            SendAndWaitForRxUsed(fe, i);
        Thread.Sleep(50);
        Assert.Equal(0UL, rx.CallFd.Consume());
        fe.Send(0, Frames.Make(64, 5));
        Assert.True(rx.WaitForCall(TimeSpan.FromSeconds(5)));
        Assert.Equal(5, fe.Receive(0).Count);
    }

    [Fact]
    public void Dpdk_leaves_num_buffers_unwritten_without_MRG_RXBUF()
    {
        // virtio 1.x says the device sets num_buffers to 1 without MRG_RXBUF; DPDK 22.11 writes it only with
        // MRG_RXBUF, so a poisoned buffer shows through. (A back-end test can use RxPoison to check its own.)
        using var fe = Loopback.Start(Pmd, Loopback.Base, options: new FrontEndOptions { RxPoison = 0xEE });
        fe.PostRxBuffers(0, 8);
        var got = Loopback.RoundTrip(Pmd, fe, 0, repeat: 1);
        Assert.All(got, f => Assert.Equal(0xEEEE, f.Header.NumBuffers));
    }
}
