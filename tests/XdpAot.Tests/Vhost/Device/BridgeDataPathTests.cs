using XdpAot.Tests.Vhost.FrontEnd;
using XdpAot.Tests.Vhost.FrontEndTests;
using XdpAot.Vhost.Device;
using FeVirtio = XdpAot.Tests.Vhost.FrontEnd.VirtioFeature;
using TestFrames = XdpAot.Tests.Vhost.FrontEndTests.Frames;

namespace XdpAot.Tests.Vhost.Device;

/// <summary>
/// Frames both ways through the whole back-end (protocol, plans, workers, bridge) with our front-end as the guest and
/// a fake kernel as the wire: byte for byte, every TX layout a driver may use, MRG_RXBUF and not, 2 queue pairs.
/// </summary>
public class BridgeDataPathTests
{
    public static TheoryData<TxHeaderLayout, int, bool> TxLayouts => new()
    {
        { TxHeaderLayout.WithData, 1, false },
        { TxHeaderLayout.OwnDescriptor, 1, false },
        { TxHeaderLayout.Split, 1, false },
        { TxHeaderLayout.WithData, 5, false },
        { TxHeaderLayout.Split, 3, true },
        { TxHeaderLayout.OwnDescriptor, 2, true },
    };

    [Theory]
    [MemberData(nameof(TxLayouts))]
    public void Guest_frames_reach_the_wire_byte_for_byte_whatever_their_layout(TxHeaderLayout layout, int pieces, bool indirect)
    {
        using var h = new DeviceHarness();
        var fe = h.Start();
        var sent = new List<byte[]>();
        var options = new TxOptions { HeaderLayout = layout, DataPieces = pieces, Indirect = indirect };
        foreach (int size in new[] { 60, 64, 1514, 3000 })
        {
            for (int i = 0; i < 5; i++)
            {
                var f = TestFrames.Make(size, sent.Count);
                sent.Add(f);
                fe.Send(0, f, options);
            }
        }
        var got = h.WireFrames(0, sent.Count);
        Assert.Equal(sent.Select(Convert.ToHexString), got.Select(Convert.ToHexString));
        // Every chain came back, with length 0 (the device wrote nothing into a TX buffer).
        Wait(() => fe.Pair(0).Tx.UsedIdx == sent.Count);
        Assert.All(fe.Pair(0).Tx.TakeUsed(), u => Assert.Equal(0u, u.Length));
        Assert.Equal((ulong)sent.Count, h.Device.Totals().TxFrames);
    }

    [Theory]
    [InlineData(true, 2048, 1)]
    [InlineData(true, 1536, 1)]
    [InlineData(true, 600, 1)]      // a 1514-byte frame takes three buffers
    [InlineData(true, 600, 4)]      // ... each of four descriptors
    [InlineData(false, 4096, 1)]
    [InlineData(false, 4096, 3)]
    public void Wire_frames_reach_the_guest_byte_for_byte(bool mergeable, int bufferSize, int descriptorsPerBuffer)
    {
        using var h = new DeviceHarness();
        ulong features = VirtioNetFrontEnd.DefaultFeatures & (mergeable ? ulong.MaxValue : ~FeVirtio.MrgRxbuf);
        var fe = h.Start(queueSize: 1024, features: features);
        fe.PostRxBuffers(0, 200, bufferSize, descriptorsPerBuffer);
        var sent = new List<byte[]>();
        foreach (int size in new[] { 60, 64, 1514, 3000 })
            for (int i = 0; i < 10; i++)
                sent.Add(TestFrames.Make(size, sent.Count));
        h.Deliver(0, [.. sent]);
        var got = fe.ReceiveFrames(0, sent.Count);
        Assert.Equal(sent.Select(Convert.ToHexString), got.Select(r => Convert.ToHexString(r.Frame)));
        foreach (var r in got)
        {
            Assert.Equal(0, r.Header.Flags);
            Assert.Equal(0, r.Header.GsoType);
            int expectBuffers = mergeable ? (int)Math.Ceiling((r.Frame.Length + 12.0) / bufferSize) : 1;
            Assert.Equal(expectBuffers, r.Buffers);
            Assert.Equal(expectBuffers, r.Header.NumBuffers);
            // Every buffer but the last is used whole.
            for (int b = 0; b < r.Buffers - 1; b++)
                Assert.Equal((uint)bufferSize, r.Used[b].Length);
        }
    }

