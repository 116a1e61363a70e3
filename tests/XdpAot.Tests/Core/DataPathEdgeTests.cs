using XdpAot.Tests.Fakes;
using XdpAot.Ports;

namespace XdpAot.Tests.Core;

/// <summary>
/// The receive loops test each descriptor with one compare and branch off for the rare cases; these pin the rare
/// cases down, and the ring wrap that splits a batch in two runs.
/// </summary>
public class DataPathEdgeTests
{
    /// <summary>Answers every frame from inside the handler: sends it back out of the same queue and flushes.</summary>
    private struct Echo : IFrameHandler
    {
        public Queue Queue;
        public FakeKernelHolder Kernel;

        public bool OnFrame(ReadOnlySpan<byte> frame)
        {
            if (Queue.Send(frame) == 0)
                return false;
            Queue.Flush(); // reaps what the kernel completed before: pushes to the pool mid-batch
            return true;
        }
    }

    private sealed class FakeKernelHolder(XdpAot.Tests.Fakes.FakeKernel kernel)
    {
        public XdpAot.Tests.Fakes.FakeKernel Kernel { get; } = kernel;
    }


    [Fact]
    public void A_handler_may_send_and_flush_on_the_same_queue()
    {
        // The handler pops frames from the pool (send) and pushes others back (reap) while the receive loop holds
        // the frames it took: nothing may be lost or handed out twice.
        using var h = new DataPathHarness(ringSize: 16, frameCount: 40);
        var rnd = new Random(41);
        var sent = new List<byte[]>();
        var expected = new List<byte[]>();
        for (int round = 0; round < 2000; round++)
        {
            // Frames sent and completed but not reaped: the handler's flush will return them to the pool.
            for (int i = rnd.Next(8); i > 0 && h.Queue.Send(TestFrames.Make(i)) != 0; i--) { }
            h.Kernel.Transmit(100);
            for (int i = rnd.Next(20); i > 0; i--)
            {
                var f = TestFrames.Make(round * 20 + i, 14 + rnd.Next(100));
                if (!h.Kernel.Deliver(f))
                    break;
                expected.Add(f);
            }
            var echo = new Echo { Queue = h.Queue, Kernel = new FakeKernelHolder(h.Kernel) };
            h.Queue.Receive(ref echo);
            h.Kernel.Transmit(100, sent);
            h.AssertAllFramesAccountedFor();
            h.AssertEveryFrameOnce();
        }
        var last = new Echo { Queue = h.Queue, Kernel = new FakeKernelHolder(h.Kernel) };
        while (h.Queue.Receive(ref last) != 0) { }
        h.Queue.Flush();
        h.AssertAllFramesAccountedFor();
        Assert.Equal((ulong)expected.Count, h.Queue.Counters.RxPackets);
    }

    [Fact]
    public void A_whole_frame_with_an_unknown_option_bit_is_delivered()
    {
        using var h = new DataPathHarness();
        h.Kernel.Deliver(TestFrames.Make(1), options: 0x2);
        var c = new CollectingHandler(int.MaxValue);
        Assert.Equal(1, h.Queue.Receive(ref c));
        Assert.Equal(TestFrames.Make(1), c.Frames[0]);
        Assert.Equal(60ul, h.Queue.Counters.RxBytes);
        Assert.Equal(0ul, h.Queue.Counters.RxOversize);
    }

    [Theory]
    [InlineData(0u, 2049u)]     // longer than a frame
    [InlineData(2000u, 60u)]    // runs past the end of its frame
    [InlineData(0u, uint.MaxValue)]
    public void A_descriptor_outside_its_frame_is_dropped_and_counted(uint offset, uint length)
    {
        using var h = new DataPathHarness(frameSize: 2048);
        Assert.True(h.DeliverRaw(offset, length));
        h.Kernel.Deliver(TestFrames.Make(2));
        var c = new CollectingHandler(int.MaxValue);
        Assert.Equal(1, h.Queue.Receive(ref c));
        Assert.Equal(TestFrames.Make(2), c.Frames[0]);
        Assert.Equal(1ul, h.Queue.Counters.RxOversize);
        Assert.Equal(1ul, h.Queue.Counters.RxPackets);
        h.AssertAllFramesAccountedFor();
    }

    [Fact]
    public void A_frame_that_ends_exactly_at_its_frame_end_is_delivered()
    {
        using var h = new DataPathHarness(frameSize: 2048);
        Assert.True(h.DeliverRaw(2048 - 60, 60));
        var c = new CollectingHandler(int.MaxValue);
        Assert.Equal(1, h.Queue.Receive(ref c));
        Assert.Equal(0ul, h.Queue.Counters.RxOversize);
    }

