using System.Diagnostics;
using System.Globalization;
using XdpAot.Cli.Cli;
using XdpAot.Cli.Interop;
using XdpAot.Cli.Reporting;
using XdpAot.Interop;
using XdpAot.Ports;
using XdpAot.Vhost.Bridge;
using XdpAot.Vhost.Device;

namespace XdpAot.Cli.Commands;

/// <summary>
/// <c>xdpaot vhost</c>: a vhost-user-net back-end on an AF_XDP port, so a stock QEMU, cloud-hypervisor or DPDK
/// virtio_user guest's virtio-net runs on AF_XDP. Guest queue pair k is AF_XDP queue k of the port, each on its own
/// thread. Follows the vhost-user spec's back-end program conventions: --socket-path or --fd, --print-capabilities,
/// no daemonizing, a quick clean exit on SIGTERM.
/// </summary>
internal sealed class VhostCommand : ICommand
{
    private static readonly OptionSpec SocketPath = new("socket-path", '\0', "PATH",
        "the vhost-user socket: listen on PATH (server, the default), or connect to it with --client");
    private static readonly OptionSpec Fd = new("fd", '\0', "N", "serve the already-connected unix socket N (libvirt style): one connection, then exit");
    private static readonly OptionSpec Client = new("client", '\0', null,
        "connect to the VMM's listening socket (QEMU: -chardev socket,server=on), and reconnect every second when it goes away");
    private static readonly OptionSpec PrintCapabilities = new("print-capabilities", '\0', null, "print the back-end's capabilities as JSON and exit");
    private static readonly OptionSpec Mac = new("mac", '\0', "MAC",
        "offer this MAC to the guest (VIRTIO_NET_F_MAC and the config space; QEMU takes the MAC from its -device instead)");
    private static readonly OptionSpec Mtu = new("mtu", '\0', "N",
        "offer MTU N to the guest (VIRTIO_NET_F_MTU) and accept NET_SET_MTU up to it; default: no MTU offered, NET_SET_MTU accepted up to what a UMEM frame holds");
    private static readonly OptionSpec Idle = new("idle", '\0', "poll|spin|nap",
        "when there is nothing to move: poll (the default: spin 20 us after the last frame, then sleep in epoll on the guest's kicks and the AF_XDP sockets; an idle guest costs nothing), spin (busy-poll like DPDK: a core per queue pair at 100%) or nap (sleep 20 us between passes, no guest kicks)");
    private static readonly OptionSpec Json = new("json", '\0', null, "print one JSON line at exit (stdout); the live line goes to stderr");
    private static readonly OptionSpec Quiet = new("quiet", '\0', null, "no live line and no connection log");
    private static readonly OptionSpec Cpu = new("cpu", 'c', "LIST", "pin queue pair i's thread to the i-th CPU of LIST (e.g. 1, 0,2 or 0-3); keep them off the guest's vCPUs");
    private static readonly OptionSpec SocketGroup = new("socket-group", '\0', "GROUP",
        "server: give the socket file to GROUP (name or number) with mode 0660, so an unprivileged VMM in that group can connect");
    private static readonly OptionSpec SocketMode = new("socket-mode", '\0', "MODE", "server: the socket file's mode, in octal (default: as the umask leaves it; 0660 with --socket-group)");

