using XdpAot.Frames;
using XdpAot.Ports;

namespace XdpAot.Tests.Core;

public class BatchedSendTests
{
    /// <summary>Hands out the given frames in order, then says there are no more.</summary>
    private struct ListSource(byte[][] frames) : IFrameSource
    {
        public int Next;

        readonly byte[][] Frames => frames;

        int IFrameSource.Next(Span<byte> frame)
        {
            if (Next == Frames.Length)
                return 0;
            return FrameCopy.Copy(Frames[Next++], frame);
        }
    }

    /// <summary>Returns a fixed, possibly impossible, length.</summary>
    private struct FixedLength(int length) : IFrameSource
    {
        public int Calls;

        public int Next(Span<byte> frame)
        {
            Calls++;
            return length;
        }
    }

    [Fact]
    public void Frames_reach_the_kernel_byte_for_byte_in_one_submit()
    {
        using var h = new DataPathHarness();
        var frames = Enumerable.Range(0, 40).Select(i => TestFrames.Make(i, 14 + i * 37)).ToArray();
        var source = new ListSource(frames);
        Assert.Equal(40, h.Queue.Send(ref source));
        Assert.Equal(40, h.PendingTx().Length);
        var sent = new List<byte[]>();
        Assert.Equal(40, h.Kernel.Transmit(100, sent));
        Assert.Equal(frames, sent);
        Assert.Equal(40ul, h.Queue.Counters.TxPackets);
        Assert.Equal((ulong)frames.Sum(f => f.Length), h.Queue.Counters.TxBytes);
        Assert.Equal(0, h.Queue.Flush());
        h.AssertAllFramesAccountedFor();
    }

    [Fact]
    public void Frames_come_from_the_pool_in_pop_order()
    {
        using var h = new DataPathHarness();
        var source = new ListSource(Enumerable.Range(0, 5).Select(i => TestFrames.Make(i)).ToArray());
        h.Queue.Send(ref source);
        // The pool starts as 0, frameSize, 2 * frameSize, … on top, less the 64 frames the Fill ring took.
        Assert.Equal(Enumerable.Range(64, 5).Select(i => (ulong)i * 2048), h.PendingTx().Select(d => d.addr));
    }

    [Fact]
    public void At_most_one_batch_and_at_most_max()
    {
        using var h = new DataPathHarness(ringSize: 128);
        var source = new ListSource(Enumerable.Range(0, 200).Select(i => TestFrames.Make(i)).ToArray());
        Assert.Equal(Queue.MaxBatch, h.Queue.Send(ref source, 1000));
        Assert.Equal(10, h.Queue.Send(ref source, 10));
        Assert.Equal(0, h.Queue.Send(ref source, 0));
        Assert.Equal(74, source.Next);
    }

    [Fact]
    public void A_full_tx_ring_sends_what_fits_then_nothing_and_counts_it()
    {
        using var h = new DataPathHarness(ringSize: 64, txSize: 16);
        var source = new ListSource(Enumerable.Range(0, 40).Select(i => TestFrames.Make(i)).ToArray());
        Assert.Equal(16, h.Queue.Send(ref source));
        Assert.Equal(0, h.Queue.Send(ref source));
        Assert.Equal(1ul, h.Queue.Counters.TxFull);
        Assert.Equal(16, source.Next); // the source was not asked for a frame that had no slot
        h.Kernel.Transmit(4);
        Assert.Equal(4, h.Queue.Send(ref source)); // completions are reaped to make room
        h.AssertAllFramesAccountedFor();
    }

    [Fact]
    public void An_empty_pool_is_refilled_from_completions()
    {
        // 24 frames: 12 in the Fill ring, 12 kept back for sending.
        using var h = new DataPathHarness(ringSize: 16, frameCount: 24);
        var source = new ListSource(Enumerable.Range(0, 30).Select(i => TestFrames.Make(i)).ToArray());
        Assert.Equal(12, h.Queue.Send(ref source));
        Assert.Equal(0, h.Queue.Send(ref source));
        h.Kernel.Transmit(5);
        Assert.Equal(5, h.Queue.Send(ref source));
        h.AssertAllFramesAccountedFor();
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(2049)]
    [InlineData(int.MinValue)]
    public void A_length_that_cannot_be_a_frame_stops_the_batch_and_sends_nothing_for_it(int length)
    {
        using var h = new DataPathHarness(frameSize: 2048);
        var source = new FixedLength(length);
        Assert.Equal(0, h.Queue.Send(ref source));
        Assert.Equal(1, source.Calls);
        Assert.Equal(0ul, h.Queue.Counters.TxPackets);
        Assert.Empty(h.PendingTx());
        h.AssertAllFramesAccountedFor();
    }

    [Fact]
    public void A_whole_umem_frame_can_be_sent()
    {
        using var h = new DataPathHarness(frameSize: 2048);
        var source = new FixedLength(2048);
        Assert.Equal(3, h.Queue.Send(ref source, 3));
        Assert.All(h.PendingTx(), d => Assert.Equal(2048u, d.len));
    }

    [Fact]
    public void Wrapping_rings_and_random_batches_keep_every_frame_and_every_byte()
    {
        using var h = new DataPathHarness(ringSize: 16, frameCount: 40);
        var rnd = new Random(17);
        var frames = Enumerable.Range(0, 20_000).Select(i => TestFrames.Make(i, 14 + rnd.Next(1500))).ToArray();
        var source = new ListSource(frames);
        var sent = new List<byte[]>();
        while (source.Next < frames.Length)
        {
            h.Queue.Send(ref source, rnd.Next(70));
            h.Kernel.Transmit(rnd.Next(20), sent);
            if (rnd.Next(4) == 0)
                h.Queue.Flush();
            h.AssertAllFramesAccountedFor();
            h.AssertEveryFrameOnce();
        }
        while (h.Kernel.Transmit(100, sent) != 0) { }
        Assert.Equal(frames, sent);
        Assert.Equal(0, h.Queue.Flush());
        h.AssertAllFramesAccountedFor();
    }
}
