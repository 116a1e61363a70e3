using System.Runtime.CompilerServices;
using XdpAot.Interop;
using XdpAot.Vhost.Memory;

namespace XdpAot.Vhost.Virtio;

/// <summary>
/// The device side of one split virtqueue in guest memory: takes heads from the avail ring, puts completed chains on
/// the used ring, and decides when the guest needs a call and whether it should kick us. Owned by one bridge worker
/// at a time; the control thread touches it only while that worker is paused.
/// </summary>
/// <remarks>
/// The guest writes avail and reads used concurrently. Each index it owns is read once per use with acquire
/// semantics, and checked: an avail index more than the queue size ahead of ours (a jump, or one that went
/// backwards) marks the queue <see cref="Broken"/> instead of being trusted. Used entries are written first and
/// published with one release store of used.idx per batch.
/// </remarks>
public sealed unsafe class SplitQueue
{
    private readonly byte* _avail;
    private readonly byte* _used;
    private readonly ushort _mask;
    private ushort _nextAvail;
    private ushort _usedIdx;
    private ushort _published;
    private ushort _lastSignalled;
    private bool _signalledValid;
    private readonly bool _eventIdx;

    private SplitQueue(VirtqDesc* desc, byte* avail, byte* used, uint size, GuestMemory memory, ushort nextAvail, ushort usedIdx,
        bool eventIdx, bool indirect)
    {
        Descriptors = desc;
        _avail = avail;
        _used = used;
        Size = size;
        _mask = (ushort)(size - 1);
        Memory = memory;
        _nextAvail = nextAvail;
        _usedIdx = _published = _lastSignalled = usedIdx;
        _eventIdx = eventIdx;
        IndirectAllowed = indirect;
    }

    /// <summary>
    /// Maps a ring whose three parts the front-end gave as its own user addresses. Each part must lie wholly inside
    /// one region and be aligned as the spec requires; otherwise returns null and says why in <paramref name="error"/>.
    /// </summary>
    /// <param name="memory">The regions the ring must lie in.</param>
    /// <param name="size">Entries (SET_VRING_NUM).</param>
    /// <param name="descAddr">Descriptor table, front-end user address.</param>
    /// <param name="availAddr">Avail ring, front-end user address.</param>
    /// <param name="usedAddr">Used ring, front-end user address.</param>
    /// <param name="nextAvail">The next avail index to process (SET_VRING_BASE).</param>
    /// <param name="eventIdx">EVENT_IDX was negotiated.</param>
    /// <param name="indirect">INDIRECT_DESC was negotiated.</param>
    /// <param name="error">Why the ring cannot be mapped, when it returns null.</param>
    public static SplitQueue? Map(GuestMemory memory, uint size, ulong descAddr, ulong availAddr, ulong usedAddr, ushort nextAvail,
        bool eventIdx, bool indirect, out string? error)
    {
        error = null;
        if (!SplitRingLayout.IsValidSize(size))
        {
            error = $"queue size {size} is not a power of two in 1..{SplitRingLayout.MaxQueueSize}";
            return null;
        }
        if (descAddr % SplitRingLayout.DescAlignment != 0 || availAddr % SplitRingLayout.AvailAlignment != 0 || usedAddr % SplitRingLayout.UsedAlignment != 0)
        {
            error = $"ring addresses are misaligned (desc 0x{descAddr:x} needs 16, avail 0x{availAddr:x} 2, used 0x{usedAddr:x} 4)";
            return null;
        }
        byte* desc = memory.MapUserRange(descAddr, SplitRingLayout.DescBytes(size));
        byte* avail = memory.MapUserRange(availAddr, SplitRingLayout.AvailBytes(size));
        byte* used = memory.MapUserRange(usedAddr, SplitRingLayout.UsedBytes(size));
        if (desc is null || avail is null || used is null)
        {
            error = $"ring of {size} entries is not inside one memory region (desc 0x{descAddr:x}: {(desc is null ? "no" : "ok")}, " +
                $"avail 0x{availAddr:x}: {(avail is null ? "no" : "ok")}, used 0x{usedAddr:x}: {(used is null ? "no" : "ok")})";
            return null;
        }
        // A region mapped at an odd offset could misalign what the front-end aligned.
        if (((nuint)avail & 1) != 0 || ((nuint)used & 3) != 0)
        {
            error = "ring parts are misaligned in the mapped region (odd mmap offset)";
            return null;
        }
        // The device's view of used.idx is its own copy: an in-order device has used exactly what it has taken, so
        // the next avail index is also the used index. A front-end that lost track (QEMU after a back-end crash sets
        // the base to used.idx) gets the guest's own used.idx, like DPDK does.
        ushort usedIdx = Volatile.Read(ref *(ushort*)(used + 2));
        if (usedIdx != nextAvail)
            nextAvail = usedIdx;
        return new SplitQueue((VirtqDesc*)desc, avail, used, size, memory, nextAvail, usedIdx, eventIdx, indirect);
    }

    /// <summary>The queue size (a power of two).</summary>
    public uint Size { get; }

