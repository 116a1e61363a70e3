using XdpAot.Cli.Cli;
using XdpAot.Cli.Engine;
using XdpAot.Cli.Interop;
using XdpAot.Cli.Reporting;
using XdpAot.Cli.Traffic;
using XdpAot.Devices;
using XdpAot.Options;
using XdpAot.Ports;

namespace XdpAot.Cli.Commands;

/// <summary>
/// <c>xdpaot demo</c>: the whole product without a NIC. Three namespaces joined by two veth pairs; gen sends
/// stamped frames into the first pair, fwd forwards them to the second, sink verifies them. All three run as
/// threads of this process (each port opened inside its namespace), with a live line per second and a table at
/// the end; the namespaces are removed afterwards, also after Ctrl-C or a failure.
/// </summary>
internal sealed class DemoCommand : ICommand
{
    private static readonly OptionSpec Duration = new("duration", 'd', "SEC", "how long to run (default 5)");
    private static readonly OptionSpec Rate = new("rate", 'r', "PPS|max", "gen's rate (default max)");
    private static readonly OptionSpec Size = new("size", 's', "BYTES", "frame size including FCS, as for gen (default 64)");
    private static readonly OptionSpec Idle = new("idle", '\0', "nap|spin|poll", "what fwd and sink do when idle (default poll: three loops share the CPUs)");
    private static readonly OptionSpec Json = new("json", '\0', null, "print one JSON line at the end (stdout)");

    public CommandSpec Spec { get; } = new(
        "demo",
        "self-contained demo, no NIC needed: gen -> fwd -> sink through veth pairs in network namespaces (root)",
        ["[--duration SEC] [--rate PPS|max] [--size BYTES] [--mode skb|native] [--idle spin|poll] [--json]"],
        [Duration, Rate, Size, CommonOptions.Mode, Idle, Json, CommonOptions.Quiet],
        ["sudo xdpaot demo",
         "sudo xdpaot demo --duration 10 --mode native",
         "sudo xdpaot demo --rate 100000 --size 1518 --json"],
        """
        Topology (names carry this process's id; all removed at the end, also on Ctrl-C):
          [xdpaot-demo-PID-gen]      [xdpaot-demo-PID-fwd]          [xdpaot-demo-PID-sink]
           xdpaotPIDg <--veth--> xdpaotPIDa   xdpaotPIDb <--veth--> xdpaotPIDs
             gen                       fwd (both ways)                 sink --verify
        """);

    public int Run(ParsedArgs a)
    {
        double duration = a.GetDouble("duration", 5, 0.1, 86400);
        int size = a.GetInt("size", 64, 64, 1518);
        double rate = a.Get("rate") is { } r and not "max" ? a.GetDouble("rate", 0, 1, 1e9) : 0;
        var mode = CommonOptions.ParseMode(a.Get("mode"));
        var idle = CommonOptions.ParseIdle(a.Get("idle"), IdleMode.Poll);
        bool json = a.Has("json");
        if (Posix.GetEuid() != 0)
            throw new RunFailure("the demo needs root: it creates network namespaces and attaches XDP programs");

        using var stop = new StopSignal();
        var output = json ? Console.Error : Console.Out;
        using var topology = DemoTopology.Create();
        output.WriteLine($"xdpaot demo: gen -> fwd -> sink through veth pairs in namespaces {topology.GenNs}, {topology.FwdNs}, {topology.SinkNs}");
        var ports = new List<Port>();
        try
        {
            var gen = Open(topology.GenNs, topology.GenIf, mode, ports);
            var fwdIn = Open(topology.FwdNs, topology.FwdIn, mode, ports);
            var fwdOut = Open(topology.FwdNs, topology.FwdOut, mode, ports);
            var sink = Open(topology.SinkNs, topology.SinkIf, mode, ports);
            byte[] genMac, fwdMac;
            using (NetNs.Enter(topology.GenNs))
                genMac = NetDevice.MacAddress(topology.GenIf) ?? [2, 0, 0, 0, 0, 1];
            using (NetNs.Enter(topology.FwdNs))
                fwdMac = NetDevice.MacAddress(topology.FwdIn) ?? [2, 0, 0, 0, 0, 2];
            var spec = new FrameSpec(genMac, fwdMac, [10, 0, 0, 1], [10, 0, 0, 2], 9, 9, size - 4);
            var tracker = new SequenceTracker();
            var genWorker = new GenWorker("gen", gen.Queues[0], null, IdleMode.Spin, new FrameTemplate(spec, 0), rate, null, false);
            var fwdWorker = new ForwardWorker("fwd", fwdIn.Queues[0], fwdOut.Queues[0], null, idle, macSwap: false, null);
            var sinkWorker = new SinkWorker("sink", sink.Queues[0], null, idle, null, tracker);
            Stage[] stages =
            [
                new("gen", TrafficSetup.Where(gen), [genWorker]),
                new("fwd", TrafficSetup.Where(fwdIn, fwdOut), [fwdWorker]),
                new("sink", TrafficSetup.Where(sink), [sinkWorker]),
            ];
            output.WriteLine($"  {TrafficSetup.ModeName(gen.Mode)} mode, {size}-byte frames, {(rate > 0 ? $"{rate} pps" : "as fast as possible")}, {duration} s; Ctrl-C stops early");
            var settings = new RunSettings { Duration = duration, Live = !a.Has("quiet"), LiveOut = output, DrainSeconds = 0.2 };
            var result = new TrafficRun(stages, settings, stop).Run();
            var verify = SequenceTracker.Merge([tracker]);
            string text = json ? CliJson.Serialize(Report(result, verify, gen.Mode)) : Table(result, verify);
            foreach (var p in ports)
                p.Dispose();
            ports.Clear();
            topology.Dispose();
            Console.Out.Write(text);
            if (json)
                Console.Out.WriteLine();
            else
                Console.Out.WriteLine($"removed namespaces {string.Join(", ", new[] { topology.GenNs, topology.FwdNs, topology.SinkNs })}");
            return ExitCode.Ok;
        }
        finally
        {
            foreach (var p in ports)
                p.Dispose();
        }
    }

