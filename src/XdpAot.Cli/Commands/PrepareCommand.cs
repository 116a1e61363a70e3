using XdpAot.Interop;
using System.Diagnostics;
using System.Globalization;
using XdpAot.Ebpf;
using XdpAot.Cli.Cli;
using XdpAot.Cli.Interop;
using XdpAot.Devices;
using XdpAot.Options;
using XdpAot.Umem;

namespace XdpAot.Cli.Commands;

/// <summary>
/// <c>xdpaot prepare</c>: the privileged half of QEMU's <c>inhibit=on,sock-fds=</c> (and of <c>map-path=</c>).
/// It loads the XSK program and an XSKMAP, creates one unbound AF_XDP socket per queue, puts them in the map and
/// attaches the program through a BPF link; then it hands the sockets to an unprivileged process, which registers
/// its own UMEM on them and binds (so the child's UMEMs must fit its RLIMIT_MEMLOCK: see
/// <c>XDPAOT_FRAME_COUNT</c>). The program lives exactly as long as someone holds the link fd.
/// </summary>
internal sealed class PrepareCommand : ICommand
{
    private const uint FrameSize = PortOptions.DefaultFrameSize;

    private static readonly OptionSpec Unix = new("unix", '\0', "PATH",
        "listen on a unix socket at PATH; pass the sockets and the link fd (SCM_RIGHTS) to the first process that connects " +
        "(e.g. `xdpaot sink --fds-from PATH`), then exit: the program lives as long as that process keeps the link fd");
    private static readonly OptionSpec Chown = new("chown", '\0', "UID[:GID]", "with --unix: give the socket file (mode 0600) to this user so that it can connect; without it only root can");
    private static readonly OptionSpec Pin = new("pin", '\0', "PATH",
        "pin the XSKMAP at PATH and the link at PATH_link on a bpffs (bpffs names cannot contain dots), then exit; consumers use inhibit=on,map-path=PATH " +
        "(their own sockets); `xdpaot release --pin PATH` detaches");
    private static readonly OptionSpec FrameCount = new("frame-count", '\0', "N",
        "UMEM frames per queue to advise the consumer (XDPAOT_FRAME_COUNT; frame-count= in the --unix message); " +
        "default: what half the hard RLIMIT_MEMLOCK holds for all queues");

    public CommandSpec Spec { get; } = new(
        "prepare",
        "privileged helper: attach the XSK program, create AF_XDP sockets and hand them to an unprivileged VMM",
        ["-i IF [--queues N] [-q START] [--mode skb|native] -- COMMAND [ARGS...]",
         "-i IF [--queues N] [-q START] [--mode skb|native] --unix PATH [--chown UID[:GID]]",
         "-i IF [--queues N] [-q START] [--mode skb|native] --pin PATH"],
        [CommonOptions.Port, CommonOptions.Interface, CommonOptions.Queue, CommonOptions.Queues, CommonOptions.Mode, Unix, Chown, Pin, FrameCount],
        ["xdpaot prepare -i eth0 --queues 2 -- setpriv --reuid=qemu --regid=qemu --clear-groups --inh-caps=-all \\",
         "    sh -c 'exec qemu-system-x86_64 ... -netdev af-xdp,id=n0,$XDPAOT_PORT'",
         "xdpaot prepare -i veth0 -- setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all --bounding-set=-all \\",
         "    sh -c 'exec xdpaot sink --port \"$XDPAOT_PORT,frame-count=$XDPAOT_FRAME_COUNT\" --count 1000'",
         "xdpaot prepare -i veth0 --unix /run/xdpaot-veth0.sock --chown 65534 &   then, unprivileged:",
         "    xdpaot sink --fds-from /run/xdpaot-veth0.sock",
         "xdpaot prepare -i veth0 --pin /sys/fs/bpf/xdpaot-veth0      # then inhibit=on,map-path=/sys/fs/bpf/xdpaot-veth0",
         "xdpaot release --pin /sys/fs/bpf/xdpaot-veth0"],
        """
        With a COMMAND (after --), prepare runs it with the socket fds and the link fd open (close-on-exec cleared) and
        these variables set, stays alive as its parent, forwards SIGINT/SIGTERM to it, and when it exits detaches and
        exits with its status (128+signal when killed). If the child is killed, even with SIGKILL, the program goes.
          XDPAOT_SOCK_FDS     the sock-fds string, e.g. 3:4
          XDPAOT_PORT         ifname=IF,inhibit=on,queues=N,start-queue=S,sock-fds=3:4  (QEMU's -netdev af-xdp syntax)
          XDPAOT_FRAME_COUNT  UMEM frames per queue that fit the child's locked-memory limit
          XDPAOT_LINK_FD      the BPF link (the program stays attached while any process holds it)
        The child registers the UMEM itself: without CAP_IPC_LOCK it is charged to RLIMIT_MEMLOCK (8 MiB here), so an
        xdpaot child should add frame-count=$XDPAOT_FRAME_COUNT to its port options.
        """,
        TakesCommand: true);

