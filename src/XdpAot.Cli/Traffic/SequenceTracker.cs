using System.Runtime.CompilerServices;

namespace XdpAot.Cli.Traffic;

/// <summary>
/// <c>sink --verify</c>: follows gen's per-stream sequence numbers on one receive thread. A frame whose sequence
/// number is not above every one seen before in its stream is counted as reordered (a duplicate counts too).
/// Loss is worked out at the end, over all threads: per stream, the span of sequence numbers seen minus the
/// frames received. Frames sent before the sink started, or after it stopped, are not loss.
/// </summary>
internal sealed class SequenceTracker
{
    public const int MaxStreams = 256;

    private readonly StreamState[] _streams = new StreamState[MaxStreams];

    public ulong Reordered;
    public ulong Foreign;

    private struct StreamState
    {
        public ulong First;
        public ulong Highest;
        public ulong Count;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Observe(ReadOnlySpan<byte> frame)
    {
        if (!TestFrame.TryReadStamp(frame, out uint stream, out ulong seq) || stream >= (uint)_streams.Length)
        {
            Foreign++;
            return;
        }
        ref StreamState s = ref _streams[stream];
        if (s.Count == 0)
        {
            s.First = seq;
            s.Highest = seq;
        }
        else if (seq > s.Highest)
        {
            s.Highest = seq;
        }
        else
        {
            Reordered++;
            if (seq < s.First)
                s.First = seq;
        }
        s.Count++;
    }

    /// <summary>Combines the trackers of all receive threads (a stream may arrive on several queues).</summary>
    public static VerifyResult Merge(IReadOnlyList<SequenceTracker> trackers)
    {
        ulong received = 0, lost = 0, reordered = 0, foreign = 0;
        int streams = 0;
        for (int id = 0; id < MaxStreams; id++)
        {
            ulong first = ulong.MaxValue, highest = 0, count = 0;
            foreach (var t in trackers)
            {
                ref StreamState s = ref t._streams[id];
                if (s.Count == 0)
                    continue;
                first = Math.Min(first, s.First);
                highest = Math.Max(highest, s.Highest);
                count += s.Count;
            }
            if (count == 0)
                continue;
            streams++;
            received += count;
            ulong span = highest - first + 1;
            if (span > count)
                lost += span - count;
        }
        foreach (var t in trackers)
        {
            reordered += t.Reordered;
            foreign += t.Foreign;
        }
        return new VerifyResult(received, lost, reordered, foreign, streams);
    }
}

/// <summary>What <c>sink --verify</c> found.</summary>
internal readonly record struct VerifyResult(ulong Received, ulong Lost, ulong Reordered, ulong Foreign, int Streams)
{
    public double LossPercent => Received + Lost == 0 ? 0 : 100.0 * Lost / (Received + Lost);
}
