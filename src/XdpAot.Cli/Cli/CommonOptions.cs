using XdpAot.Cli.Engine;
using XdpAot.Options;

namespace XdpAot.Cli.Cli;

/// <summary>
/// Options shared by the commands that open ports and move traffic: the port (QEMU syntax or the short form)
/// and the run's timing and output.
/// </summary>
internal static class CommonOptions
{
    public static readonly OptionSpec Port = new("port", '\0', "OPTS",
        "the port in QEMU -netdev af-xdp syntax, e.g. ifname=veth0,mode=skb,queues=2,start-queue=0 (any key of the core's options: frame-size, frame-count, rx-size, busy-budget, loader, inhibit, sock-fds, map-path, ...)");
    public static readonly OptionSpec Interface = new("interface", 'i', "IF", "short form of --port ifname=IF");
    public static readonly OptionSpec Queue = new("queue", 'q', "Q", "first queue id (start-queue=), default 0");
    public static readonly OptionSpec Queues = new("queues", '\0', "N", "number of queues (queues=), one thread each, default 1");
    public static readonly OptionSpec Mode = new("mode", '\0', "skb|native", "XDP attach mode (mode=); default native, falling back to skb");
    public static readonly OptionSpec FdsFrom = new("fds-from", '\0', "PATH",
        "take the sockets (and the program's link) from `xdpaot prepare --unix PATH` instead of opening the interface: no privileges needed");

    public static readonly OptionSpec Duration = new("duration", 'd', "SEC", "measure for SEC seconds (sink/reflect/fwd: from the first frame), then stop; default: until Ctrl-C");
    public static readonly OptionSpec Warmup = new("warmup", '\0', "SEC", "run SEC seconds before measuring (default 0)");
    public static readonly OptionSpec Count = new("count", 'n', "N", "stop after N frames");
    public static readonly OptionSpec Wait = new("wait", '\0', "SEC",
        "give up (exit 1) when no frame arrives (gen: can be sent) within SEC seconds, or, with --count, when frames stop for SEC seconds before the count; default 10 (sink/reflect/fwd without --duration or --count: wait forever)");
    public static readonly OptionSpec Cpu = new("cpu", 'c', "LIST", "pin the I/O threads: the i-th thread to the i-th CPU of LIST (e.g. 1, 0,2 or 0-3)");
    public static readonly OptionSpec Idle = new("idle", '\0', "nap|spin|poll",
        "when a pass finds less than half a batch: nap (sink's default: sleep 20 us on a timer; full rate at a fraction of a core), spin (poll again at once: one core at 100%, lowest latency, like xdpsock and the C reference; the default of gen, reflect and fwd, whose thread also does the kernel's copy-mode TX work) or poll (sleep in poll() until the socket is readable, for shared CPUs)");
    public static readonly OptionSpec Json = new("json", '\0', null, "print one JSON line at the end (stdout); the live line goes to stderr");
    public static readonly OptionSpec Quiet = new("quiet", '\0', null, "no live line");

    public static OptionSpec[] PortSpecs => [Port, Interface, Queue, Queues, Mode, FdsFrom];

    public static OptionSpec[] RunSpecs => [Duration, Warmup, Count, Wait, Cpu, Idle, Json, Quiet];

    /// <summary>The port given by --port, or by -i with -q/--queues/--mode (not both).</summary>
    public static PortOptions ParsePort(ParsedArgs a, string? portText, string? ifName)
    {
        if (portText is not null && ifName is not null)
            throw new UsageException("give the port either as --port OPTS or as -i IF, not both");
        if (portText is not null)
        {
            foreach (var name in new[] { "queue", "queues", "mode" })
                if (a.Has(name))
                    throw new UsageException($"--{name} goes with -i; with --port write it inside the options (start-queue=, queues=, mode=)");
            return ParseQemu(portText);
        }
        if (ifName is null)
            throw new UsageException("no port: give -i IF or --port ifname=IF,...");
        var o = new PortOptions
        {
            IfName = ifName,
            StartQueue = a.GetInt("queue", 0, 0, 4095),
            Queues = a.GetInt("queues", 1, 1, 256),
            Mode = ParseMode(a.Get("mode")),
        };
        return Validate(o);
    }

    public static PortOptions ParseQemu(string text)
    {
        try
        {
            return PortOptionsParser.Parse(text);
        }
        catch (XdpException e)
        {
            throw new UsageException($"--port '{text}': {e.Message}");
        }
    }

    public static PortOptions Validate(PortOptions o)
    {
        try
        {
            return o.Validate();
        }
        catch (XdpException e)
        {
            throw new UsageException(e.Message);
        }
    }

    public static XdpMode? ParseMode(string? text) => text switch
    {
        null => null,
        "skb" => XdpMode.Skb,
        "native" or "drv" => XdpMode.Native,
        _ => throw new UsageException($"--mode '{text}': expected skb or native"),
    };

    public static IdleMode ParseIdle(string? text, IdleMode byDefault) => text switch
    {
        null => byDefault,
        "nap" => IdleMode.Nap,
        "spin" => IdleMode.Spin,
        "poll" => IdleMode.Poll,
        _ => throw new UsageException($"--idle '{text}': expected nap, spin or poll"),
    };

    /// <summary>Timing and output options as <see cref="RunSettings"/>.</summary>
    public static RunSettings ParseRun(ParsedArgs a, bool startOnFirstFrame)
    {
        double duration = a.GetDouble("duration", 0, 0.001, 86400 * 365);
        long count = (long)a.GetULong("count", 0, 1);
        // Receivers wait for traffic as long as they are told to run; a sender that cannot send is stuck.
        double? wait = a.Has("wait") ? a.GetDouble("wait", 0, 0.001, 86400 * 365)
            : !startOnFirstFrame || duration > 0 || count > 0 ? 10 : null;
        bool json = a.Has("json");
        return new RunSettings
        {
            Duration = duration,
            Warmup = a.GetDouble("warmup", 0, 0, 86400),
            WaitSeconds = wait,
            IdleTimeout = count > 0 ? wait ?? 10 : null,
            StartOnFirstFrame = startOnFirstFrame,
            Live = !a.Has("quiet"),
            LiveOut = json ? Console.Error : Console.Out,
        };
    }
}
