using System.Diagnostics;
using System.Text;
using XdpAot.Cli.Engine;

namespace XdpAot.Cli.Reporting;

/// <summary>
/// The line printed once a second during a run: the rate of each stage over the last second, then the kernel's
/// drop counters (XDP_STATISTICS) summed over all queues since the start.
/// <code>
///    3 s  sink 0.412 Mpps 197.9 Mbit/s  drops 0  ring-full 0  fill-empty 0
/// </code>
/// </summary>
internal sealed class LiveLine(TextWriter output, IReadOnlyList<Stage> stages)
{
    private long _startTicks;
    private long _lastTicks;
    private (long Frames, long Bytes)[] _last = [];

    public void Start(long ticks, (long Frames, long Bytes)[] totals)
    {
        _startTicks = _lastTicks = ticks;
        _last = totals;
    }

    public void Print(long ticks, (long Frames, long Bytes)[] totals)
    {
        double dt = (double)(ticks - _lastTicks) / Stopwatch.Frequency;
        var sb = new StringBuilder();
        sb.Append(Units.F((double)(ticks - _startTicks) / Stopwatch.Frequency, 0).PadLeft(5)).Append(" s ");
        ulong drops = 0, ringFull = 0, fillEmpty = 0;
        for (int i = 0; i < stages.Count; i++)
        {
            long frames = totals[i].Frames - _last[i].Frames;
            long bytes = totals[i].Bytes - _last[i].Bytes;
            sb.Append(' ').Append(stages[i].Label).Append(' ')
              .Append(Units.F(Units.Mpps(frames, dt), 3)).Append(" Mpps ")
              .Append(Units.F(Units.Mbps(bytes, dt), 1)).Append(" Mbit/s ");
            var s = stages[i].SampledStatistics();
            drops += s.RxDropped;
            ringFull += s.RxRingFull;
            fillEmpty += s.RxFillRingEmptyDescs;
        }
        sb.Append(" drops ").Append(drops).Append("  ring-full ").Append(ringFull).Append("  fill-empty ").Append(fillEmpty);
        output.WriteLine(sb.ToString());
        output.Flush();
        _lastTicks = ticks;
        _last = totals;
    }
}
