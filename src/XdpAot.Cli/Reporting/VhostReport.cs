using XdpAot.Vhost.Bridge;
using XdpAot.Vhost.Virtio;

namespace XdpAot.Cli.Reporting;

/// <summary>
/// `xdpaot vhost --json`: one line at exit. "tx" is the guest's transmit direction (guest to wire), "rx" its receive
/// direction (wire to guest), as virtio names them.
/// </summary>
internal sealed class VhostReport
{
    public string Tool { get; init; } = "xdpaot";
    public string Cmd { get; init; } = "vhost";
    public required string Ifname { get; init; }
    public int QueuePairs { get; init; }
    public string? Mode { get; init; }
    public double Seconds { get; init; }
    public int Connections { get; init; }
    public string? StopReason { get; init; }
    public ulong TxFrames { get; init; }
    public ulong TxBytes { get; init; }
    public ulong RxFrames { get; init; }
    public ulong RxBytes { get; init; }
    public ulong TxDiscarded { get; init; }
    public ulong TxBlocked { get; init; }
    public ulong RxStarved { get; init; }
    public ulong RxTooBig { get; init; }
    public ulong RxNoGuest { get; init; }
    public ulong RefusedChains { get; init; }
    public Dictionary<string, ulong> Refused { get; init; } = [];
    public ulong BrokenRings { get; init; }
    public ulong GuestCalls { get; init; }
    public ulong Kicks { get; init; }
    public ulong Wakeups { get; init; }
    public ulong KernelRxDropped { get; init; }
    public ulong KernelRxRingFull { get; init; }
    public ulong KernelRxFillRingEmpty { get; init; }
    public ulong KernelTxInvalid { get; init; }
    public double UserS { get; init; }
    public double SysS { get; init; }
    public double CpuNsPerFrame { get; init; }
    public long LoopAllocBytes { get; init; }

    /// <summary>Chain refusals by reason, only those that happened, named as in <see cref="ChainStatus"/>.</summary>
    public static Dictionary<string, ulong> RefusedByReason(in BridgeCounters c)
    {
        var d = new Dictionary<string, ulong>();
        for (int i = 1; i < 16; i++)
        {
            if (c.Refused[i] != 0)
                d[((ChainStatus)i).ToString()] = c.Refused[i];
        }
        return d;
    }
}
