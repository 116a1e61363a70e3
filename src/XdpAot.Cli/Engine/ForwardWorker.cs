using XdpAot.Frames;
using XdpAot.Ports;

namespace XdpAot.Cli.Engine;

/// <summary>
/// <c>fwd</c> and <c>reflect</c>. With one queue, frames go back out of the queue they came in on without a copy
/// (<see cref="Queue.Reflect{TRewriter}"/>: same UMEM frame from RX to TX; reflect swaps the MACs on the way). With
/// a pair of queues (two ports), one thread forwards both ways: frames are peeked in one RX ring and written
/// straight into the other port's UMEM in a batch (<see cref="Queue.Send{TSource}"/>); separate UMEMs need that
/// one copy. A frame the TX ring cannot take stays in RX (back-pressure; the kernel counts the drops).
/// </summary>
internal sealed class ForwardWorker(string name, Queue a, Queue? b, int? cpu, IdleMode idle, bool macSwap, FrameQuota? quota)
    : Worker(name, b is null ? [a] : [a, b], cpu, idle)
{
    private struct SwapMacs : IFrameRewriter
    {
        public readonly bool Rewrite(Span<byte> frame)
        {
            MacSwap.Swap(frame);
            return true;
        }
    }

    private struct AsIs : IFrameRewriter
    {
        public readonly bool Rewrite(Span<byte> frame) => true;
    }

    /// <summary>Copies peeked frames into the UMEM frames of the other port, stopping at one that cannot go.</summary>
    private ref struct PeekedFrames(ReadOnlySpan<FrameRef> frames, bool macSwap) : IFrameSource
    {
        private readonly ReadOnlySpan<FrameRef> _frames = frames;
        private int _next;

        public int Next(Span<byte> frame)
        {
            if (_next == _frames.Length)
                return 0;
            var f = _frames[_next].Span;
            if (f.Length == 0 || f.Length > frame.Length)
                return 0; // not a whole frame, or too big for the other port: the caller drops it
            _next++;
            int length = FrameCopy.Copy(f, frame);
            if (macSwap)
                MacSwap.Swap(frame[..length]);
            return length;
        }
    }

    protected override void Run()
    {
        if (b is null)
        {
            if (macSwap)
                ReflectLoop<SwapMacs>();
            else
                ReflectLoop<AsIs>();
        }
        else
        {
            PairLoop(a, b);
        }
    }

    private void ReflectLoop<TRewriter>() where TRewriter : struct, IFrameRewriter
    {
        var q = a;
        var rewriter = default(TRewriter);
        while (!StopRequested)
        {
            int max = Batch(quota);
            if (max == 0)
            {
                if (quota!.Done)
                    break;
                WaitForWork();
                continue;
            }
            int n = q.Reflect(ref rewriter, max);
            quota?.Settle(max, n);
            if (q.TxOutstanding != 0)
                q.Flush();
            if (n == 0)
            {
                WaitForWork();
                continue;
            }
            ref readonly var c = ref q.Counters;
            Publish((long)c.TxPackets, (long)c.TxBytes);
            AfterPass(n);
        }
        DrainTx();
        Publish((long)q.Counters.TxPackets, (long)q.Counters.TxBytes);
    }

    private void PairLoop(Queue qa, Queue qb)
    {
        Span<FrameRef> frames = stackalloc FrameRef[Queue.MaxBatch];
        while (!StopRequested)
        {
            int n = Forward(qa, qb, frames) + Forward(qb, qa, frames);
            if (n == 0)
            {
                if (quota is { Done: true })
                    break;
                WaitForWork();
                continue;
            }
            Publish((long)(qa.Counters.TxPackets + qb.Counters.TxPackets), (long)(qa.Counters.TxBytes + qb.Counters.TxBytes));
            AfterPass(n);
        }
        DrainTx();
        Publish((long)(qa.Counters.TxPackets + qb.Counters.TxPackets), (long)(qa.Counters.TxBytes + qb.Counters.TxBytes));
    }

    private int Forward(Queue src, Queue dst, Span<FrameRef> frames)
    {
        int taken = Batch(quota);
        if (taken == 0)
            return 0;
        int n = src.Peek(frames[..taken]);
        int sent = 0;
        if (n != 0)
        {
            var source = new PeekedFrames(frames[..n], macSwap);
            sent = dst.Send(ref source, n);
            // A frame that could not go (not whole, or too big for the other port) is dropped, not retried forever.
            int release = sent;
            if (release < n && (frames[release].Length == 0 || frames[release].Length > dst.FrameSize))
                release++;
            src.ReleasePeeked(release);
        }
        quota?.Settle(taken, sent);
        if (dst.TxOutstanding != 0)
            dst.Flush();
        return sent;
    }
}