    [Fact]
    public void Two_queue_pairs_each_carry_their_own_traffic_both_ways()
    {
        using var h = new DeviceHarness(pairs: 2);
        var fe = h.Start(pairs: 2);
        for (int q = 0; q < 2; q++)
            fe.PostRxBuffers(q, 100);
        for (int q = 0; q < 2; q++)
        {
            var toWire = Enumerable.Range(0, 50).Select(i => TestFrames.Make(100 + q, 1000 * q + i)).ToArray();
            foreach (var f in toWire)
                fe.Send(q, f);
            Assert.Equal(toWire.Select(Convert.ToHexString), h.WireFrames(q, 50).Select(Convert.ToHexString));
            var toGuest = Enumerable.Range(0, 50).Select(i => TestFrames.Make(200 + q, 2000 * q + i)).ToArray();
            h.Deliver(q, toGuest);
            Assert.Equal(toGuest.Select(Convert.ToHexString), fe.ReceiveFrames(q, 50).Select(r => Convert.ToHexString(r.Frame)));
        }
        Assert.Empty(h.WireFrames(0, 1, TimeSpan.FromMilliseconds(50)));
    }

    [Fact]
    public void Frames_on_the_queue_of_a_pair_the_guest_did_not_enable_reach_it_through_an_enabled_pair()
    {
        using var h = new DeviceHarness(pairs: 2);
        var fe = h.FrontEnd;
        fe.Negotiate();
        fe.StartQueuePairs(2);
        fe.SetVringEnable(2, false); // a one-vCPU Linux guest uses pair 0 only
        fe.SetVringEnable(3, false);
        fe.PostRxBuffers(0, 100);
        var frames = Enumerable.Range(0, 20).Select(i => TestFrames.Make(90, i)).ToArray();
        h.Deliver(1, frames);
        Assert.Equal(frames.Select(Convert.ToHexString), fe.ReceiveFrames(0, 20).Select(r => Convert.ToHexString(r.Frame)));
        Assert.Equal(0ul, h.Device.Totals().RxNoGuest);
    }

    [Fact]
    public void A_guest_without_rx_buffers_leaves_frames_waiting_in_the_af_xdp_ring_not_dropped()
    {
        using var h = new DeviceHarness();
        var fe = h.Start();
        fe.PostRxBuffers(0, 3);
        var frames = Enumerable.Range(0, 10).Select(i => TestFrames.Make(64, i)).ToArray();
        h.Deliver(0, frames);
        var first = fe.ReceiveFrames(0, 3);
        Thread.Sleep(50);
        Assert.Empty(fe.Receive(0));                 // no buffers: nothing more delivered
        fe.PostRxBuffers(0, 7);                       // the kick lets the rest through
        var rest = fe.ReceiveFrames(0, 7);
        Assert.Equal(frames.Select(Convert.ToHexString), first.Concat(rest).Select(r => Convert.ToHexString(r.Frame)));
        var c = h.Device.Totals();
        Assert.Equal(10ul, c.RxFrames);
        Assert.True(c.RxStarved > 0);
        Assert.Equal(0ul, c.RxTooBig + c.RefusedTotal + c.RxNoGuest);
    }

    [Fact]
    public void A_full_af_xdp_tx_ring_leaves_guest_frames_in_the_avail_ring_until_there_is_room()
    {
        using var h = new DeviceHarness();
        var fe = h.Start();
        // The fake kernel transmits nothing until asked: 256 TX slots, then backpressure.
        var frames = Enumerable.Range(0, 300).Select(i => TestFrames.Make(64, i)).ToArray();
        int sent = 0;
        for (; sent < 250; sent++)
            fe.Send(0, frames[sent]);
        Wait(() => h.Device.Totals().TxFrames == 250);
        for (; sent < 300; sent++)
        {
            fe.ReclaimTx(0);
            fe.Send(0, frames[sent]);
        }
        Wait(() => h.Device.Totals().TxBlocked > 0);
        Assert.True(h.Device.Totals().TxFrames <= 256);
        var got = h.WireFrames(0, 300);
        Assert.Equal(frames.Select(Convert.ToHexString), got.Select(Convert.ToHexString));
        Assert.Equal(0ul, h.Device.Totals().RefusedTotal);
    }

    [Fact]
    public void Guest_memory_on_2_mib_hugepages_works_like_any_other()
    {
        using var pages = XdpAot.Tests.Infrastructure.HugePages.Reserve(XdpAot.Tests.Infrastructure.HugePages.ForMiB(16));
        using var h = new DeviceHarness(frontEnd: new FrontEndOptions { Layout = GuestRamLayout.Single(16 * GuestRamLayout.MiB, hugetlb: true) });
        var fe = h.Start();
        fe.PostRxBuffers(0, 32);
        var toGuest = Enumerable.Range(0, 10).Select(i => TestFrames.Make(1514, i)).ToArray();
        h.Deliver(0, toGuest);
        Assert.Equal(toGuest.Select(Convert.ToHexString), fe.ReceiveFrames(0, 10).Select(r => Convert.ToHexString(r.Frame)));
        fe.Send(0, TestFrames.Make(1514, 99));
        Assert.Single(h.WireFrames(0, 1));
    }

    internal static void Wait(Func<bool> condition, int ms = 10_000)
    {
        long deadline = Environment.TickCount64 + ms;
        while (!condition())
        {
            Assert.True(Environment.TickCount64 < deadline, "condition not met in time");
            Thread.Sleep(1);
        }
    }
}
