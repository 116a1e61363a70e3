using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using XdpAot.Vhost.Virtio;

namespace XdpAot.Vhost.Bridge;

/// <summary>Refused chains, by <see cref="ChainStatus"/>.</summary>
[InlineArray(16)]
public struct ChainStatusCounts
{
    private ulong _first;
}

/// <summary>
/// One worker's counters, in unmanaged memory of the worker's own (a cache line away from any other worker's):
/// the loop adds to them with plain stores once per batch, the control thread reads them for the live line. A 64-bit
/// load does not tear on x64, so a reader sees each counter whole, if not all of them from the same instant.
/// "Tx" is the guest's transmit direction (guest to wire), "Rx" its receive direction (wire to guest).
/// </summary>
[StructLayout(LayoutKind.Sequential)]
public struct BridgeCounters
{
    /// <summary>Frames taken from the guest's TX rings and queued on AF_XDP.</summary>
    public ulong TxFrames;
    /// <summary>Bytes of those frames.</summary>
    public ulong TxBytes;

    /// <summary>Frames from AF_XDP written into the guest's RX buffers.</summary>
    public ulong RxFrames;
    /// <summary>Bytes of those frames.</summary>
    public ulong RxBytes;

    /// <summary>TX chains completed without sending because their ring is disabled (the spec's "discard").</summary>
    public ulong TxDiscarded;

    /// <summary>Frames from AF_XDP dropped because no guest RX ring is running to take them.</summary>
    public ulong RxNoGuest;

    /// <summary>Frames dropped because the guest's buffers could not hold them (never truncated).</summary>
    public ulong RxTooBig;

    /// <summary>Passes that found the AF_XDP TX ring full (guest TX stayed in its ring).</summary>
    public ulong TxBlocked;

    /// <summary>Frames refused because the guest had no RX buffers (they stayed in the AF_XDP RX ring).</summary>
    public ulong RxStarved;

    /// <summary>Interrupts (call eventfd writes) sent to the guest.</summary>
    public ulong GuestCalls;

    /// <summary>Kicks read from the guest's kick eventfds.</summary>
    public ulong Kicks;

    /// <summary>Times the worker woke from a sleep.</summary>
    public ulong Wakeups;

    /// <summary>Rings that broke (avail index out of range): nothing more is taken from them until restarted.</summary>
    public ulong BrokenRings;

    /// <summary>Chains refused and completed with length 0, by reason (TooLong: frames larger than a UMEM frame).</summary>
    public ChainStatusCounts Refused;

    /// <summary>All refused chains.</summary>
    public readonly ulong RefusedTotal
    {
        get
        {
            ulong sum = 0;
            for (int i = 0; i < 16; i++)
                sum += Refused[i];
            return sum;
        }
    }

    /// <summary>Adds another worker's counters (for totals).</summary>
    public void Add(in BridgeCounters o)
    {
        TxFrames += o.TxFrames;
        TxBytes += o.TxBytes;
        RxFrames += o.RxFrames;
        RxBytes += o.RxBytes;
        TxDiscarded += o.TxDiscarded;
        RxNoGuest += o.RxNoGuest;
        RxTooBig += o.RxTooBig;
        TxBlocked += o.TxBlocked;
        RxStarved += o.RxStarved;
        GuestCalls += o.GuestCalls;
        Kicks += o.Kicks;
        Wakeups += o.Wakeups;
        BrokenRings += o.BrokenRings;
        for (int i = 0; i < 16; i++)
            Refused[i] += o.Refused[i];
    }
}