    public int Run(ParsedArgs a)
    {
        var o = CommonOptions.ParsePort(a, a.Get("port"), a.Get("interface"));
        string? unix = a.Get("unix"), pin = a.Get("pin");
        int ways = (a.Rest.Count > 0 ? 1 : 0) + (unix is null ? 0 : 1) + (pin is null ? 0 : 1);
        if (ways != 1)
            throw new UsageException(ways == 0
                ? "say where the sockets go: -- COMMAND [ARGS...], --unix PATH or --pin PATH"
                : "give only one of: -- COMMAND, --unix PATH, --pin PATH");
        if (a.Has("chown") && unix is null)
            throw new UsageException("--chown goes with --unix");
        if (o.Inhibit || o.Loader != LoaderKind.Builtin)
            throw new UsageException("prepare loads its own program: inhibit=, sock-fds=, map-path= and loader= do not apply");
        var owner = ParseOwner(a.Get("chown"));
        uint frameCount = a.Has("frame-count") ? (uint)a.GetULong("frame-count", 0, 2, 1u << 20) : FramesFittingMemlock(o.Queues);

        uint ifIndex = NetDevice.IndexOf(o.IfName);
        var channels = NetDevice.GetChannels(o.IfName);
        uint active = channels?.Active ?? 1;
        if (o.StartQueue + o.Queues > active)
            throw new RunFailure($"{o.IfName} has {active} queue(s): queues {o.StartQueue}..{o.StartQueue + o.Queues - 1} do not exist");
        uint entries = Math.Max(channels?.Max ?? 1, (uint)(o.StartQueue + o.Queues));

        using var map = XskMap.Create(entries, o.IfName);
        int progFd = XskProgram.Load(map.Fd, o.IfName);
        var sockets = new List<int>();
        XdpLink? link = null;
        try
        {
            if (pin is not null)
                return PinAndExit(o, map, progFd, ifIndex, pin);
            for (int i = 0; i < o.Queues; i++)
            {
                int q = o.StartQueue + i;
                int fd = CreateXdpSocket(o.IfName, q);
                sockets.Add(fd);
                map.Set((uint)q, fd, $"{o.IfName} queue {q}");
            }
            link = XdpLink.Attach(progFd, ifIndex, o.IfName, o.Mode);
            Libc.Close(progFd);
            progFd = -1;
            string fds = string.Join(':', sockets);
            Console.Error.WriteLine($"xdpaot prepare: {o.IfName} queues {o.StartQueue}..{o.StartQueue + o.Queues - 1}: program attached " +
                $"({TrafficSetup.ModeName(link.Mode)} mode, BPF link fd {link.Fd}), sockets {fds}");
            return unix is not null
                ? HandOver(o, unix, owner, sockets, link, frameCount)
                : RunChild(o, a.Rest, sockets, link, frameCount);
        }
        finally
        {
            link?.Dispose();
            foreach (var fd in sockets)
                Libc.Close(fd);
            if (progFd >= 0)
                Libc.Close(progFd);
        }
    }

    private static int RunChild(PortOptions o, List<string> command, List<int> sockets, XdpLink link, uint frameCount)
    {
        foreach (var fd in sockets)
            Inherit(fd);
        Inherit(link.Fd);
        string fds = string.Join(':', sockets);
        var psi = new ProcessStartInfo(command[0]) { UseShellExecute = false };
        foreach (var arg in command.Skip(1))
            psi.ArgumentList.Add(arg);
        psi.Environment["XDPAOT_SOCK_FDS"] = fds;
        psi.Environment["XDPAOT_PORT"] = $"ifname={o.IfName},inhibit=on,queues={o.Queues},start-queue={o.StartQueue},sock-fds={fds}";
        psi.Environment["XDPAOT_FRAME_COUNT"] = frameCount.ToString(CultureInfo.InvariantCulture);
        psi.Environment["XDPAOT_LINK_FD"] = link.Fd.ToString(CultureInfo.InvariantCulture);
        using var stop = new StopSignal();
        Process child;
        try
        {
            child = Process.Start(psi) ?? throw new RunFailure($"cannot start '{command[0]}'");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new RunFailure($"cannot start '{command[0]}': {e.Message}");
        }
        using (child)
        {
            int pid = child.Id;
            // Ctrl-C reaches the child through the terminal anyway; a SIGTERM sent to us is passed on.
            stop.OnSignalReceived = sig => Posix.Kill(pid, sig == System.Runtime.InteropServices.PosixSignal.SIGINT ? Posix.SIGINT : Posix.SIGTERM);
            Console.Error.WriteLine($"xdpaot prepare: started pid {pid}: {string.Join(' ', command)}");
            child.WaitForExit();
            int status = child.ExitCode;
            Console.Error.WriteLine($"xdpaot prepare: pid {pid} exited with {status}; detaching from {o.IfName}");
            return status;
        }
    }