    public CommandSpec Spec { get; } = new(
        "vhost",
        "vhost-user-net back-end: serve a QEMU, cloud-hypervisor or virtio_user guest's virtio-net from AF_XDP queues",
        ["--socket-path PATH --port OPTS [options]            # server: listen on PATH, the VMM connects",
         "--client --socket-path PATH --port OPTS [options]   # client: connect to the VMM's socket, reconnect",
         "--fd N --port OPTS [options]                        # an already-connected socket",
         "--print-capabilities"],
        [SocketPath, Client, Fd, PrintCapabilities, SocketGroup, SocketMode, .. CommonOptions.PortSpecs, Mac, Mtu, Cpu, Idle, Json, Quiet],
        ["xdpaot vhost --socket-path /run/xdpaot/vm1.sock --port ifname=eth0,queues=2 --cpu 2,3",
         "  qemu-system-x86_64 ... -object memory-backend-memfd,id=mem,size=1G,share=on -machine memory-backend=mem \\",
         "    -chardev socket,id=c0,path=/run/xdpaot/vm1.sock -netdev vhost-user,id=n0,chardev=c0,queues=2 \\",
         "    -device virtio-net-pci,netdev=n0,mq=on -smp 2",
         "xdpaot vhost --client --socket-path /run/vm1.sock --port ifname=veth0,mode=skb",
         "xdpaot vhost --print-capabilities"],
        "Guest queue pair k is AF_XDP queue k of the port (start-queue + k), each served by its own thread. Offers " +
        "VERSION_1, INDIRECT_DESC, EVENT_IDX, MRG_RXBUF, multiqueue, REPLY_ACK, CONFIGURE_MEM_SLOTS, STATUS, " +
        "RESET_DEVICE and NET_MTU; no offloads, no packed rings, no live migration. The port stays open across " +
        "connections: the VMM may restart and connect again. The live line (once a second) shows frames each way " +
        "(tx: the guest's transmissions, rx: its receptions), drops and guest interrupts; SIGINT/SIGTERM stop it " +
        "within a second: the program is detached, the socket file removed. See docs/vhost-user.md.");

    public int Run(ParsedArgs a)
    {
        if (a.Has("print-capabilities"))
        {
            // The spec's convention: the capabilities as JSON, other options ignored.
            Console.Out.WriteLine("{\"type\":\"net\"}");
            return ExitCode.Ok;
        }
        var role = ParseRole(a, out string? path, out int fd);
        var access = SocketAccess.Parse(a.Get("socket-group"), a.Get("socket-mode"));
        if (access is not null && role != FrontEndRole.Server)
            throw new UsageException("--socket-group and --socket-mode are for the socket we listen on (server mode)");
        var options = new DeviceOptions
        {
            Mac = a.Get("mac") is { } mac ? ParseMac(mac) : null,
            Mtu = a.Has("mtu") ? (ushort)a.GetInt("mtu", 0, 68, 65535) : null,
            Wait = ParseIdle(a.Get("idle")),
            Cpus = CpuSet.Parse(a.Get("cpu")) is { } cpus ? Enumerable.Range(0, cpus.Count).Select(i => cpus[i]).ToArray() : null,
            Log = a.Has("quiet") ? null : text => Console.Error.WriteLine($"xdpaot vhost: {text}"),
        };
        bool json = a.Has("json");
        var live = a.Has("quiet") ? null : json ? Console.Error : Console.Out;

        using var stop = new StopSignal();
        int wakeFd = Libc.EventFd(0, Libc.EFD_CLOEXEC | Libc.EFD_NONBLOCK);
        if (wakeFd < 0)
            throw new RunFailure($"eventfd failed: {Libc.StrError(Libc.Errno)}");
        stop.OnSignalReceived = _ => Libc.SignalEventFd(wakeFd);
        var opened = TrafficSetup.Open(a, a.Get("port"), a.Get("interface"));
        VhostNetDevice? device = null;
        ConnectionLoop? loop = null;
        try
        {
            var port = opened.Port;
            device = new VhostNetDevice(port, options);
            device.Start();
            port.Activate();
            loop = new ConnectionLoop(device, role, path, fd);
            access?.Apply(path!);
            Announce(role, path, fd, port, device);
            // systemd's Type=notify: started once the socket listens (or the fd is checked).
            SystemdNotify.Ready($"{device.QueuePairs} queue pair(s) on {port.IfName}, {(role == FrontEndRole.Fd ? $"fd {fd}" : path)}");
            long started = Stopwatch.GetTimestamp();
            var cpu0 = Posix.CpuTimes();
            Exception? failure = null;
            var control = new Thread(() =>
            {
                try
                {
                    loop.Run(wakeFd);
                }
                catch (Exception e)
                {
                    failure = e;
                }
            }) { Name = "vhost control", IsBackground = true };
            control.Start();
            WatchUntilDone(control, stop, device, live, started);
            SystemdNotify.Stopping();
            Libc.SignalEventFd(wakeFd);
            control.Join();
            var cpu1 = Posix.CpuTimes();
            // Traffic first, then the threads: frames steered to a socket nobody reads would be dropped and counted.
            port.Deactivate();
            var counters = device.Totals();
            int connections = device.Connections;
            var workers = device.Workers.ToArray();
            device.Dispose();
            long allocated = workers.Sum(w => w.AllocatedBytes); // as of their last pass: stopping is a pause
            device = null;
            var stats = port.Queues.Select(q => q.GetStatistics()).ToArray();
            double seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
            var lastEnd = loop.LastEnd;
            string reason = stop.Signal is { } sig ? sig.ToString() : failure is not null ? "error" : lastEnd?.End.ToString().ToLowerInvariant() ?? "done";
            loop.Dispose();
            loop = null;
            var report = Report(port, counters, stats, connections, seconds, cpu1.User - cpu0.User, cpu1.System - cpu0.System, reason, allocated);
            opened.Dispose();
            Print(report, json);
            if (failure is not null)
                throw failure is XdpException or RunFailure ? failure : new RunFailure(failure.Message);
            // --fd serves one connection: a protocol error there is the run's failure.
            return role == FrontEndRole.Fd && stop.Signal is null && lastEnd?.End == SessionEnd.Error ? ExitCode.Failure : ExitCode.Ok;
        }
        finally
        {
            loop?.Dispose();
            device?.Dispose();
            opened.Dispose();
            Libc.Close(wakeFd);
        }
    }

