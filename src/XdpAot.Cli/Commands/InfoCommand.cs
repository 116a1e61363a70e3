using XdpAot.Interop;
using XdpAot.Cli.Cli;
using XdpAot.Cli.Interop;
using XdpAot.Cli.Reporting;
using XdpAot.Cli.Traffic;
using XdpAot.Devices;
using XdpAot.Options;
using XdpAot.Ports;

namespace XdpAot.Cli.Commands;

/// <summary>
/// <c>xdpaot info</c>: what AF_XDP can do on an interface. Queue counts (ETHTOOL_GCHANNELS), MTU and the UMEM
/// frame size it needs, the XDP programs attached now (netlink IFLA_XDP, matched to BPF links), and, for each
/// attach mode, a real trial: attach our program through a BPF link, bind a small socket, read back whether the
/// kernel gave zero-copy, detach.
/// </summary>
internal sealed class InfoCommand : ICommand
{
    /// <summary>Copy mode puts a frame XDP_PACKET_HEADROOM (256) bytes into its UMEM chunk.</summary>
    private const uint XdpPacketHeadroom = 256;

    private static readonly OptionSpec NoProbe = new("no-probe", '\0', null, "only read: do not try attaching in each mode");
    private static readonly OptionSpec Json = new("json", '\0', null, "print one JSON object instead of text");

    public CommandSpec Spec { get; } = new(
        "info",
        "show queues, XDP modes, zero-copy, MTU and frame size, and the XDP programs attached to an interface",
        ["-i IF [-q QUEUE] [--no-probe] [--json]"],
        [CommonOptions.Interface, new("queue", 'q', "Q", "queue to bind the trial sockets to (default 0)"), NoProbe, Json],
        ["xdpaot info -i eth0",
         "xdpaot info -i veth0 --json",
         "xdpaot info -i eth0 --no-probe     # read only: nothing is attached, no privileges needed"],
        "Modes are found out by trying them: for native and skb in turn, the default XSK program is attached through " +
        "a BPF link and a 64-frame AF_XDP socket is bound to the queue without forcing copy or zero-copy, so the kernel " +
        "picks zero-copy where the driver offers it; everything is released at once. A mode that fails shows the " +
        "kernel's error and what it usually means. Trials are skipped while another program is attached (they would " +
        "fail with EBUSY and say nothing about the driver). Needs root (CAP_NET_ADMIN, CAP_BPF, CAP_NET_RAW).");

    public int Run(ParsedArgs a)
    {
        string ifName = a.Get("interface") ?? throw new UsageException("-i IF is required");
        int queue = a.GetInt("queue", 0, 0, 4095);
        uint ifIndex = NetDevice.IndexOf(ifName);
        var channels = NetDevice.GetChannels(ifName);
        int? mtu = NetDevice.Mtu(ifName);
        byte[]? mac = NetDevice.MacAddress(ifName);
        var notes = new List<string>();

        var attached = Attached(ifName, ifIndex, notes);
        var modes = new List<ModeReport>();
        if (a.Has("no-probe"))
        {
            notes.Add("modes not tried (--no-probe)");
        }
        else if (attached.Count > 0)
        {
            notes.Add("modes not tried: a program is attached already (a trial would only fail with EBUSY); detach it first");
        }
        else
        {
            foreach (var mode in new[] { XdpMode.Native, XdpMode.Skb })
                modes.Add(Probe(ifName, queue, mode, mtu));
        }

        var (needed, frameNote) = FrameSize(mtu);
        var report = new InfoReport
        {
            Ifname = ifName,
            Ifindex = ifIndex,
            Mac = mac is null ? null : Addresses.FormatMac(mac),
            Mtu = mtu,
            FrameSizeNeeded = needed,
            FrameSizeNote = frameNote,
            Channels = channels is { } c ? new ChannelsReport
            {
                Rx = c.Rx, Tx = c.Tx, Combined = c.Combined, MaxRx = c.MaxRx, MaxTx = c.MaxTx, MaxCombined = c.MaxCombined, Active = c.Active,
            } : null,
            Attached = [.. attached],
            Modes = [.. modes],
            Notes = [.. notes],
        };
        if (a.Has("json"))
            Console.Out.WriteLine(CliJson.Serialize(report));
        else
            WriteText(report, channels);
        return ExitCode.Ok;
    }

    private static List<AttachedReport> Attached(string ifName, uint ifIndex, List<string> notes)
    {
        var list = new List<AttachedReport>();
        var state = NetlinkXdp.Query(ifIndex, out int errno);
        if (state is not { } s)
        {
            notes.Add($"netlink query of {ifName} failed: {Libc.StrError(errno)}");
            return list;
        }
        var links = BpfObjects.XdpLinks(out int linkErrno);
        if (links is null)
            notes.Add($"BPF links not listed: {Libc.StrError(linkErrno)} (needs CAP_SYS_ADMIN)");
        void Add(string mode, uint progId)
        {
            if (progId == 0)
                return;
            // Link ifindexes are per namespace: match on the program as well.
            var link = links?.FirstOrDefault(l => l.ProgramId == progId && l.IfIndex == ifIndex);
            list.Add(new AttachedReport
            {
                Mode = mode,
                ProgId = progId,
                ProgName = BpfObjects.ProgramName(progId),
                LinkId = link is { LinkId: not 0 } l ? l.LinkId : null,
            });
        }
        Add("native", s.NativeId);
        Add("skb", s.SkbId);
        Add("hw", s.HardwareId);
        return list;
    }

