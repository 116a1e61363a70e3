using XdpAot.Cli.Cli;
using XdpAot.Cli.Engine;
using XdpAot.Cli.Reporting;

namespace XdpAot.Cli.Commands;

/// <summary><c>xdpaot reflect</c>: swap the MACs of every frame and send it back (l2fwd/testpmd macswap).</summary>
internal sealed class ReflectCommand : ICommand
{
    public CommandSpec Spec { get; } = new(
        "reflect",
        "swap the MAC addresses of every frame and send it back out of the same queue (l2fwd macswap)",
        ["-i IF [-q QUEUE] [--queues N] [--mode skb|native] [--duration SEC] [--count N] [--cpu LIST] [--json]",
         "--port OPTS [options]",
         "--fds-from PATH [options]"],
        [.. CommonOptions.PortSpecs, .. CommonOptions.RunSpecs],
        ["xdpaot reflect -i veth0",
         "xdpaot reflect -i veth0 --mode native --duration 10 --cpu 1 --json",
         "xdpaot reflect --port ifname=veth0,queues=2 --cpu 0,1"],
        "One thread per queue. Each frame goes back out from the UMEM frame it arrived in (no copy): its MACs are " +
        "swapped in place (a 16-byte SSSE3 shuffle) and the same frame is put on the TX ring, in batches of up to 64. " +
        "A frame the TX ring cannot take now stays in RX. The clock starts at the first frame; frames counts frames " +
        "sent back.");

    public int Run(ParsedArgs a)
    {
        var settings = CommonOptions.ParseRun(a, startOnFirstFrame: true);
        var cpus = CpuSet.Parse(a.Get("cpu"));
        var idle = CommonOptions.ParseIdle(a.Get("idle"), IdleMode.Spin);
        var quota = TrafficSetup.Quota(a);
        using var stop = new StopSignal();
        var opened = TrafficSetup.Open(a, a.Get("port"), a.Get("interface"));
        try
        {
            var port = opened.Port;
            var workers = port.Queues.Select((q, i) => new ForwardWorker(
                $"{q.IfName} queue {q.QueueId}", q, null, cpus?[i], idle, macSwap: true, quota)).ToArray();
            var result = new TrafficRun([new Stage("reflect", TrafficSetup.Where(port), workers)], settings, stop,
                () => TrafficSetup.Activate("reflect", port), () => TrafficSetup.Deactivate(port)).Run();
            return TrafficSetup.Finish(new RunSummary { Command = "reflect", Result = result, Ports = [port] }, a.Has("json"), [opened]);
        }
        finally
        {
            opened.Dispose();
        }
    }
}
