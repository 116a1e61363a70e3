using XdpAot.Tests.Vhost.FrontEnd;
using XdpAot.Vhost.Virtio;
using TestFrames = XdpAot.Tests.Vhost.FrontEndTests.Frames;

namespace XdpAot.Tests.Vhost.Device;

/// <summary>
/// Guest memory as an attacker writes it, through the running bridge: every bad chain is completed with length 0 and
/// counted by reason, the frames around it go through, and nothing stalls, crashes or reaches outside guest memory.
/// </summary>
public class HostileGuestTests
{
    private const ushort Next = 1, Write = 2, Indirect = 4;

    private static ulong Refused(DeviceHarness h, ChainStatus why) => h.Device.Totals().Refused[(int)why];

    /// <summary>A TX chain of the test's own design between two good frames: the good ones go out, the bad one is counted.</summary>
    private static void BadTxChainBetweenGoodFrames(Action<VirtioNetFrontEnd, DriverQueue> writeBadChain, ChainStatus expected, int frameSize = 4096)
    {
        using var h = new DeviceHarness(frameSize: (uint)frameSize);
        var fe = h.Start();
        var tx = fe.Pair(0).Tx;
        var a = TestFrames.Make(64, 1);
        var b = TestFrames.Make(64, 2);
        fe.Send(0, a, new TxOptions { Publish = false });
        writeBadChain(fe, tx);
        fe.Send(0, b);
        var got = h.WireFrames(0, 2);
        Assert.Equal([Convert.ToHexString(a), Convert.ToHexString(b)], got.Select(Convert.ToHexString));
        BridgeDataPathTests.Wait(() => tx.UsedIdx == 3);
        var used = tx.TakeUsed();
        Assert.Equal([0u, 0u, 0u], used.Select(u => u.Length));
        Assert.Equal(1ul, Refused(h, expected));
        Assert.Equal(1ul, h.Device.Totals().RefusedTotal);
    }

    // Bad descriptors go high in the table: the front-end hands out descriptors from 0 up.
    private static void Head(DriverQueue q, ushort head) => q.AddRawHead(head);

    private static ulong Buffer(VirtioNetFrontEnd fe, int length) => fe.Ram.Alloc((ulong)length, 64);

    [Fact]
    public void A_descriptor_loop_is_completed_and_counted()
    {
        BadTxChainBetweenGoodFrames((fe, q) =>
        {
            ulong b = Buffer(fe, 64);
            q.WriteDescriptor(200, b, 1, Next, 201);   // 1-byte buffers: the loop, not the length, ends it
            q.WriteDescriptor(201, b, 1, Next, 200);
            Head(q, 200);
        }, ChainStatus.TooManyDescriptors);
    }

    [Fact]
    public void A_head_out_of_range_is_completed_and_counted()
    {
        BadTxChainBetweenGoodFrames((fe, q) => Head(q, 4000), ChainStatus.HeadOutOfRange);
    }

    [Fact]
    public void A_tx_buffer_marked_writable_is_completed_and_counted()
    {
        BadTxChainBetweenGoodFrames((fe, q) =>
        {
            q.WriteDescriptor(200, Buffer(fe, 100), 100, Write, 0);
            Head(q, 200);
        }, ChainStatus.WrongDirection);
    }

    [Fact]
    public void A_tx_buffer_outside_guest_memory_is_completed_and_counted()
    {
        BadTxChainBetweenGoodFrames((fe, q) =>
        {
            q.WriteDescriptor(200, 0x7000_0000_0000, 100, 0, 0);
            Head(q, 200);
        }, ChainStatus.OutsideMemory);
    }

    [Fact]
    public void A_chain_no_longer_than_the_header_is_completed_and_counted()
    {
        BadTxChainBetweenGoodFrames((fe, q) =>
        {
            q.WriteDescriptor(200, Buffer(fe, 12), 12, 0, 0);
            Head(q, 200);
        }, ChainStatus.TooShort);
    }

    [Fact]
    public void A_header_asking_for_segmentation_that_was_not_negotiated_is_completed_and_counted()
    {
        BadTxChainBetweenGoodFrames((fe, q) =>
        {
            ulong b = Buffer(fe, 100);
            fe.Ram.Write(b, [0, 1 /* GSO TCPV4 */, 0, 0, 0x40, 0x05]);
            q.WriteDescriptor(200, b, 100, 0, 0);
            Head(q, 200);
        }, ChainStatus.BadHeader);
    }