    private static ModeReport Probe(string ifName, int queue, XdpMode mode, int? mtu)
    {
        string name = mode == XdpMode.Native ? "native" : "skb";
        var options = new PortOptions
        {
            IfName = ifName,
            Mode = mode,
            StartQueue = queue,
            FrameCount = 64,
            RxSize = 64,
            TxSize = 64,
            FillSize = 64,
            CompletionSize = 64,
        };
        try
        {
            using var port = Port.Open(options);
            bool zc = port.Queues[0].ZeroCopy;
            return new ModeReport
            {
                Mode = name,
                Supported = true,
                ZeroCopy = zc,
                Detail = zc ? $"attached, bound queue {queue} in zero-copy mode, detached"
                    : $"attached, bound queue {queue} in copy mode (the driver offers no AF_XDP zero-copy here), detached",
            };
        }
        catch (XdpException e)
        {
            return new ModeReport { Mode = name, Supported = false, Detail = e.Message + Why(mode, e.Errno, mtu) };
        }
    }

    /// <summary>What an attach or bind error usually means, beyond what the core's message says.</summary>
    private static string Why(XdpMode mode, int errno, int? mtu) => -errno switch
    {
        Posix.ERANGE when mode == XdpMode.Native =>
            $"; the MTU{(mtu is { } m ? $" ({m})" : "")} is too large for native XDP without multi-buffer (veth allows about 3500): lower it or use skb mode",
        Posix.EOPNOTSUPP when mode == XdpMode.Native => "; the driver implements no native XDP (ndo_bpf): skb mode works everywhere",
        Posix.EBUSY => "; another program or AF_XDP socket holds the interface or queue",
        Posix.ENETDOWN => "; bring the interface up (ip link set dev IF up)",
        Posix.EPERM => "; run as root",
        _ => "",
    };

    /// <summary>The UMEM frame size a full-size frame needs in copy mode (the frame starts 256 bytes in).</summary>
    private static (uint?, string) FrameSize(int? mtu)
    {
        if (mtu is not { } m)
            return (null, "MTU unknown");
        uint frame = (uint)m + 14;
        if (frame <= 2048 - XdpPacketHeadroom)
            return (2048, $"an MTU-sized frame is {frame} bytes: frame-size=2048 holds it (4096, the default, too)");
        if (frame <= 4096 - XdpPacketHeadroom)
            return (4096, $"an MTU-sized frame is {frame} bytes: needs frame-size=4096 (the default)");
        return (null, $"an MTU-sized frame is {frame} bytes: more than a 4096-byte frame holds ({4096 - XdpPacketHeadroom} after the headroom); needs multi-buffer AF_XDP, or a lower MTU");
    }

    private static void WriteText(InfoReport r, NetDevice.Channels? ch)
    {
        var o = Console.Out;
        o.WriteLine($"{r.Ifname}: ifindex {r.Ifindex}, MAC {r.Mac ?? "?"}, MTU {(r.Mtu is { } m ? m.ToString(System.Globalization.CultureInfo.InvariantCulture) : "?")}");
        if (ch is { } c)
            o.WriteLine($"  queues: rx {c.Rx} (max {c.MaxRx}), tx {c.Tx} (max {c.MaxTx}), combined {c.Combined} (max {c.MaxCombined}); " +
                $"AF_XDP can use queues 0..{c.Active - 1} (queues={c.Active})");
        else
            o.WriteLine("  queues: the driver does not report channels (ETHTOOL_GCHANNELS): one queue, 0");
        o.WriteLine($"  frame size: {r.FrameSizeNote}");
        if (r.Attached.Length == 0)
            o.WriteLine("  attached now: no XDP program");
        foreach (var at in r.Attached)
            o.WriteLine($"  attached now: program {at.ProgId} \"{at.ProgName ?? "?"}\" in {at.Mode} mode " +
                (at.LinkId is { } l ? $"through BPF link {l} (goes when its last fd closes)" : "by netlink (stays until detached: ip link set dev IF xdp off)"));
        if (r.Modes.Length > 0)
        {
            o.WriteLine("  modes (each tried: attach through a BPF link, bind a socket, detach):");
            foreach (var md in r.Modes)
                o.WriteLine($"    {md.Mode,-7} {(md.Supported ? "yes" : "no "),-4} " +
                    (md.Supported ? $"zero-copy: {(md.ZeroCopy == true ? "yes" : "no")}; " : "") + md.Detail);
        }
        foreach (var n in r.Notes)
            o.WriteLine($"  note: {n}");
    }
}
