using XdpAot.Ports;
using XdpAot.Tests.Fakes;

namespace XdpAot.Tests.Core;

public unsafe class QueueDataPathTests
{
    private static byte[] Frame(int n, int length = 60)
    {
        var f = new byte[length];
        for (int i = 0; i < length; i++)
            f[i] = (byte)(n * 7 + i);
        return f;
    }

    [Fact]
    public void Fill_ring_is_populated_on_open()
    {
        using var fq = new FakeQueue(ringSize: 64);
        Assert.Equal(64u, fq.Kernel.FillAvailable);
        Assert.Equal(new FrameCounts(192, 64, 0, 0, 0), fq.Queue.CountFrames());
    }

    [Fact]
    public void Umem_smaller_than_the_rings_still_leaves_frames_to_send()
    {
        // frame-count=64 with 64-entry rings: the Fill ring alone could take every frame and starve TX.
        using var fq = new FakeQueue(ringSize: 64, frameCount: 64);
        Assert.Equal(32u, fq.Kernel.FillAvailable);
        int sent = 0;
        while (fq.Queue.Send(Frame(sent)) != 0)
            sent++;
        Assert.Equal(32, sent);
        fq.Kernel.Transmit(64);
        Assert.Equal(0, fq.Queue.Flush());
        Assert.NotEqual(0, fq.Queue.Send(Frame(99)));
        Assert.Equal(64u, fq.Queue.CountFrames().Total);
    }

    [Fact]
    public void Received_frames_arrive_byte_for_byte_and_fill_is_refilled()
    {
        using var fq = new FakeQueue();
        for (int i = 0; i < 10; i++)
            Assert.True(fq.Kernel.Deliver(Frame(i), headroom: 256));
        var h = new CollectingHandler(int.MaxValue);
        Assert.Equal(10, fq.Queue.Receive(ref h));
        for (int i = 0; i < 10; i++)
            Assert.Equal(Frame(i), h.Frames[i]);
        Assert.Equal(64u, fq.Kernel.FillAvailable);
        Assert.Equal(10ul, fq.Queue.Counters.RxPackets);
        Assert.Equal(600ul, fq.Queue.Counters.RxBytes);
    }

    [Fact]
    public void Refused_frame_is_delivered_again()
    {
        using var fq = new FakeQueue();
        for (int i = 0; i < 5; i++)
            fq.Kernel.Deliver(Frame(i));
        var h = new CollectingHandler(2);
        Assert.Equal(2, fq.Queue.Receive(ref h));
        Assert.Equal(0, fq.Queue.Receive(ref h)); // still refusing: nothing taken, nothing lost
        h.RefuseAfter = int.MaxValue;
        Assert.Equal(3, fq.Queue.Receive(ref h));
        Assert.Equal([Frame(0), Frame(1), Frame(2), Frame(3), Frame(4)], h.Frames);
        Assert.Equal(5ul, fq.Queue.Counters.RxPackets);
    }

    [Fact]
    public void Receive_takes_at_most_one_batch()
    {
        using var fq = new FakeQueue(ringSize: 128);
        for (int i = 0; i < 100; i++)
            fq.Kernel.Deliver(Frame(i));
        var h = new CollectingHandler(int.MaxValue);
        Assert.Equal(Queue.MaxBatch, fq.Queue.Receive(ref h, 1000));
        Assert.Equal(10, fq.Queue.Receive(ref h, 10));
    }

    [Fact]
    public void Peek_is_repeatable_until_release()
    {
        using var fq = new FakeQueue();
        for (int i = 0; i < 4; i++)
            fq.Kernel.Deliver(Frame(i));
        Span<FrameRef> frames = stackalloc FrameRef[8];
        Assert.Equal(4, fq.Queue.Peek(frames));
        Assert.Equal(Frame(0), frames[0].Span.ToArray());
        Assert.Equal(4, fq.Queue.Peek(frames));
        Assert.Equal(Frame(0), frames[0].Span.ToArray());
        Assert.False(fq.Queue.ReleasePeeked(5));
        Assert.True(fq.Queue.ReleasePeeked(3));
        Assert.Equal(1, fq.Queue.Peek(frames));
        Assert.Equal(Frame(3), frames[0].Span.ToArray());
        Assert.True(fq.Queue.ReleasePeeked(1));
        Assert.Equal(4ul, fq.Queue.Counters.RxPackets);
    }