    [Fact]
    public void A_dropped_multi_buffer_packet_split_across_two_calls_is_dropped_whole()
    {
        using var h = new DataPathHarness();
        h.Kernel.Deliver(TestFrames.Make(1), options: 1);
        h.Kernel.Deliver(TestFrames.Make(1), options: 1);
        var c = new CollectingHandler(int.MaxValue);
        Assert.Equal(0, h.Queue.Receive(ref c, 2)); // the batch ends inside the packet
        h.Kernel.Deliver(TestFrames.Make(1), options: 0); // its last fragment
        h.Kernel.Deliver(TestFrames.Make(2));
        Assert.Equal(1, h.Queue.Receive(ref c));
        Assert.Equal([TestFrames.Make(2)], c.Frames);
        Assert.Equal(1ul, h.Queue.Counters.RxOversize);
        h.AssertAllFramesAccountedFor();
    }

    [Fact]
    public void Release_after_peek_drops_and_counts_what_receive_would()
    {
        using var h = new DataPathHarness();
        h.Kernel.Deliver(TestFrames.Make(1), options: 1);
        h.Kernel.Deliver(TestFrames.Make(1));
        h.Kernel.Deliver(TestFrames.Make(2), options: 0x2);
        Span<FrameRef> frames = stackalloc FrameRef[8];
        Assert.Equal(3, h.Queue.Peek(frames));
        Assert.Equal(0u, frames[0].Length);
        Assert.Equal(60u, frames[2].Length);
        Assert.True(h.Queue.ReleasePeeked(3));
        Assert.Equal(1ul, h.Queue.Counters.RxPackets);
        Assert.Equal(60ul, h.Queue.Counters.RxBytes);
        Assert.Equal(1ul, h.Queue.Counters.RxOversize);
        h.AssertAllFramesAccountedFor();
    }

    [Fact]
    public void Receive_across_the_ring_end_and_a_refusal_there_lose_nothing()
    {
        using var h = new DataPathHarness(ringSize: 16, frameCount: 48);
        var rnd = new Random(31);
        var expected = new List<byte[]>();
        var c = new CollectingHandler(int.MaxValue);
        int n = 0;
        for (int round = 0; round < 4000; round++)
        {
            for (int i = rnd.Next(20); i > 0; i--)
            {
                var f = TestFrames.Make(n, 14 + rnd.Next(100));
                if (!h.Kernel.Deliver(f, headroom: (uint)rnd.Next(32)))
                    break;
                expected.Add(f);
                n++;
            }
            c.RefuseAfter = c.Frames.Count + rnd.Next(20);
            h.Queue.Receive(ref c, rnd.Next(70));
            h.AssertAllFramesAccountedFor();
            h.AssertEveryFrameOnce();
        }
        c.RefuseAfter = int.MaxValue;
        while (h.Queue.Receive(ref c) != 0) { }
        Assert.Equal(expected, c.Frames);
        Assert.Equal((ulong)n, h.Queue.Counters.RxPackets);
    }

    [Fact]
    public void Per_frame_send_of_every_size_class_reaches_the_kernel_intact()
    {
        using var h = new DataPathHarness(frameSize: 2048);
        int[] lengths = [0, 1, 15, 16, 17, 31, 32, 33, 63, 64, 65, 1500, 2048];
        var frames = lengths.Select(l => TestFrames.Make(l, l)).ToArray();
        foreach (var f in frames)
            Assert.Equal(f.Length, h.Queue.Send(f));
        var sent = new List<byte[]>();
        h.Kernel.Transmit(100, sent);
        Assert.Equal(frames, sent);
        Assert.Equal(2049, h.Queue.Send(new byte[2049]));
        Assert.Equal(1ul, h.Queue.Counters.TxOversize);
    }

    [Fact]
    public void Per_frame_send_reaps_when_the_fast_path_finds_no_room()
    {
        // 24 frames, 16-entry rings: the Fill ring takes 12, half the UMEM is kept back to send with.
        using var h = new DataPathHarness(ringSize: 16, frameCount: 24);
        for (int i = 0; i < 12; i++)
            Assert.Equal(60, h.Queue.Send(TestFrames.Make(i)));
        Assert.Equal(0, h.Queue.Send(TestFrames.Make(12)));
        Assert.Equal(1ul, h.Queue.Counters.TxFull);
        h.Kernel.Transmit(3);
        for (int i = 0; i < 3; i++)
            Assert.Equal(60, h.Queue.Send(TestFrames.Make(13 + i)));
        Assert.Equal(12u, h.Queue.TxOutstanding);
        h.AssertAllFramesAccountedFor();
    }

    [Fact]
    public void Reaping_across_the_completion_ring_end_returns_frame_starts()
    {
        using var h = new DataPathHarness(ringSize: 16, frameCount: 64);
        var rnd = new Random(3);
        for (int round = 0; round < 500; round++)
        {
            for (int i = rnd.Next(20); i > 0 && h.Queue.Send(TestFrames.Make(i)) != 0; i--) { }
            h.Kernel.Transmit(rnd.Next(20));
            h.Queue.ReapCompletions();
            h.AssertAllFramesAccountedFor();
            h.AssertEveryFrameOnce();
        }
        while (h.Kernel.Transmit(100) != 0) { }
        h.Queue.Flush();
        Assert.Equal(0u, h.Queue.TxOutstanding);
        h.Queue.Dispose();
        Assert.Equal(64u, h.Queue.CountsAtClose!.Value.Total);
    }
}
