using XdpAot.Frames;
using XdpAot.Ports;

namespace XdpAot.Tests.Core;

public class ReflectTests
{
    private struct SwapMacs : IFrameRewriter
    {
        public int Seen;

        public bool Rewrite(Span<byte> frame)
        {
            Seen++;
            MacSwap.Swap(frame);
            return true;
        }
    }

    /// <summary>Declines every frame whose first byte is odd.</summary>
    private struct DeclineOdd : IFrameRewriter
    {
        public bool Rewrite(Span<byte> frame)
        {
            if ((frame[0] & 1) != 0)
                return false;
            MacSwap.Swap(frame);
            return true;
        }
    }

    [Fact]
    public void Reflected_frames_leave_byte_for_byte_with_their_macs_swapped()
    {
        using var h = new DataPathHarness();
        var frames = Enumerable.Range(0, 20).Select(i => TestFrames.Make(i, 60 + i)).ToArray();
        foreach (var f in frames)
            Assert.True(h.Kernel.Deliver(f, headroom: 256));
        var swap = new SwapMacs();
        Assert.Equal(20, h.Queue.Reflect(ref swap));
        var sent = new List<byte[]>();
        Assert.Equal(20, h.Kernel.Transmit(100, sent));
        Assert.Equal(frames.Select(TestFrames.Swapped), sent);
        var c = h.Queue.Counters;
        Assert.Equal((20ul, 20ul), (c.RxPackets, c.TxPackets));
        Assert.Equal(frames.Sum(f => (long)f.Length), (long)c.RxBytes);
        Assert.Equal(c.RxBytes, c.TxBytes);
        Assert.Equal(0, h.Queue.Flush());
        h.AssertAllFramesAccountedFor();
    }

    [Fact]
    public void The_same_umem_frame_is_sent_no_copy()
    {
        using var h = new DataPathHarness();
        for (int i = 0; i < 8; i++)
            h.Kernel.Deliver(TestFrames.Make(i), headroom: (uint)(i * 8));
        ulong[] received = h.PendingRxAddresses();
        uint freeBefore = h.Queue.CountFrames().Free;
        var swap = new SwapMacs();
        Assert.Equal(8, h.Queue.Reflect(ref swap));
        Assert.Equal(received, h.PendingTx().Select(d => d.addr)); // offsets included
        Assert.Equal(8u, h.Queue.TxOutstanding);
        // No frame was taken for TX: the pool only paid for topping the Fill ring up again.
        Assert.Equal(freeBefore - 8, h.Queue.CountFrames().Free);
        h.AssertAllFramesAccountedFor();
        h.Kernel.Transmit(8);
        h.Queue.Flush();
        Assert.Equal(freeBefore, h.Queue.CountFrames().Free);
        h.AssertAllFramesAccountedFor();
    }

    [Fact]
    public void Takes_no_more_than_the_tx_ring_can_hold_and_the_rest_waits_in_rx()
    {
        using var h = new DataPathHarness(ringSize: 64, txSize: 16);
        for (int i = 0; i < 40; i++)
            h.Kernel.Deliver(TestFrames.Make(i));
        var swap = new SwapMacs();
        Assert.Equal(16, h.Queue.Reflect(ref swap));
        Assert.Equal(0, h.Queue.Reflect(ref swap)); // TX full: nothing taken, nothing lost
        Assert.Equal(24u, h.Queue.CountFrames().Rx);
        var sent = new List<byte[]>();
        h.Kernel.Transmit(100, sent);
        h.Queue.Flush();
        Assert.Equal(16, h.Queue.Reflect(ref swap));
        h.Kernel.Transmit(100, sent);
        Assert.Equal(8, h.Queue.Reflect(ref swap));
        h.Kernel.Transmit(100, sent);
        Assert.Equal(Enumerable.Range(0, 40).Select(i => TestFrames.Swapped(TestFrames.Make(i))), sent);
        h.Queue.Flush();
        h.AssertAllFramesAccountedFor();
    }

