using XdpAot.Cli.Cli;
using XdpAot.Cli.Engine;
using XdpAot.Cli.Reporting;

namespace XdpAot.Cli.Commands;

/// <summary><c>xdpaot fwd</c>: L2 forwarding between two ports, or from a port back to itself (testpmd io).</summary>
internal sealed class FwdCommand : ICommand
{
    private static readonly OptionSpec Out = new("out", 'o', "IF", "the second port's interface (same -q/--queues/--mode); without it frames go back out of the first");
    private static readonly OptionSpec Port = new("port", '\0', "OPTS", "a port in QEMU syntax; give it twice for two ports", Repeatable: true);
    private static readonly OptionSpec MacSwapOption = new("macswap", '\0', null, "swap the MAC addresses of each frame before sending it on");

    public CommandSpec Spec { get; } = new(
        "fwd",
        "forward frames between two ports, both ways, or from a port back to itself (testpmd io / l2fwd)",
        ["-i IF [-o IF2] [-q QUEUE] [--queues N] [--mode skb|native] [--macswap] [--cpu LIST] [--duration SEC] [--json]",
         "--port OPTS [--port OPTS2] [options]"],
        [Port, .. CommonOptions.PortSpecs.Where(o => o.Name is not ("port" or "fds-from")), Out, MacSwapOption, .. CommonOptions.RunSpecs],
        ["xdpaot fwd -i veth1 -o veth2                          # veth1 <-> veth2, one thread",
         "xdpaot fwd -i veth1 -o veth2 --queues 2 --cpu 0,1    # queue pairs 0<->0 and 1<->1, a thread each",
         "xdpaot fwd --port ifname=eth0,mode=native --port ifname=eth1,mode=skb",
         "xdpaot fwd -i veth0 --macswap                        # back out of veth0 (same as reflect)"],
        "Queue i of the first port is paired with queue i of the second, and one thread forwards both directions of " +
        "a pair (each queue has one owner). Frames are peeked in the RX ring (no copy) and written straight into the " +
        "other port's UMEM in batches of up to 64 (one copy: the ports have UMEMs of their own); with one port they go " +
        "back out from the frame they arrived in (no copy). A frame the TX ring cannot take stays in RX " +
        "(back-pressure; the kernel counts the drops). The clock starts at the first frame.");

    public int Run(ParsedArgs a)
    {
        var settings = CommonOptions.ParseRun(a, startOnFirstFrame: true);
        var cpus = CpuSet.Parse(a.Get("cpu"));
        var idle = CommonOptions.ParseIdle(a.Get("idle"), IdleMode.Spin);
        var quota = TrafficSetup.Quota(a);
        var ports = a.GetAll("port");
        if (ports.Count > 2)
            throw new UsageException("fwd takes at most two ports");
        if (ports.Count > 0 && a.Has("out"))
            throw new UsageException("give the ports either as --port OPTS twice or as -i IF -o IF2");
        string? second = ports.Count == 2 ? ports[1] : null;
        string? secondIf = a.Get("out");

        using var stop = new StopSignal();
        var opened = new List<OpenedPort>();
        try
        {
            opened.Add(TrafficSetup.Open(a, ports.Count > 0 ? ports[0] : null, a.Get("interface"), allowFdsFrom: false));
            if (second is not null || secondIf is not null)
                opened.Add(TrafficSetup.Open(a, second, secondIf, allowFdsFrom: false));
            var first = opened[0].Port;
            var other = opened.Count > 1 ? opened[1].Port : null;
            if (other is not null && other.Queues.Count != first.Queues.Count)
                throw new UsageException($"{first.IfName} has {first.Queues.Count} queue(s) but {other.IfName} has {other.Queues.Count}: fwd pairs them one to one");
            bool macSwap = a.Has("macswap");
            var workers = first.Queues.Select((q, i) => new ForwardWorker(
                other is null ? $"{q.IfName} queue {q.QueueId}" : $"{q.IfName}:{q.QueueId}<->{other.IfName}:{other.Queues[i].QueueId}",
                q, other?.Queues[i], cpus?[i], idle, macSwap, quota)).ToArray();
            var all = other is null ? new[] { first } : [first, other];
            var result = new TrafficRun([new Stage("fwd", TrafficSetup.Where(all), workers)], settings, stop,
                () => TrafficSetup.Activate("fwd", all), () => TrafficSetup.Deactivate(all)).Run();
            return TrafficSetup.Finish(new RunSummary { Command = "fwd", Result = result, Ports = all }, a.Has("json"), opened);
        }
        finally
        {
            foreach (var p in opened)
                p.Dispose();
        }
    }
}
