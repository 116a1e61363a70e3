using System.Globalization;
using XdpAot.Cli.Cli;
using XdpAot.Cli.Engine;
using XdpAot.Cli.Reporting;
using XdpAot.Cli.Traffic;
using XdpAot.Devices;
using XdpAot.Ports;

namespace XdpAot.Cli.Commands;

/// <summary><c>xdpaot gen</c>: transmit UDP/IPv4 test frames, like testpmd's txonly.</summary>
internal sealed class GenCommand : ICommand
{
    private static readonly OptionSpec Size = new("size", 's', "BYTES",
        "frame size including the 4-byte FCS, as pktgen, xdpsock and the C reference count it (default 64: 60-byte frames); up to the UMEM frame size and MTU + 18");
    private static readonly OptionSpec Rate = new("rate", 'r', "PPS|max", "frames per second over all queues, or max (default)");
    private static readonly OptionSpec SrcMac = new("src-mac", '\0', "MAC", "source MAC (default: the interface's)");
    private static readonly OptionSpec DstMac = new("dst-mac", '\0', "MAC", "destination MAC (default 02:00:00:00:00:02)");
    private static readonly OptionSpec SrcIp = new("src-ip", '\0', "IP", "source IPv4 address (default 10.0.0.1)");
    private static readonly OptionSpec DstIp = new("dst-ip", '\0', "IP", "destination IPv4 address (default 10.0.0.2)");
    private static readonly OptionSpec Udp = new("udp", '\0', "SRC[:DST]", "UDP ports (default 9:9, discard)");
    private static readonly OptionSpec Rx = new("rx", '\0', null, "also receive and count what comes back (the peer of reflect or fwd)");

    public CommandSpec Spec { get; } = new(
        "gen",
        "transmit UDP/IPv4 frames with valid checksums and sequence numbers (testpmd txonly)",
        ["-i IF [-q QUEUE] [--queues N] [--mode skb|native] [--size 64] [--rate PPS|max] [--count N] [--duration SEC] [--json]",
         "--port OPTS [options]"],
        [.. CommonOptions.PortSpecs, Size, Rate, SrcMac, DstMac, SrcIp, DstIp, Udp, Rx, .. CommonOptions.RunSpecs],
        ["xdpaot gen -i veth0 --duration 10                       # as fast as possible for 10 s",
         "xdpaot gen -i veth0 --count 1000 --rate 10000 --size 128",
         "xdpaot gen -i veth0 --dst-mac 02:00:00:00:00:02 --dst-ip 192.168.1.2 --udp 1234:5678",
         "xdpaot gen --port ifname=veth0,queues=2 --cpu 0,1 --json"],
        "Every frame carries a stamp right after the UDP header: magic 0x58445041, the stream (queue index) and a " +
        "64-bit sequence number, so `xdpaot sink --verify` can report loss and reordering. The UDP checksum is " +
        "updated for each frame. A frame counts as sent when the kernel completes it.");

    public int Run(ParsedArgs a)
    {
        var settings = CommonOptions.ParseRun(a, startOnFirstFrame: false);
        var cpus = CpuSet.Parse(a.Get("cpu"));
        var idle = CommonOptions.ParseIdle(a.Get("idle"), IdleMode.Spin);
        var quota = TrafficSetup.Quota(a);
        double rate = ParseRate(a.Get("rate"));
        int size = a.GetInt("size", 64, 64, 4096 + 4);
        var (srcPort, dstPort) = ParsePorts(a.Get("udp"));
        byte[]? srcMac = a.Get("src-mac") is { } sm ? Addresses.ParseMac(sm, "--src-mac") : null;
        byte[] dstMac = Addresses.ParseMac(a.Get("dst-mac") ?? "02:00:00:00:00:02", "--dst-mac");
        byte[] srcIp = Addresses.ParseIpv4(a.Get("src-ip") ?? "10.0.0.1", "--src-ip");
        byte[] dstIp = Addresses.ParseIpv4(a.Get("dst-ip") ?? "10.0.0.2", "--dst-ip");
        bool rx = a.Has("rx");

        using var stop = new StopSignal();
        var opened = TrafficSetup.Open(a, a.Get("port"), a.Get("interface"));
        try
        {
            var port = opened.Port;
            CheckTxFrames(port.Options);
            int length = size - 4;
            CheckLength(length, size, port);
            srcMac ??= NetDevice.MacAddress(port.IfName) ?? [0x02, 0, 0, 0, 0, 0x01];
            var spec = new FrameSpec(srcMac, dstMac, srcIp, dstIp, srcPort, dstPort, length);
            double perThread = rate / port.Queues.Count;
            var workers = port.Queues.Select((q, i) => new GenWorker(
                $"{q.IfName} queue {q.QueueId}", q, cpus?[i], idle, new FrameTemplate(spec, (uint)i), perThread, quota, rx)).ToArray();
            var result = new TrafficRun([new Stage("gen", TrafficSetup.Where(port), workers)], settings, stop,
                // Not deactivated before the loops stop: with --rx they wait for the last frames to come back.
                () => TrafficSetup.Activate("gen", port)).Run();
            var summary = new RunSummary
            {
                Command = "gen",
                Result = result,
                Ports = [port],
                Sent = workers.Sum(w => (long)w.Sent),
                RxFrames = rx ? workers.Sum(w => w.Received) : null,
            };
            return TrafficSetup.Finish(summary, a.Has("json"), [opened]);
        }
        finally
        {
            opened.Dispose();
        }
    }

    /// <summary>
    /// The queue keeps its Fill ring topped up from the same frames TX draws on: with frame-count at or below
    /// fill-size nothing is ever left to send.
    /// </summary>
    private static void CheckTxFrames(XdpAot.Options.PortOptions o)
    {
        if (o.EffectiveFrameCount < o.FillSize + Queue.MaxBatch)
            throw new UsageException($"frame-count={o.EffectiveFrameCount} leaves too few frames to send: the Fill ring takes up to fill-size={o.FillSize}; " +
                $"give gen frame-count={o.FillSize + 4 * Queue.MaxBatch} or more, or a smaller fill-size= (e.g. fill-size={RoundDown(o.EffectiveFrameCount / 4)})");
    }

    private static uint RoundDown(uint n)
    {
        uint p = 2;
        while (p * 2 <= n)
            p *= 2;
        return p;
    }

    private static void CheckLength(int length, int size, XdpAot.Ports.Port port)
    {
        uint frame = port.Queues[0].FrameSize;
        if (length > frame)
            throw new UsageException($"--size {size}: a {length}-byte frame does not fit the {frame}-byte UMEM frames of {port.IfName}");
        if (NetDevice.Mtu(port.IfName) is { } mtu && length > mtu + 14)
            throw new UsageException($"--size {size}: a {length}-byte frame exceeds {port.IfName}'s MTU {mtu} + 14-byte Ethernet header");
    }

    private static double ParseRate(string? text)
    {
        if (text is null or "max")
            return 0;
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double r) || !double.IsFinite(r) || r < 1 || r > 1e9)
            throw new UsageException($"--rate '{text}': expected frames per second (1..1e9) or max");
        return r;
    }

    private static (ushort, ushort) ParsePorts(string? text)
    {
        if (text is null)
            return (9, 9);
        var parts = text.Split(':');
        if (parts.Length > 2 || !ushort.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out ushort src)
            || !ushort.TryParse(parts[^1], NumberStyles.None, CultureInfo.InvariantCulture, out ushort dst))
            throw new UsageException($"--udp '{text}': expected SRC or SRC:DST port numbers (0..65535)");
        return (src, dst);
    }
}
