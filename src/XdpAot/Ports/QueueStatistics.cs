using System.Runtime.InteropServices;

namespace XdpAot.Ports;

/// <summary>Per-queue counters: ours, then the kernel's XDP_STATISTICS.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct QueueStatistics
{
    /// <summary>Frames taken by the receive handler (or released after peek).</summary>
    public ulong RxPackets;
    /// <summary>Bytes of those frames.</summary>
    public ulong RxBytes;
    /// <summary>Frames accepted by send.</summary>
    public ulong TxPackets;
    /// <summary>Bytes of those frames.</summary>
    public ulong TxBytes;
    /// <summary>Sends refused because the TX ring or the frame pool was full.</summary>
    public ulong TxFull;
    /// <summary>Received descriptors dropped because they did not fit one frame (multi-buffer or bad length).</summary>
    public ulong RxOversize;
    /// <summary>Frames given to send that were larger than a UMEM frame: dropped, not truncated.</summary>
    public ulong TxOversize;
    /// <summary>XDP_STATISTICS: frames dropped for other reasons than an invalid descriptor.</summary>
    public ulong RxDropped;
    /// <summary>XDP_STATISTICS: invalid RX descriptors.</summary>
    public ulong RxInvalidDescs;
    /// <summary>XDP_STATISTICS: invalid TX descriptors.</summary>
    public ulong TxInvalidDescs;
    /// <summary>XDP_STATISTICS: frames dropped because the RX ring was full.</summary>
    public ulong RxRingFull;
    /// <summary>XDP_STATISTICS: times the fill ring was empty when a frame arrived.</summary>
    public ulong RxFillRingEmptyDescs;
    /// <summary>XDP_STATISTICS: times the TX ring was empty when the kernel looked for work.</summary>
    public ulong TxRingEmptyDescs;
}

/// <summary>Where each UMEM frame of a queue is: every frame is in exactly one place.</summary>
public readonly record struct FrameCounts(uint Free, uint Fill, uint Rx, uint Tx, uint Completion)
{
    /// <summary>All frames accounted for; equals the UMEM's frame count when nothing leaked.</summary>
    public uint Total => Free + Fill + Rx + Tx + Completion;
}