    [Fact]
    public void Multi_buffer_descriptors_are_dropped_and_counted()
    {
        using var fq = new FakeQueue();
        fq.Kernel.Deliver(Frame(1), options: 1 /* XDP_PKT_CONTD */);
        fq.Kernel.Deliver(Frame(1), options: 0 /* last fragment of the same packet */);
        fq.Kernel.Deliver(Frame(2));
        var h = new CollectingHandler(int.MaxValue);
        Assert.Equal(1, fq.Queue.Receive(ref h));
        Assert.Equal(Frame(2), h.Frames[0]);
        Assert.Equal(1ul, fq.Queue.Counters.RxOversize);
        Assert.Equal(256u, fq.Queue.CountFrames().Total);
    }

    [Fact]
    public void Sent_frames_reach_the_kernel_byte_for_byte_and_complete()
    {
        using var fq = new FakeQueue();
        for (int i = 0; i < 10; i++)
            Assert.Equal(60, fq.Queue.Send(Frame(i)));
        Assert.Equal(10u, fq.Queue.TxOutstanding);
        var sent = new List<byte[]>();
        Assert.Equal(10, fq.Kernel.Transmit(100, sent));
        for (int i = 0; i < 10; i++)
            Assert.Equal(Frame(i), sent[i]);
        Assert.Equal(0, fq.Queue.Flush());
        Assert.Equal(256u, fq.Queue.CountFrames().Total);
    }

    [Fact]
    public void Gathered_segments_form_one_frame()
    {
        using var fq = new FakeQueue();
        byte[] a = [1, 2, 3], b = [4, 5], c = [6];
        fixed (byte* pa = a, pb = b, pc = c)
        {
            Span<Segment> segs = [new(pa, 3), new(pb, 2), new(pc, 1)];
            Assert.Equal(6, fq.Queue.Send(segs));
        }
        var sent = new List<byte[]>();
        fq.Kernel.Transmit(10, sent);
        Assert.Equal(new byte[] { 1, 2, 3, 4, 5, 6 }, sent[0]);
    }

    [Fact]
    public void Full_tx_ring_returns_zero_and_recovers()
    {
        using var fq = new FakeQueue(ringSize: 16);
        int accepted = 0;
        while (fq.Queue.Send(Frame(accepted)) != 0)
            accepted++;
        Assert.Equal(16, accepted);
        Assert.Equal(1ul, fq.Queue.Counters.TxFull);
        fq.Kernel.Transmit(4);
        Assert.Equal(60, fq.Queue.Send(Frame(99)));
    }

    [Fact]
    public void Oversize_frame_is_dropped_counted_and_reported_as_sent()
    {
        using var fq = new FakeQueue(frameSize: 2048);
        Assert.Equal(3000, fq.Queue.Send(new byte[3000]));
        Assert.Equal(1ul, fq.Queue.Counters.TxOversize);
        Assert.Equal(0ul, fq.Queue.Counters.TxPackets);
        Assert.Equal(0u, fq.Queue.TxOutstanding);
    }

    [Fact]
    public void Wants_pollout_only_while_frames_are_in_flight()
    {
        using var fq = new FakeQueue();
        Assert.Equal(0x1, fq.Queue.Wants());
        fq.Queue.Send(Frame(0));
        Assert.Equal(0x5, fq.Queue.Wants());
        fq.Kernel.Transmit(1);
        fq.Queue.Flush();
        Assert.Equal(0x1, fq.Queue.Wants());
    }

    [Fact]
    public void Every_frame_is_accounted_for_after_heavy_traffic()
    {
        using var fq = new FakeQueue(ringSize: 64);
        var h = new CollectingHandler(int.MaxValue);
        var rnd = new Random(1);
        for (int round = 0; round < 2000; round++)
        {
            for (int i = rnd.Next(80); i > 0 && fq.Kernel.Deliver(Frame(i)); i--) { }
            for (int i = rnd.Next(80); i > 0 && fq.Queue.Send(Frame(i)) != 0; i--) { }
            fq.Kernel.Transmit(rnd.Next(80));
            h.Frames.Clear();
            fq.Queue.Receive(ref h, rnd.Next(65));
            if (round % 3 == 0)
                fq.Queue.Flush();
            Assert.Equal(256u, fq.Queue.CountFrames().Total);
        }
        fq.Queue.Dispose();
        Assert.Equal(256u, fq.Queue.CountsAtClose!.Value.Total);
    }
}
