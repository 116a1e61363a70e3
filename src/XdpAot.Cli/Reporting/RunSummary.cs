using XdpAot.Cli.Engine;
using XdpAot.Cli.Traffic;
using XdpAot.Ports;

namespace XdpAot.Cli.Reporting;

/// <summary>
/// The end of a gen/sink/reflect/fwd run: a few lines and a per-queue table for people, or the one JSON line
/// (--json) for scripts. Built from the single stage of the run.
/// </summary>
internal sealed class RunSummary
{
    public required string Command { get; init; }
    public required RunResult Result { get; init; }
    public required IReadOnlyList<Port> Ports { get; init; }
    public VerifyResult? Verify { get; init; }
    public long? Sent { get; init; }
    public long? RxFrames { get; init; }

    private StageResult Stage => Result.Stages[0];

    private IEnumerable<Queue> Queues => Stage.Stage.Workers.SelectMany(w => w.Queues);

    public RunReport ToReport()
    {
        var s = Stage;
        var total = s.Total;
        double cpu = Result.UserSeconds + Result.SystemSeconds;
        return new RunReport
        {
            Cmd = Command,
            Frames = s.Frames,
            Bytes = s.Bytes,
            Seconds = Round(Result.Seconds, 6),
            Mpps = Round(Units.Mpps(s.Frames, Result.Seconds), 6),
            UserS = Round(Result.UserSeconds, 6),
            SysS = Round(Result.SystemSeconds, 6),
            CpuNsPerFrame = s.Frames > 0 ? Round(cpu / s.Frames * 1e9, 3) : 0,
            Mbps = Round(Units.Mbps(s.Bytes, Result.Seconds), 3),
            Ifname = string.Join(',', Ports.Select(p => p.IfName)),
            Mode = ModeText(),
            ZeroCopy = Queues.All(q => q.ZeroCopy),
            TotalFrames = s.TotalFrames,
            Sent = Sent,
            RxFrames = RxFrames,
            RxDropped = total.RxDropped,
            RxRingFull = total.RxRingFull,
            RxFillRingEmpty = total.RxFillRingEmptyDescs,
            TxFull = total.TxFull,
            ReadyMs = Round(Result.ReadyMs, 3),
            FirstFrameMs = Result.FirstFrameMs is { } f ? Round(f, 3) : null,
            StopReason = Result.StopReason,
            LoopAllocBytes = s.Stage.Workers.Sum(w => w.LoopAllocatedBytes),
            Verify = Verify is { } v ? VerifyReport.From(v) : null,
            PerQueue = Queues.Zip(s.PerQueue, (q, st) => QueueReport.From(q.IfName, q.QueueId, st)).ToArray(),
        };
    }

    public void WriteText(TextWriter w)
    {
        var s = Stage;
        double cpu = Result.UserSeconds + Result.SystemSeconds;
        w.WriteLine();
        w.WriteLine($"xdpaot {Command} on {s.Stage.Where} ({ModeText()} mode, {(Queues.All(q => q.ZeroCopy) ? "zero-copy" : "copy")}): " +
            $"{s.Frames} frames, {s.Bytes} bytes in {Units.F(Result.Seconds, 3)} s = {Units.F(Units.Mpps(s.Frames, Result.Seconds), 3)} Mpps, " +
            $"{Units.F(Units.Mbps(s.Bytes, Result.Seconds), 1)} Mbit/s");
        w.WriteLine($"  cpu: user {Units.F(Result.UserSeconds, 3)} s, sys {Units.F(Result.SystemSeconds, 3)} s" +
            (s.Frames > 0 ? $" = {Units.F(cpu / s.Frames * 1e9, 1)} ns/frame" : ""));
        w.WriteLine($"  started: ready after {Units.F(Result.ReadyMs, 1)} ms" +
            (Result.FirstFrameMs is { } f ? $", first frame after {Units.F(f, 1)} ms" : ", no frame") +
            $"; {s.TotalFrames} frames in all; ended by {Result.StopReason}");
        if (Sent is { } sent)
            w.WriteLine($"  sent {sent} frames" + (RxFrames is { } rx ? $", received back {rx}" : ""));
        if (Verify is { } v)
            w.WriteLine($"  verify: {v.Received} stamped frames received, {v.Lost} lost ({Units.F(v.LossPercent, 3)}%), " +
                $"{v.Reordered} reordered, {v.Foreign} not from gen, {v.Streams} stream(s)");
        w.WriteLine();
        var t = new TextTable(1, "queue", "rx frames", "rx bytes", "tx frames", "tx bytes", "tx-full", "drops", "ring-full", "fill-empty", "invalid");
        foreach (var (q, st) in Queues.Zip(s.PerQueue))
        {
            t.Add($"{q.IfName}:{q.QueueId}", Units.N(st.RxPackets), Units.N(st.RxBytes), Units.N(st.TxPackets), Units.N(st.TxBytes),
                Units.N(st.TxFull), Units.N(st.RxDropped), Units.N(st.RxRingFull), Units.N(st.RxFillRingEmptyDescs),
                Units.N(st.RxInvalidDescs + st.TxInvalidDescs));
        }
        t.WriteTo(w);
    }

    private string ModeText()
    {
        var modes = Ports.Select(p => p.Mode switch
        {
            XdpAot.Options.XdpMode.Native => "native",
            XdpAot.Options.XdpMode.Skb => "skb",
            _ => "external",
        }).Distinct();
        return string.Join('/', modes);
    }

    private static double Round(double v, int digits) => Math.Round(v, digits);
}
