using System.Diagnostics;
using System.Text;
using XdpAot.Vhost.Bridge;
using XdpAot.Vhost.Device;

namespace XdpAot.Cli.Reporting;

/// <summary>
/// `xdpaot vhost`'s line per second: rates each way over the last second, drops since the start (ours and the
/// kernel's), and guest interrupts per second.
/// <code>
///    5 s  tx 0.012 Mpps 6.1 Mbit/s  rx 0.012 Mpps 6.1 Mbit/s  drops 0  irq/s 210  connected
/// </code>
/// </summary>
internal sealed class VhostLiveLine(TextWriter output, VhostNetDevice device, long started)
{
    private readonly long _started = started;
    private long _lastTicks = started;
    private BridgeCounters _last;

    public void Print()
    {
        long now = Stopwatch.GetTimestamp();
        double dt = (double)(now - _lastTicks) / Stopwatch.Frequency;
        var c = device.Totals();
        ulong kernelDrops = 0;
        foreach (var q in device.Queues)
        {
            var s = q.GetStatistics();
            kernelDrops += s.RxDropped + s.RxRingFull + s.RxFillRingEmptyDescs;
        }
        ulong drops = c.RefusedTotal + c.RxTooBig + c.RxNoGuest + kernelDrops;
        var sb = new StringBuilder();
        sb.Append(Units.F((double)(now - _started) / Stopwatch.Frequency, 0).PadLeft(5)).Append(" s  ");
        sb.Append("tx ").Append(Units.F(Units.Mpps((long)(c.TxFrames - _last.TxFrames), dt), 3)).Append(" Mpps ")
          .Append(Units.F(Units.Mbps((long)(c.TxBytes - _last.TxBytes), dt), 1)).Append(" Mbit/s  ");
        sb.Append("rx ").Append(Units.F(Units.Mpps((long)(c.RxFrames - _last.RxFrames), dt), 3)).Append(" Mpps ")
          .Append(Units.F(Units.Mbps((long)(c.RxBytes - _last.RxBytes), dt), 1)).Append(" Mbit/s  ");
        sb.Append("drops ").Append(drops).Append("  irq/s ").Append(Units.F((c.GuestCalls - _last.GuestCalls) / dt, 0));
        sb.Append(device.Negotiated is null ? "  waiting for a front-end" : "  connected");
        output.WriteLine(sb.ToString());
        output.Flush();
        _lastTicks = now;
        _last = c;
    }
}
