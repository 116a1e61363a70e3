using System.Runtime.CompilerServices;
using XdpAot.Interop;

namespace XdpAot.Rings;

/// <summary>
/// The user-space producer side of a Fill or TX ring, laid out as libxdp's <c>struct xsk_ring_prod</c> so either
/// our socket code or libxdp can set it up and the same code drives it.
/// </summary>
/// <remarks>
/// Memory ordering follows the kernel's contract (Documentation/networking/af_xdp.rst, libxdp's xsk.h): the
/// consumer index the kernel publishes is read with acquire semantics before we reuse the slots it freed, and our
/// producer index is published with release semantics after the descriptors are written. Cached copies of both
/// indices keep the shared cache lines out of the common path.
/// </remarks>
public readonly unsafe struct ProducerRing
{
    private readonly xsk_ring_prod* _r;

    /// <summary>Wraps a ring whose fields have already been set up (by <see cref="RingSetup"/> or libxdp).</summary>
    public ProducerRing(xsk_ring_prod* ring) => _r = ring;

    /// <summary>The libxdp-compatible ring state.</summary>
    public xsk_ring_prod* Native => _r;

    /// <summary>Number of descriptors in the ring (a power of two).</summary>
    public uint Size
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => _r->size;
    }

    /// <summary>
    /// Free slots, refreshing the cached consumer index only when the cached view cannot satisfy <paramref name="wanted"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public uint Free(uint wanted)
    {
        uint free = _r->cached_cons - _r->cached_prod;
        if (free >= wanted)
            return free;
        // The consumer index counts up without wrapping at size; adding size turns it into the last usable slot.
        _r->cached_cons = Volatile.Read(ref *_r->consumer) + _r->size;
        return _r->cached_cons - _r->cached_prod;
    }

    /// <summary>Reserves exactly <paramref name="count"/> slots or none; returns the count reserved.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public uint Reserve(uint count, out uint index)
    {
        index = _r->cached_prod;
        if (Free(count) < count)
            return 0;
        _r->cached_prod += count;
        return count;
    }

    /// <summary>Reserves as many of <paramref name="count"/> slots as are free (maybe none); returns the count reserved.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public uint ReserveUpTo(uint count, out uint index)
    {
        Free(count); // refreshes the view when it has too little room
        return ReserveUpToCached(count, out index);
    }

    /// <summary>
    /// Reserves as many of <paramref name="count"/> slots as are free as last seen, without reading the kernel's
    /// consumer index (a cache line the kernel writes as it consumes): for polls that would otherwise touch it on
    /// every pass.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public uint ReserveUpToCached(uint count, out uint index)
    {
        index = _r->cached_prod;
        uint free = _r->cached_cons - index;
        if (count > free)
            count = free;
        _r->cached_prod = index + count;
        return count;
    }

    /// <summary>True when at least one slot is free as last seen (no look at the kernel's index).</summary>
    public bool HasRoom
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => _r->cached_cons != _r->cached_prod;
    }

    /// <summary>Reserves one slot that <see cref="Free"/> or <see cref="HasRoom"/> has just reported; returns its index.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public uint ReserveOne() => _r->cached_prod++;

    /// <summary>The index of the next slot to reserve (the first one <see cref="Free"/> counts).</summary>
    internal uint NextIndex
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => _r->cached_prod;
    }

    /// <summary>Reserves the next <paramref name="count"/> slots, which <see cref="Free"/> has reported: a reserve in two steps.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void Take(uint count) => _r->cached_prod += count;

    /// <summary>Publishes <paramref name="count"/> reserved slots to the kernel.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Submit(uint count) => Volatile.Write(ref *_r->producer, *_r->producer + count);

    /// <summary>Gives back reserved slots that were not written.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Cancel(uint count) => _r->cached_prod -= count;

    /// <summary>The Fill-ring slot (a UMEM address) at a reserved index.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ref ulong Address(uint index) => ref ((ulong*)_r->ring)[index & _r->mask];

    /// <summary>The TX-ring descriptor at a reserved index.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ref xdp_desc Descriptor(uint index) => ref ((xdp_desc*)_r->ring)[index & _r->mask];

    /// <summary>Index mask of the ring (size - 1), for loops that address the slots directly.</summary>
    internal uint Mask
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => _r->mask;
    }

    /// <summary>The Fill-ring slots, for loops that keep the ring base in a register.</summary>
    internal ulong* Addresses
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => (ulong*)_r->ring;
    }

    /// <summary>The TX-ring descriptors, for loops that keep the ring base in a register.</summary>
    internal xdp_desc* Descriptors
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => (xdp_desc*)_r->ring;
    }

    /// <summary>True when the kernel asked to be woken (XDP_RING_NEED_WAKEUP) to process this ring.</summary>
    public bool NeedsWakeup
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => (Volatile.Read(ref *_r->flags) & IfXdp.XDP_RING_NEED_WAKEUP) != 0;
    }

    /// <summary>Slots submitted to the kernel and not yet consumed by it (as last seen).</summary>
    public uint Outstanding => *_r->producer - (_r->cached_cons - _r->size);

    /// <summary>Slots the kernel has not consumed yet, re-reading its consumer index.</summary>
    public uint Pending => *_r->producer - Volatile.Read(ref *_r->consumer);
}
