using XdpAot.Interop;
using XdpAot.Cli.Cli;
using XdpAot.Cli.Engine;
using XdpAot.Cli.Interop;
using XdpAot.Cli.Reporting;
using XdpAot.Options;
using XdpAot.Ports;

namespace XdpAot.Cli.Commands;

/// <summary>
/// An opened port and, when its sockets came from `prepare --unix`, the BPF link fd that keeps the program
/// attached while we run. Disposing closes the port (detaching our program) and then the link fd.
/// </summary>
internal sealed class OpenedPort(Port port, int linkFd) : IDisposable
{
    private int _linkFd = linkFd;

    public Port Port { get; } = port;

    public void Dispose()
    {
        Port.Dispose();
        if (_linkFd >= 0)
            Libc.Close(_linkFd);
        _linkFd = -1;
    }
}

/// <summary>What gen, sink, reflect and fwd share: opening ports, the ready line, printing the summary.</summary>
internal static class TrafficSetup
{
    /// <summary>
    /// Opens the port of -i/--port/--fds-from (for fwd's second port, pass its own text or name), not yet active:
    /// <see cref="Activate"/> steers traffic to it once the threads that poll it run.
    /// </summary>
    public static OpenedPort Open(ParsedArgs a, string? portText, string? ifName, bool allowFdsFrom = true)
    {
        if (allowFdsFrom && a.Get("fds-from") is { } path)
        {
            if (portText is not null || ifName is not null)
                throw new UsageException("--fds-from replaces -i/--port: the helper says which interface and queues");
            var got = FdPassing.Receive(path);
            try
            {
                var options = CommonOptions.ParseQemu(got.PortOptions);
                return new OpenedPort(Port.Open(options, activate: false), got.LinkFd);
            }
            catch
            {
                foreach (var fd in got.SocketFds)
                    Libc.Close(fd);
                if (got.LinkFd >= 0)
                    Libc.Close(got.LinkFd);
                throw;
            }
        }
        return new OpenedPort(Port.Open(CommonOptions.ParsePort(a, portText, ifName), activate: false), -1);
    }

    /// <summary>"veth0 queue 0", "veth0 queues 0-1", joined for several ports.</summary>
    public static string Where(params Port[] ports) => string.Join(" <-> ", ports.Select(p =>
    {
        var q = p.Queues;
        return q.Count == 1 ? $"{p.IfName} queue {q[0].QueueId}" : $"{p.IfName} queues {q[0].QueueId}-{q[^1].QueueId}";
    }).Distinct());

    public static string ModeName(XdpMode? mode) => mode switch
    {
        XdpMode.Native => "native",
        XdpMode.Skb => "skb",
        _ => "external",
    };

    /// <summary>
    /// Steers traffic to the ports, then prints the ready line. Called by <see cref="TrafficRun"/> once the
    /// threads are polling: attaching takes milliseconds, and a peer already sending at full rate would overrun
    /// the Fill ring in that time if nobody were receiving yet.
    /// </summary>
    public static void Activate(string command, params Port[] ports)
    {
        foreach (var p in ports)
            p.Activate();
        Announce(command, ports);
    }

    /// <summary>Stops steering traffic to the ports; their loops can still read what has arrived.</summary>
    public static void Deactivate(params Port[] ports)
    {
        foreach (var p in ports)
            p.Deactivate();
    }

    /// <summary>The ready line on stderr (the benchmark waits for " ready on "), then warnings from opening.</summary>
    private static void Announce(string command, params Port[] ports)
    {
        foreach (var p in ports)
            foreach (var w in p.Warnings)
                Console.Error.WriteLine($"xdpaot {command}: warning: {w}");
        var p0 = ports[0];
        Console.Error.WriteLine($"xdpaot: {command} ready on {Where(ports)} ({(p0.Mode is null ? "someone else's program" : ModeName(p0.Mode) + " mode")}, " +
            $"{(p0.Queues.All(q => q.ZeroCopy) ? "zero-copy" : "copy")}, {p0.Queues[0].FrameSize}-byte frames)");
        Console.Error.Flush();
    }

    public static FrameQuota? Quota(ParsedArgs a) => a.GetULong("count", 0, 1) is var n and > 0 ? new FrameQuota((long)n) : null;

    /// <summary>Prints the summary after the ports are closed (so "detached" is true when it appears).</summary>
    public static int Finish(RunSummary summary, bool json, IEnumerable<IDisposable> ports)
    {
        string text;
        if (json)
        {
            text = CliJson.Serialize(summary.ToReport()) + Environment.NewLine;
        }
        else
        {
            var sw = new StringWriter();
            summary.WriteText(sw);
            text = sw.ToString();
        }
        foreach (var p in ports)
            p.Dispose();
        Console.Out.Write(text);
        Console.Out.Flush();
        if (summary.Result.StopReason == "idle")
        {
            var st = summary.Result.Stages[0];
            Console.Error.WriteLine($"xdpaot {summary.Command}: stopped after {st.TotalFrames} frames: none arrived on {st.Stage.Where} " +
                "for the --wait time, and --count was not reached");
            return ExitCode.Failure;
        }
        return ExitCode.Ok;
    }
}