    /// <summary>The descriptor table.</summary>
    public VirtqDesc* Descriptors { get; }

    /// <summary>The memory the rings and buffers are in.</summary>
    public GuestMemory Memory { get; }

    /// <summary>INDIRECT_DESC was negotiated.</summary>
    public bool IndirectAllowed { get; }

    /// <summary>The call eventfd (interrupts the guest), or -1 when the front-end polls.</summary>
    public int CallFd { get; set; } = -1;

    /// <summary>The error eventfd, signalled once when the queue breaks, or -1.</summary>
    public int ErrFd { get; set; } = -1;

    /// <summary>The next avail index we will take: what GET_VRING_BASE returns.</summary>
    public ushort NextAvail => _nextAvail;

    /// <summary>Our used index (published or not).</summary>
    public ushort UsedIndex => _usedIdx;

    /// <summary>The guest put more entries on the avail ring than the queue holds: nothing more is taken from it.</summary>
    public bool Broken { get; private set; }

    /// <summary>The bridge has counted this queue's break (so it is counted once).</summary>
    public bool BreakCounted { get; set; }

    /// <summary>Calls made to the guest.</summary>
    public ulong Calls { get; private set; }

    /// <summary>
    /// Heads waiting in the avail ring. Reads avail.idx once; 0 (and <see cref="Broken"/>) if it is more than the
    /// queue size ahead of us.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public uint Available()
    {
        if (Broken)
            return 0;
        ushort availIdx = Volatile.Read(ref *(ushort*)(_avail + 2));
        uint n = (ushort)(availIdx - _nextAvail);
        if (n > Size)
        {
            Break();
            return 0;
        }
        return n;
    }

    /// <summary>Takes the next head (the caller saw it with <see cref="Available"/>); the value is untrusted.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ushort Pop()
    {
        ushort head = *(ushort*)(_avail + 4 + 2 * (uint)(_nextAvail & _mask));
        _nextAvail++;
        return head;
    }

    /// <summary>Puts the last <paramref name="count"/> popped heads back (a receive that found too few buffers).</summary>
    public void Unpop(uint count) => _nextAvail -= (ushort)count;

    /// <summary>Completes a chain: <paramref name="length"/> is how many bytes we wrote into it (0 for transmit).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void AddUsed(uint head, uint length)
    {
        Unsafe.WriteUnaligned(_used + 4 + 8 * (uint)(_usedIdx & _mask), head | (ulong)length << 32);
        _usedIdx++;
    }

    /// <summary>Makes the used entries added since the last call visible to the guest; false if there were none.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool Publish()
    {
        if (_usedIdx == _published)
            return false;
        Volatile.Write(ref *(ushort*)(_used + 2), _usedIdx);
        _published = _usedIdx;
        return true;
    }

    /// <summary>
    /// Publishes the used entries and calls the guest if it asked for it: with EVENT_IDX when used.idx passed its
    /// used_event, otherwise unless it set NO_INTERRUPT. Returns true if a call was made.
    /// </summary>
    public bool PublishAndNotify()
    {
        if (!Publish())
            return false;
        // The guest's used_event / flags must be read after our used.idx store is visible: a store-load fence.
        Interlocked.MemoryBarrier();
        bool need;
        if (_eventIdx)
        {
            ushort usedEvent = Volatile.Read(ref *(ushort*)(_avail + 4 + 2 * Size));
            need = !_signalledValid || EventIdx.NeedsEvent(usedEvent, _usedIdx, _lastSignalled);
        }
        else
        {
            need = (Volatile.Read(ref *(ushort*)_avail) & SplitRingLayout.AvailNoInterrupt) == 0;
        }
        _lastSignalled = _usedIdx;
        _signalledValid = true;
        if (!need || CallFd < 0)
            return false;
        Libc.SignalEventFd(CallFd);
        Calls++;
        return true;
    }

    /// <summary>
    /// Asks the guest to kick us for the next avail entry (before we sleep). The caller must look at
    /// <see cref="Available"/> again afterwards: an entry added before the guest saw this gets no kick.
    /// </summary>
    public void EnableKicks()
    {
        if (_eventIdx)
            Volatile.Write(ref *(ushort*)(_used + 4 + 8 * Size), _nextAvail);
        else
            Volatile.Write(ref *(ushort*)_used, 0);
        Interlocked.MemoryBarrier();
    }

    /// <summary>
    /// Tells the guest not to kick while we poll. Without EVENT_IDX that is used.flags NO_NOTIFY; with it, leaving
    /// avail_event behind is enough (the guest kicks only when it crosses it, once per 2^16 entries).
    /// </summary>
    public void DisableKicks()
    {
        if (!_eventIdx)
            Volatile.Write(ref *(ushort*)_used, SplitRingLayout.UsedNoNotify);
    }

    /// <summary>Marks the queue broken and tells the front-end on the error eventfd (once).</summary>
    public void Break()
    {
        if (Broken)
            return;
        Broken = true;
        if (ErrFd >= 0)
            Libc.SignalEventFd(ErrFd);
    }
}