    [Fact]
    public void A_frame_larger_than_a_umem_frame_is_dropped_never_truncated()
    {
        BadTxChainBetweenGoodFrames((fe, q) =>
        {
            ulong b = Buffer(fe, 12 + 3000);
            q.WriteDescriptor(200, b, 12 + 3000, 0, 0);
            Head(q, 200);
        }, ChainStatus.TooLong, frameSize: 2048);
    }

    [Fact]
    public void Nested_indirect_and_indirect_with_next_are_completed_and_counted()
    {
        BadTxChainBetweenGoodFrames((fe, q) =>
        {
            ulong table = fe.Ram.Alloc(16, 16);
            q.WriteDescriptor(200, table, 16, Indirect | Next, 201);
            Head(q, 200);
        }, ChainStatus.IndirectWithNext);
    }

    [Fact]
    public void An_rx_buffer_without_write_is_completed_with_nothing_written_and_the_next_frame_goes_on()
    {
        using var h = new DeviceHarness(frontEnd: new FrontEndOptions { UseReplyAck = true });
        var fe = h.Start(features: VirtioNetFrontEnd.DefaultFeatures & ~XdpAot.Tests.Vhost.FrontEnd.VirtioFeature.MrgRxbuf);
        var rx = fe.Pair(0).Rx;
        ulong ro = Buffer(fe, 2048), rw = Buffer(fe, 2048);
        fe.Ram.Span(ro, 2048).Fill(0x5a);
        rx.WriteDescriptor(250, ro, 2048, 0, 0);        // read-only: the device must not write it
        rx.WriteDescriptor(251, rw, 2048, Write, 0);
        Head(rx, 250);
        Head(rx, 251);
        rx.Publish();
        rx.Kick(force: true);
        h.Deliver(0, TestFrames.Make(100, 1), TestFrames.Make(100, 2));
        BridgeDataPathTests.Wait(() => rx.UsedIdx == 2);
        var used = rx.TakeUsed();
        Assert.Equal([new UsedElement(250, 0), new UsedElement(251, 112)], used);
        Assert.All(fe.Ram.Read(ro, 2048), b => Assert.Equal(0x5a, b));                                        // never written
        Assert.Equal(Convert.ToHexString(TestFrames.Make(100, 2)), Convert.ToHexString(fe.Ram.Read(rw + 12, 100))); // the first went down with the bad buffer
        Assert.Equal(1ul, h.Device.Totals().Refused[(int)ChainStatus.WrongDirection]);
    }

    [Fact]
    public void An_avail_index_jump_breaks_that_ring_only_and_tells_the_front_end()
    {
        using var h = new DeviceHarness(pairs: 2);
        var fe = h.Start(pairs: 2);
        fe.Pair(0).Tx.SetAvailIdx(1000);                        // more than the ring holds
        fe.Pair(0).Tx.Kick(force: true);
        Assert.True(fe.Pair(0).Tx.ErrFd.Wait(TimeSpan.FromSeconds(10)));
        BridgeDataPathTests.Wait(() => h.Device.Totals().BrokenRings == 1);
        fe.Send(1, TestFrames.Make(64, 9));                     // the other pair is not affected
        Assert.Single(h.WireFrames(1, 1));
        fe.PostRxBuffers(0, 2);                                 // nor the broken pair's RX ring
        h.Deliver(0, TestFrames.Make(64, 8));
        Assert.Single(fe.ReceiveFrames(0, 1));
    }

    [Fact]
    public void Mergeable_buffers_shorter_than_the_header_or_too_many_for_a_frame_are_refused_without_a_half_written_frame()
    {
        using var h = new DeviceHarness();
        var fe = h.Start(queueSize: 256);
        fe.PostRxBuffers(0, 1, 8);                              // shorter than the 12-byte header
        h.Deliver(0, TestFrames.Make(64, 1));
        BridgeDataPathTests.Wait(() => h.Device.Totals().Refused[(int)ChainStatus.TooShort] == 1);
        fe.PostRxBuffers(0, 100, 20);                           // a 1514-byte frame would need 76 of them
        h.Deliver(0, TestFrames.Make(1514, 2));
        BridgeDataPathTests.Wait(() => h.Device.Totals().RxTooBig == 1);
        var used = fe.Pair(0).Rx.TakeUsed();
        Assert.Equal(1 + 64, used.Count);                       // the short one and the 64 taken for the big frame
        Assert.All(used, u => Assert.Equal(0u, u.Length));      // all given back empty: no half frame
    }
}
