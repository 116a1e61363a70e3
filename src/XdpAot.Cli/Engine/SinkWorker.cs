using XdpAot.Cli.Traffic;
using XdpAot.Ports;

namespace XdpAot.Cli.Engine;

/// <summary><c>sink</c>: receives and counts (and with --verify follows gen's sequence numbers) on one queue.</summary>
internal sealed class SinkWorker(string name, Queue queue, int? cpu, IdleMode idle, FrameQuota? quota, SequenceTracker? tracker)
    : Worker(name, [queue], cpu, idle)
{
    public SequenceTracker? Tracker { get; } = tracker;

    protected override void Run()
    {
        if (Tracker is null)
        {
            var h = new CountingHandler();
            Loop(ref h);
        }
        else
        {
            var h = new VerifyingHandler(Tracker);
            Loop(ref h);
        }
    }

    private void Loop<THandler>(ref THandler handler) where THandler : struct, IFrameHandler
    {
        var q = Queues[0];
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
            int n = q.Receive(ref handler, max);
            quota?.Settle(max, n);
            if (n == 0)
            {
                WaitForWork();
                continue;
            }
            ref readonly var c = ref q.Counters;
            Publish((long)c.RxPackets, (long)c.RxBytes);
            AfterPass(n);
        }
        Publish((long)q.Counters.RxPackets, (long)q.Counters.RxBytes);
    }

    /// <summary>Takes every frame; the queue counts packets and bytes itself.</summary>
    private struct CountingHandler : IFrameHandler
    {
        public readonly bool OnFrame(ReadOnlySpan<byte> frame) => true;
    }

    private readonly struct VerifyingHandler(SequenceTracker tracker) : IFrameHandler
    {
        public bool OnFrame(ReadOnlySpan<byte> frame)
        {
            tracker.Observe(frame);
            return true;
        }
    }
}