    private static FrontEndRole ParseRole(ParsedArgs a, out string? path, out int fd)
    {
        path = a.Get("socket-path");
        fd = -1;
        if (a.Has("fd"))
        {
            if (path is not null)
                throw new UsageException("--socket-path and --fd exclude each other");
            if (a.Has("client"))
                throw new UsageException("--client goes with --socket-path, not with --fd");
            fd = a.GetInt("fd", -1, 0, int.MaxValue);
            return FrontEndRole.Fd;
        }
        if (path is null)
            throw new UsageException("give the vhost-user socket: --socket-path PATH (server, or with --client) or --fd N");
        return a.Has("client") ? FrontEndRole.Client : FrontEndRole.Server;
    }

    private static WaitMode ParseIdle(string? text) => text switch
    {
        null or "poll" => WaitMode.Poll,
        "spin" => WaitMode.Spin,
        "nap" => WaitMode.Nap,
        _ => throw new UsageException($"--idle '{text}': expected poll, spin or nap"),
    };

    private static byte[] ParseMac(string text)
    {
        var parts = text.Split(':');
        var mac = new byte[6];
        if (parts.Length != 6 || !parts.Select((p, i) => p.Length == 2 && byte.TryParse(p, NumberStyles.HexNumber, CultureInfo.InvariantCulture, out mac[i])).All(ok => ok))
            throw new UsageException($"--mac '{text}': expected six hex bytes, e.g. 52:54:00:12:34:56");
        return mac;
    }

    /// <summary>The ready line (stderr), once the port is attached and the socket listens (or the fd is checked).</summary>
    private static void Announce(FrontEndRole role, string? path, int fd, Port port, VhostNetDevice device)
    {
        foreach (var w in port.Warnings)
            Console.Error.WriteLine($"xdpaot vhost: warning: {w}");
        string where = role switch
        {
            FrontEndRole.Server => $"{path} (listening)",
            FrontEndRole.Client => $"{path} (client)",
            _ => $"fd {fd}",
        };
        Console.Error.WriteLine($"xdpaot: vhost ready on {where} for {TrafficSetup.Where(port)} " +
            $"({TrafficSetup.ModeName(port.Mode)} mode, {(port.Queues.All(q => q.ZeroCopy) ? "zero-copy" : "copy")}, " +
            $"{port.Queues[0].FrameSize}-byte frames): {device.QueuePairs} queue pair(s), MTU up to {device.MaxMtu}");
        Console.Error.Flush();
    }

    /// <summary>Prints the live line once a second until a signal, or until the control thread ends.</summary>
    private static void WatchUntilDone(Thread control, StopSignal stop, VhostNetDevice device, TextWriter? live, long started)
    {
        var line = live is null ? null : new VhostLiveLine(live, device, started);
        long next = started + Stopwatch.Frequency;
        while (control.IsAlive && !stop.Requested)
        {
            long now = Stopwatch.GetTimestamp();
            int ms = (int)Math.Clamp((next - now) * 1000 / Stopwatch.Frequency + 1, 1, 200);
            if (stop.Wait(ms) || !control.IsAlive)
                break;
            if (Stopwatch.GetTimestamp() >= next)
            {
                line?.Print();
                next += Stopwatch.Frequency;
            }
            foreach (var w in device.Workers)
            {
                if (w.Error is { } e)
                    throw new RunFailure($"vhost queue pair {w.Pair}: {e.Message}");
            }
        }
    }

