using XdpAot.Interop;
using XdpAot.Vhost.Memory;
using XdpAot.Vhost.Virtio;

namespace XdpAot.Vhost.Device;

/// <summary>
/// The control thread's record of one vring: what the front-end told us (size, addresses, base, eventfds) and its two
/// states from the spec's "Ring states": started/stopped (SET_VRING_KICK starts it, GET_VRING_BASE stops it) and
/// enabled/disabled (SET_VRING_ENABLE). A started ring is mapped into a <see cref="SplitQueue"/> that a worker runs.
/// </summary>
internal sealed class VringState
{
    public VringState(int index) => Index = index;

    public int Index { get; }

    /// <summary>SET_VRING_NUM; 0 until set.</summary>
    public uint Num;

    public bool AddrSet;
    public ulong DescAddr, AvailAddr, UsedAddr;

    /// <summary>SET_VRING_BASE, and where a stopped ring stopped.</summary>
    public ushort Base;

    public int KickFd = -1, CallFd = -1, ErrFd = -1;

    public bool Started;
    public bool Enabled;

    /// <summary>The running ring, when started and mappable.</summary>
    public SplitQueue? Queue;

    /// <summary>Why a started ring could not be mapped (reported once).</summary>
    public string? MapError;

    /// <summary>The memory and features <see cref="Queue"/> was mapped with; a change re-maps it.</summary>
    public GuestMemory? MappedMemory;
    public ulong MappedFeatures;

    /// <summary>Pair index (rx = 2k, tx = 2k+1).</summary>
    public int Pair => Index / 2;

    public bool IsRx => Index % 2 == 0;

    public string Name => $"vring {Index} ({(IsRx ? "rx" : "tx")} of queue pair {Pair})";

    /// <summary>
    /// Maps (or re-maps) a started ring. A first map takes its position from <see cref="Base"/>; a re-map (memory or
    /// features changed while it ran) carries the running ring's own position over.
    /// </summary>
    public void Map(GuestMemory memory, ulong features)
    {
        if (!Started)
        {
            Queue = null;
            return;
        }
        if (Queue is not null && ReferenceEquals(MappedMemory, memory) && MappedFeatures == features)
            return;
        ushort position = Queue?.NextAvail ?? Base;
        Base = position; // kept if the ring cannot be mapped now (its region went), for when it can again
        Queue = null;
        MapError = null;
        if (Num == 0 || !AddrSet)
        {
            MapError = Num == 0 ? "no SET_VRING_NUM" : "no SET_VRING_ADDR";
            return;
        }
        Queue = SplitQueue.Map(memory, Num, DescAddr, AvailAddr, UsedAddr, position,
            VirtioFeature.Has(features, VirtioFeature.RingEventIdx), VirtioFeature.Has(features, VirtioFeature.RingIndirectDesc), out MapError);
        MappedMemory = memory;
        MappedFeatures = features;
        if (Queue is not null)
        {
            Queue.CallFd = CallFd;
            Queue.ErrFd = ErrFd;
        }
    }

    /// <summary>Stops the ring (GET_VRING_BASE): its position becomes the base; nothing else is reset.</summary>
    public ushort Stop()
    {
        if (Queue is not null)
            Base = Queue.NextAvail;
        Started = false;
        Queue = null;
        MappedMemory = null;
        return Base;
    }

    public static void Replace(ref int slot, int fd)
    {
        if (slot >= 0)
            Libc.Close(slot);
        slot = fd;
    }

    /// <summary>Closes the eventfds.</summary>
    public void CloseFds()
    {
        Replace(ref KickFd, -1);
        Replace(ref CallFd, -1);
        Replace(ref ErrFd, -1);
    }

    /// <summary>Back to the initial state: stopped, disabled, nothing set, fds closed.</summary>
    public void Reset()
    {
        CloseFds();
        Num = 0;
        AddrSet = false;
        DescAddr = AvailAddr = UsedAddr = 0;
        Base = 0;
        Started = Enabled = false;
        Queue = null;
        MapError = null;
        MappedMemory = null;
    }
}
