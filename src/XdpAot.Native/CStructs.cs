using System.Runtime.InteropServices;
using XdpAot.Native.Header;
using XdpAot.Ports;

namespace XdpAot.Native;

/// <summary>An open port (xdpaot_open): an interface's AF_XDP queues. Only ever seen through a pointer.</summary>
// The pointer is a GC handle; see PortHandle.
[CStruct("xdpaot_port", Opaque = true)]
internal struct XdpaotPort;

/// <summary>
/// A received frame inside the port's memory (xdpaot_recv_peek), valid until xdpaot_recv_release or the next
/// receive call on the queue.
/// </summary>
// Laid out like the core's FrameRef (a pointer, then a 32-bit length): peek writes these directly. The C tests
// check every peeked frame byte for byte, so a layout change there fails them.
[CStruct("xdpaot_frame")]
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct XdpaotFrame
{
    /// <summary>First byte of the frame (its Ethernet header).</summary>
    [CConst] public void* Data;

    /// <summary>Length in bytes; 0 for a descriptor that is not a whole frame (it is dropped and counted in rx_oversize when released).</summary>
    public uint Len;
}

/// <summary>
/// Counters of one queue (<c>xdpaot_get_stats</c>): ours, then the kernel's XDP_STATISTICS. The struct grows
/// at its end only: set <c>size</c> to <c>sizeof(xdpaot_stats)</c> before the call; the library fills the
/// counters that fit in <c>size</c> bytes, leaves the rest untouched and sets <c>size</c> to the bytes it filled.
/// </summary>
// The fields repeat the core's QueueStatistics on purpose: this struct is the frozen C ABI (it may only grow at
// its end), the core's struct may change. From() is the one place the two meet.
[CStruct("xdpaot_stats")]
[StructLayout(LayoutKind.Sequential)]
internal struct XdpaotStats
{
    /// <summary>In: sizeof(xdpaot_stats) as the caller knows it. Out: bytes filled by the library.</summary>
    public uint Size;

    /// <summary>Frames taken by a receive callback or released after peek.</summary>
    public ulong RxPackets;

    /// <summary>Bytes of those frames.</summary>
    public ulong RxBytes;

    /// <summary>Frames accepted by xdpaot_send.</summary>
    public ulong TxPackets;

    /// <summary>Bytes of those frames.</summary>
    public ulong TxBytes;

    /// <summary>Sends that returned 0 because the TX ring or the frame pool was full.</summary>
    public ulong TxFull;

    /// <summary>Received descriptors dropped because they were not one whole frame.</summary>
    public ulong RxOversize;

    /// <summary>Frames given to xdpaot_send that were larger than a UMEM frame: dropped, never truncated.</summary>
    public ulong TxOversize;

    /// <summary>XDP_STATISTICS: frames the kernel dropped for reasons other than invalid descriptors.</summary>
    public ulong RxDropped;

    /// <summary>XDP_STATISTICS: invalid RX descriptors.</summary>
    public ulong RxInvalidDescs;

    /// <summary>XDP_STATISTICS: invalid TX descriptors.</summary>
    public ulong TxInvalidDescs;

    /// <summary>XDP_STATISTICS: frames dropped because the RX ring was full (the caller did not receive fast enough).</summary>
    public ulong RxRingFull;

    /// <summary>XDP_STATISTICS: times the fill ring was empty when a frame arrived.</summary>
    public ulong RxFillRingEmptyDescs;

    /// <summary>XDP_STATISTICS: times the TX ring was empty when the kernel looked for work.</summary>
    public ulong TxRingEmptyDescs;

    /// <summary>The size of the counters' first field: a caller's struct must hold at least <c>size</c> and rx_packets.</summary>
    public const uint MinSize = 16;

    /// <summary>The counters as the C struct, with <see cref="Size"/> set to the full size.</summary>
    public static unsafe XdpaotStats From(in QueueStatistics s) => new()
    {
        Size = (uint)sizeof(XdpaotStats),
        RxPackets = s.RxPackets,
        RxBytes = s.RxBytes,
        TxPackets = s.TxPackets,
        TxBytes = s.TxBytes,
        TxFull = s.TxFull,
        RxOversize = s.RxOversize,
        TxOversize = s.TxOversize,
        RxDropped = s.RxDropped,
        RxInvalidDescs = s.RxInvalidDescs,
        TxInvalidDescs = s.TxInvalidDescs,
        RxRingFull = s.RxRingFull,
        RxFillRingEmptyDescs = s.RxFillRingEmptyDescs,
        TxRingEmptyDescs = s.TxRingEmptyDescs,
    };
}
