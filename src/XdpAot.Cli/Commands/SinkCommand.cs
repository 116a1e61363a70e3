using XdpAot.Cli.Cli;
using XdpAot.Cli.Engine;
using XdpAot.Cli.Reporting;
using XdpAot.Cli.Traffic;

namespace XdpAot.Cli.Commands;

/// <summary><c>xdpaot sink</c>: receive and count, like testpmd's rxonly; --verify follows gen's sequence numbers.</summary>
internal sealed class SinkCommand : ICommand
{
    private static readonly OptionSpec Verify = new("verify", '\0', null,
        "check gen's stamp (magic, stream, sequence number) in each frame and report loss and reordering");

    public CommandSpec Spec { get; } = new(
        "sink",
        "receive frames and count them (testpmd rxonly); optionally verify gen's sequence numbers",
        ["-i IF [-q QUEUE] [--queues N] [--mode skb|native] [--duration SEC] [--count N] [--verify] [--cpu LIST] [--json]",
         "--port OPTS [options]",
         "--fds-from PATH [options]"],
        [.. CommonOptions.PortSpecs, Verify, .. CommonOptions.RunSpecs],
        ["xdpaot sink -i veth0                                  # until Ctrl-C, a live line per second",
         "xdpaot sink -i veth0 --mode skb --duration 10 --json  # measure 10 s from the first frame, one JSON line",
         "xdpaot sink --port ifname=veth0,queues=2 --cpu 0,1 --verify",
         "xdpaot sink --fds-from /run/xdpaot.sock --count 1000  # sockets from `xdpaot prepare --unix`, no privileges"],
        "One thread per queue, batches of 64. The clock starts at the first frame. Frames are counted when taken from " +
        "the RX ring; drops, ring-full and fill-empty counts come from the kernel (XDP_STATISTICS).");

    public int Run(ParsedArgs a)
    {
        var settings = CommonOptions.ParseRun(a, startOnFirstFrame: true);
        var cpus = CpuSet.Parse(a.Get("cpu"));
        var idle = CommonOptions.ParseIdle(a.Get("idle"), IdleMode.Nap);
        var quota = TrafficSetup.Quota(a);
        bool verify = a.Has("verify");
        using var stop = new StopSignal();
        var opened = TrafficSetup.Open(a, a.Get("port"), a.Get("interface"));
        try
        {
            var port = opened.Port;
            var workers = port.Queues.Select((q, i) => new SinkWorker(
                $"{q.IfName} queue {q.QueueId}", q, cpus?[i], idle, quota, verify ? new SequenceTracker() : null)).ToArray();
            var result = new TrafficRun([new Stage("sink", TrafficSetup.Where(port), workers)], settings, stop,
                () => TrafficSetup.Activate("sink", port), () => TrafficSetup.Deactivate(port)).Run();
            var summary = new RunSummary
            {
                Command = "sink",
                Result = result,
                Ports = [port],
                Verify = verify ? SequenceTracker.Merge(workers.Select(w => w.Tracker!).ToArray()) : null,
            };
            return TrafficSetup.Finish(summary, a.Has("json"), [opened]);
        }
        finally
        {
            opened.Dispose();
        }
    }
}