    private static VhostReport Report(Port port, in BridgeCounters c, QueueStatistics[] stats, int connections,
        double seconds, double user, double sys, string reason, long allocated)
    {
        ulong frames = c.TxFrames + c.RxFrames;
        return new VhostReport
        {
            Ifname = port.IfName,
            QueuePairs = port.Queues.Count,
            Mode = TrafficSetup.ModeName(port.Mode),
            Seconds = Math.Round(seconds, 6),
            Connections = connections,
            StopReason = reason,
            TxFrames = c.TxFrames,
            TxBytes = c.TxBytes,
            RxFrames = c.RxFrames,
            RxBytes = c.RxBytes,
            TxDiscarded = c.TxDiscarded,
            TxBlocked = c.TxBlocked,
            RxStarved = c.RxStarved,
            RxTooBig = c.RxTooBig,
            RxNoGuest = c.RxNoGuest,
            RefusedChains = c.RefusedTotal,
            Refused = VhostReport.RefusedByReason(c),
            BrokenRings = c.BrokenRings,
            GuestCalls = c.GuestCalls,
            Kicks = c.Kicks,
            Wakeups = c.Wakeups,
            KernelRxDropped = (ulong)stats.Sum(s => (decimal)s.RxDropped),
            KernelRxRingFull = (ulong)stats.Sum(s => (decimal)s.RxRingFull),
            KernelRxFillRingEmpty = (ulong)stats.Sum(s => (decimal)s.RxFillRingEmptyDescs),
            KernelTxInvalid = (ulong)stats.Sum(s => (decimal)s.TxInvalidDescs),
            UserS = Math.Round(user, 6),
            SysS = Math.Round(sys, 6),
            CpuNsPerFrame = frames > 0 ? Math.Round((user + sys) / frames * 1e9, 3) : 0,
            LoopAllocBytes = allocated,
        };
    }

    private static void Print(VhostReport r, bool json)
    {
        if (json)
        {
            Console.Out.WriteLine(CliJson.Serialize(r));
            Console.Out.Flush();
            return;
        }
        var w = Console.Out;
        w.WriteLine();
        w.WriteLine($"xdpaot vhost on {r.Ifname} ({r.Mode} mode, {r.QueuePairs} queue pair(s)): {r.Connections} connection(s) in {Units.F(r.Seconds, 1)} s, ended by {r.StopReason}");
        w.WriteLine($"  guest tx -> wire: {r.TxFrames} frames, {r.TxBytes} bytes; discarded (ring disabled) {r.TxDiscarded}, AF_XDP TX full {r.TxBlocked} time(s)");
        w.WriteLine($"  wire -> guest rx: {r.RxFrames} frames, {r.RxBytes} bytes; no guest {r.RxNoGuest}, too big {r.RxTooBig}, waited for buffers {r.RxStarved} time(s)");
        w.WriteLine($"  refused chains: {r.RefusedChains}" + (r.Refused.Count == 0 ? "" : " (" + string.Join(", ", r.Refused.Select(kv => $"{kv.Key} {kv.Value}")) + ")") +
            $"; broken rings {r.BrokenRings}");
        w.WriteLine($"  kernel: rx dropped {r.KernelRxDropped}, rx ring full {r.KernelRxRingFull}, fill ring empty {r.KernelRxFillRingEmpty}, tx invalid {r.KernelTxInvalid}");
        w.WriteLine($"  guest interrupts {r.GuestCalls}, kicks {r.Kicks}, wake-ups {r.Wakeups}; cpu user {Units.F(r.UserS, 3)} s, sys {Units.F(r.SysS, 3)} s" +
            (r.CpuNsPerFrame > 0 ? $" = {Units.F(r.CpuNsPerFrame, 1)} ns/frame" : ""));
        w.Flush();
    }
}