    private static int HandOver(PortOptions o, string path, (uint Uid, uint Gid)? owner, List<int> sockets, XdpLink link, uint frameCount)
    {
        using var stop = new StopSignal();
        int listen = FdPassing.Listen(path);
        try
        {
            if (Posix.Chmod(path, 0x180 /* 0600 */) != 0
                || owner is { } ow && Posix.Chown(path, ow.Uid, ow.Gid) != 0)
                throw new RunFailure($"--unix '{path}': cannot set the owner or mode: {Libc.StrError(Libc.Errno)}");
            Console.Error.WriteLine($"xdpaot prepare: waiting for a connection on {path}");
            int conn = FdPassing.Accept(listen, stop);
            if (conn < 0)
                throw new RunFailure($"interrupted before a process connected to {path}; detached from {o.IfName}");
            try
            {
                string options = $"ifname={o.IfName},inhibit=on,queues={o.Queues},start-queue={o.StartQueue},frame-count={frameCount}";
                FdPassing.Send(conn, options, sockets, link.Fd);
            }
            finally
            {
                Libc.Close(conn);
            }
            Console.Error.WriteLine($"xdpaot prepare: sockets and link handed over on {path}; the program stays while the receiver holds them");
            return ExitCode.Ok;
        }
        finally
        {
            Libc.Close(listen);
            Libc.Unlink(path);
        }
    }

    private static int PinAndExit(PortOptions o, XskMap map, int progFd, uint ifIndex, string path)
    {
        string linkPath = LinkPath(path);
        BpfObjects.Pin(map.Fd, path, "XSKMAP");
        try
        {
            using var link = XdpLink.Attach(progFd, ifIndex, o.IfName, o.Mode);
            BpfObjects.Pin(link.Fd, linkPath, "BPF link");
            Console.Error.WriteLine($"xdpaot prepare: {o.IfName}: program attached ({TrafficSetup.ModeName(link.Mode)} mode); " +
                $"XSKMAP pinned at {path}, link at {linkPath}; `xdpaot release --pin {path}` detaches");
        }
        catch
        {
            Libc.Unlink(path);
            throw;
        }
        finally
        {
            Libc.Close(progFd);
        }
        // The options a consumer passes (keys are queue ids: our program redirects by rx_queue_index).
        Console.Out.WriteLine($"ifname={o.IfName},inhibit=on,map-path={path},map-start-index={o.StartQueue},start-queue={o.StartQueue},queues={o.Queues}");
        return ExitCode.Ok;
    }

    /// <summary>An unbound AF_XDP socket (close-on-exec until handed over).</summary>
    private static int CreateXdpSocket(string ifName, int queue)
    {
        int fd = Libc.Socket(SysSocket.AF_XDP, Libc.SOCK_RAW | Libc.SOCK_CLOEXEC, 0);
        if (fd < 0)
        {
            int errno = Libc.Errno;
            throw new RunFailure($"{ifName} queue {queue}: cannot create an AF_XDP socket: {Libc.StrError(errno)}" +
                (errno == Posix.EPERM ? " (needs CAP_NET_RAW)" : ""));
        }
        return fd;
    }

    /// <summary>Where the link of a pinned map goes (bpffs refuses names with dots).</summary>
    public static string LinkPath(string mapPath) => mapPath + "_link";

    /// <summary>Clears FD_CLOEXEC so that the child inherits the fd.</summary>
    private static void Inherit(int fd)
    {
        if (Libc.Fcntl(fd, Libc.F_SETFD, 0) != 0)
            throw new RunFailure($"fcntl(F_SETFD) on fd {fd}: {Libc.StrError(Libc.Errno)}");
    }

    /// <summary>
    /// Frames per queue that half the hard RLIMIT_MEMLOCK holds for all queues (a power of two, 64..8192): the
    /// child registers its own UMEMs, and the limit is per user, so leave room for a second process.
    /// </summary>
    private static unsafe uint FramesFittingMemlock(int queues)
    {
        Libc.RLimit r;
        if (Libc.GetRlimit(Libc.RLIMIT_MEMLOCK, &r) != 0 || r.Max == ulong.MaxValue)
            return 8192;
        ulong frames = r.Max / 2 / (ulong)queues / FrameSize;
        uint n = 64;
        while (n * 2 <= frames && n < 8192)
            n *= 2;
        return n;
    }

    private static (uint, uint)? ParseOwner(string? text)
    {
        if (text is null)
            return null;
        var parts = text.Split(':');
        if (parts.Length > 2 || !uint.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out uint uid))
            throw new UsageException($"--chown '{text}': expected a numeric UID[:GID]");
        uint gid = uid;
        if (parts.Length == 2 && !uint.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out gid))
            throw new UsageException($"--chown '{text}': '{parts[1]}' is not a numeric GID");
        return (uid, gid);
    }
}
