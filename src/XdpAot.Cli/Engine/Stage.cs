using XdpAot.Ports;

namespace XdpAot.Cli.Engine;

/// <summary>
/// The workers doing one job (gen, fwd or sink), summed for the live line and the summary. A command runs one
/// stage; the demo runs three.
/// </summary>
internal sealed class Stage(string label, string where, IReadOnlyList<Worker> workers)
{
    /// <summary>"gen", "fwd", "sink", "reflect".</summary>
    public string Label { get; } = label;

    /// <summary>Interfaces and queues, for the table.</summary>
    public string Where { get; } = where;

    public IReadOnlyList<Worker> Workers { get; } = workers;

    public (long Frames, long Bytes) Totals()
    {
        long frames = 0, bytes = 0;
        foreach (var w in Workers)
        {
            frames += Volatile.Read(ref w.Progress.Frames);
            bytes += Volatile.Read(ref w.Progress.Bytes);
        }
        return (frames, bytes);
    }

    /// <summary>Stopwatch ticks of the earliest first frame, or 0 before any.</summary>
    public long FirstFrameTicks()
    {
        long first = 0;
        foreach (var w in Workers)
        {
            long t = Volatile.Read(ref w.Progress.FirstFrameTicks);
            if (t != 0 && (first == 0 || t < first))
                first = t;
        }
        return first;
    }

    public bool AllFinished => Workers.All(w => w.Progress.Finished);

    /// <summary>Kernel and queue counters summed over the queues, as last sampled by the loops.</summary>
    public QueueStatistics SampledStatistics() => Sum(Workers.SelectMany(w => w.SampledStatistics()));

    public static QueueStatistics Sum(IEnumerable<QueueStatistics> all)
    {
        QueueStatistics t = default;
        foreach (var s in all)
        {
            t.RxPackets += s.RxPackets;
            t.RxBytes += s.RxBytes;
            t.TxPackets += s.TxPackets;
            t.TxBytes += s.TxBytes;
            t.TxFull += s.TxFull;
            t.RxOversize += s.RxOversize;
            t.TxOversize += s.TxOversize;
            t.RxDropped += s.RxDropped;
            t.RxInvalidDescs += s.RxInvalidDescs;
            t.TxInvalidDescs += s.TxInvalidDescs;
            t.RxRingFull += s.RxRingFull;
            t.RxFillRingEmptyDescs += s.RxFillRingEmptyDescs;
            t.TxRingEmptyDescs += s.TxRingEmptyDescs;
        }
        return t;
    }

    public void RequestStop()
    {
        foreach (var w in Workers)
            w.RequestStop();
    }

    public void Join()
    {
        foreach (var w in Workers)
            w.Join();
    }
}