    private static Port Open(string ns, string ifName, XdpMode? mode, List<Port> ports)
    {
        using var _ = NetNs.Enter(ns);
        var port = Port.Open(new PortOptions { IfName = ifName, Mode = mode });
        ports.Add(port);
        return port;
    }

    private static string Table(RunResult r, VerifyResult v)
    {
        var sw = new StringWriter();
        sw.WriteLine();
        var t = new TextTable(2, "stage", "where", "frames", "Mpps", "Mbit/s", "drops", "ring-full", "tx-full");
        foreach (var s in r.Stages)
        {
            var st = s.Total;
            t.Add(s.Stage.Label, s.Stage.Where, Units.N(s.Frames), Units.F(Units.Mpps(s.Frames, r.Seconds), 3),
                Units.F(Units.Mbps(s.Bytes, r.Seconds), 1), Units.N(st.RxDropped), Units.N(st.RxRingFull), Units.N(st.TxFull));
        }
        t.WriteTo(sw);
        sw.WriteLine();
        long sent = r.Stages[0].TotalFrames, got = r.Stages[2].TotalFrames;
        sw.WriteLine($"over {Units.F(r.Seconds, 2)} s: gen sent {sent} frames, sink received {got}; sink verified the sequence numbers: " +
            $"{v.Lost} lost ({Units.F(v.LossPercent, 3)}%), {v.Reordered} reordered, {v.Foreign} not from gen");
        if (v.Lost > 0)
            sw.WriteLine("  lost frames were dropped by the kernel at the RX ring of a stage that could not keep up (its drops, " +
                "ring-full columns): with --rate max the generator outruns the forwarder, and three busy loops share this " +
                $"machine's {Environment.ProcessorCount} CPU(s); a lower --rate (e.g. 100000) shows a loss-free pipeline");
        sw.WriteLine($"time to first frame: {(r.FirstFrameMs is { } f ? Units.F(f, 1) + " ms" : "none")} after start " +
            $"(namespaces, veths and four ports ready after {Units.F(r.ReadyMs, 1)} ms)");
        return sw.ToString();
    }

    private static RunReport Report(RunResult r, VerifyResult v, XdpMode? mode)
    {
        var sink = r.Stages[2];
        double cpu = r.UserSeconds + r.SystemSeconds;
        return new RunReport
        {
            Cmd = "demo",
            Frames = sink.Frames,
            Bytes = sink.Bytes,
            Seconds = Math.Round(r.Seconds, 6),
            Mpps = Math.Round(Units.Mpps(sink.Frames, r.Seconds), 6),
            UserS = Math.Round(r.UserSeconds, 6),
            SysS = Math.Round(r.SystemSeconds, 6),
            CpuNsPerFrame = sink.Frames > 0 ? Math.Round(cpu / sink.Frames * 1e9, 3) : 0,
            Mbps = Math.Round(Units.Mbps(sink.Bytes, r.Seconds), 3),
            Mode = TrafficSetup.ModeName(mode),
            TotalFrames = sink.TotalFrames,
            Sent = r.Stages[0].TotalFrames,
            ReadyMs = Math.Round(r.ReadyMs, 3),
            FirstFrameMs = r.FirstFrameMs is { } f ? Math.Round(f, 3) : null,
            StopReason = r.StopReason,
            Verify = VerifyReport.From(v),
            Stages = r.Stages.Select(s => new StageReport
            {
                Name = s.Stage.Label,
                Where = s.Stage.Where,
                Frames = s.Frames,
                Bytes = s.Bytes,
                Mpps = Math.Round(Units.Mpps(s.Frames, r.Seconds), 6),
                Mbps = Math.Round(Units.Mbps(s.Bytes, r.Seconds), 3),
                RxDropped = s.Total.RxDropped,
                RxRingFull = s.Total.RxRingFull,
                TxFull = s.Total.TxFull,
            }).ToArray(),
        };
    }
}
