using System.Diagnostics;
using XdpAot.Cli.Traffic;
using XdpAot.Ports;

namespace XdpAot.Cli.Engine;

/// <summary>
/// <c>gen</c>: writes stamped frames straight into the UMEM and sends them in batches of up to 64, as fast as the
/// TX ring drains or at <c>--rate</c>. A frame is counted when the kernel completes it (it has left the socket),
/// as the C reference counts. With <c>--rx</c> it also receives and counts what comes back (the peer of reflect).
/// </summary>
internal sealed class GenWorker(string name, Queue queue, int? cpu, IdleMode idle, FrameTemplate template,
    double ratePerThread, FrameQuota? quota, bool receive)
    : Worker(name, [queue], cpu, idle)
{
    /// <summary>After a stop, how long frames may still come back (--rx) before the totals are final.</summary>
    private static readonly long s_returnQuiet = Stopwatch.Frequency / 10;

    /// <summary>Frames sent back to us and received (with --rx).</summary>
    public long Received => (long)Queues[0].Counters.RxPackets;

    /// <summary>Frames accepted by the TX ring (the next sequence number).</summary>
    public ulong Sent { get; private set; }

    /// <summary>Writes frames seq, seq+1, … into the UMEM frames the queue hands out, up to <see cref="Budget"/>.</summary>
    private struct StampedFrames(FrameTemplate template) : IFrameSource
    {
        public ulong Seq;
        public int Budget;

        public int Next(Span<byte> frame)
        {
            if (Budget == 0)
                return 0;
            Budget--;
            return template.WriteTo(frame, Seq++);
        }
    }

    private struct Discard : IFrameHandler
    {
        public readonly bool OnFrame(ReadOnlySpan<byte> frame) => true;
    }

    protected override void Run()
    {
        var q = Queues[0];
        long len = template.Length;
        var frames = new StampedFrames(template);
        var back = new Discard();
        long start = Stopwatch.GetTimestamp();
        double framesPerTick = ratePerThread > 0 ? ratePerThread / Stopwatch.Frequency : 0;
        while (!StopRequested)
        {
            int budget = Queue.MaxBatch;
            if (framesPerTick > 0)
            {
                double due = (Stopwatch.GetTimestamp() - start) * framesPerTick - frames.Seq;
                if (due < 1)
                {
                    q.Flush();
                    if (receive)
                        q.Receive(ref back);
                    PaceWait(due, framesPerTick);
                    continue;
                }
                budget = (int)Math.Min(due, Queue.MaxBatch);
            }
            int taken = budget;
            if (quota is not null && (taken = quota.Take(budget)) == 0)
            {
                if (quota.Done)
                    break;
                WaitForWork();
                continue;
            }
            frames.Budget = taken;
            int sent = q.Send(ref frames, taken);
            quota?.Settle(taken, sent);
            q.Flush();
            if (receive)
                q.Receive(ref back);
            long done = (long)q.Counters.TxPackets - q.TxOutstanding;
            Publish(done, done * len);
            if (sent == 0)
                WaitForWork();
        }
        Sent = frames.Seq;
        Drain(q, len, ref back);
    }

    /// <summary>Waits (at most a second) for frames in flight, and with --rx for the last ones to come back.</summary>
    private void Drain(Queue q, long len, ref Discard back)
    {
        long now = Stopwatch.GetTimestamp(), deadline = now + Stopwatch.Frequency, lastRx = now;
        while (now < deadline)
        {
            int inFlight = q.Flush();
            if (receive && q.Receive(ref back) > 0)
                lastRx = now;
            if (inFlight == 0 && (!receive || now - lastRx > s_returnQuiet))
                break;
            Thread.Yield();
            now = Stopwatch.GetTimestamp();
        }
        long done = (long)q.Counters.TxPackets - q.TxOutstanding;
        Publish(done, done * len);
    }

    /// <summary>Rate limiting: sleep when the next frame is more than 2 ms away, otherwise yield.</summary>
    private static void PaceWait(double due, double framesPerTick)
    {
        double ticks = (1 - due) / framesPerTick;
        if (ticks > Stopwatch.Frequency / 500)
            Thread.Sleep(1);
        else
            Thread.Yield();
    }
}