    [Fact]
    public void Declined_frames_go_back_to_the_pool_and_are_not_sent()
    {
        using var h = new DataPathHarness();
        var frames = Enumerable.Range(0, 30).Select(i => TestFrames.Make(i)).ToArray();
        foreach (var f in frames)
            h.Kernel.Deliver(f);
        var rewriter = new DeclineOdd();
        var kept = frames.Where(f => (f[0] & 1) == 0).ToArray();
        Assert.Equal(kept.Length, h.Queue.Reflect(ref rewriter));
        var sent = new List<byte[]>();
        h.Kernel.Transmit(100, sent);
        Assert.Equal(kept.Select(TestFrames.Swapped), sent);
        var c = h.Queue.Counters;
        Assert.Equal(30ul, c.RxPackets);
        Assert.Equal((ulong)kept.Length, c.TxPackets);
        Assert.Equal((ulong)kept.Sum(f => f.Length), c.TxBytes);
        h.Queue.Flush();
        h.AssertAllFramesAccountedFor();
    }

    [Fact]
    public void Multi_buffer_fragments_are_dropped_and_counted_once()
    {
        using var h = new DataPathHarness();
        h.Kernel.Deliver(TestFrames.Make(1), options: 1 /* XDP_PKT_CONTD */);
        h.Kernel.Deliver(TestFrames.Make(1), options: 1);
        h.Kernel.Deliver(TestFrames.Make(1), options: 0 /* last fragment */);
        h.Kernel.Deliver(TestFrames.Make(2));
        var swap = new SwapMacs();
        Assert.Equal(1, h.Queue.Reflect(ref swap));
        Assert.Equal(1, swap.Seen);
        Assert.Equal(1ul, h.Queue.Counters.RxOversize);
        Assert.Equal(1ul, h.Queue.Counters.RxPackets);
        var sent = new List<byte[]>();
        h.Kernel.Transmit(10, sent);
        Assert.Equal([TestFrames.Swapped(TestFrames.Make(2))], sent);
        h.Queue.Flush();
        h.AssertAllFramesAccountedFor();
    }

    [Fact]
    public void Wrapping_rings_and_random_batches_keep_every_frame_and_every_byte()
    {
        using var h = new DataPathHarness(ringSize: 16, frameCount: 48);
        var rnd = new Random(21);
        var expected = new List<byte[]>();
        var sent = new List<byte[]>();
        int n = 0;
        for (int round = 0; round < 3000; round++)
        {
            for (int i = rnd.Next(20); i > 0; i--)
            {
                var f = TestFrames.Make(n, 14 + rnd.Next(200));
                if (!h.Kernel.Deliver(f, headroom: (uint)rnd.Next(64)))
                    break;
                expected.Add(TestFrames.Swapped(f));
                n++;
            }
            var swap = new SwapMacs();
            h.Queue.Reflect(ref swap, rnd.Next(70));
            h.Kernel.Transmit(rnd.Next(20), sent);
            if (rnd.Next(3) == 0)
                h.Queue.Flush();
            h.AssertAllFramesAccountedFor();
            h.AssertEveryFrameOnce();
        }
        // Drain.
        for (int i = 0; i < 100; i++)
        {
            var swap = new SwapMacs();
            h.Queue.Reflect(ref swap);
            h.Kernel.Transmit(100, sent);
            h.Queue.Flush();
        }
        Assert.True(n > 10_000);
        Assert.Equal(expected, sent);
        Assert.Equal(0, h.Queue.Flush());
        h.AssertAllFramesAccountedFor();
    }

    [Fact]
    public void A_batch_of_zero_takes_nothing()
    {
        using var h = new DataPathHarness();
        h.Kernel.Deliver(TestFrames.Make(0));
        var swap = new SwapMacs();
        Assert.Equal(0, h.Queue.Reflect(ref swap, 0));
        Assert.Equal(1u, h.Queue.CountFrames().Rx);
    }

    [Fact]
    public void Reflect_after_peek_starts_from_the_peeked_frames()
    {
        using var h = new DataPathHarness();
        for (int i = 0; i < 3; i++)
            h.Kernel.Deliver(TestFrames.Make(i));
        Span<FrameRef> peeked = stackalloc FrameRef[4];
        Assert.Equal(3, h.Queue.Peek(peeked));
        var swap = new SwapMacs();
        Assert.Equal(3, h.Queue.Reflect(ref swap));
        Assert.Equal(0, h.Queue.Peeked);
        var sent = new List<byte[]>();
        h.Kernel.Transmit(10, sent);
        Assert.Equal(Enumerable.Range(0, 3).Select(i => TestFrames.Swapped(TestFrames.Make(i))), sent);
    }
}
