using System.Runtime.CompilerServices;
using XdpAot.Interop;

namespace XdpAot.Rings;

/// <summary>
/// The user-space consumer side of an RX or Completion ring, laid out as libxdp's <c>struct xsk_ring_cons</c>.
/// </summary>
/// <remarks>
/// The kernel's producer index is read with acquire semantics before the descriptors it covers are read; our
/// consumer index is published with release semantics after we are done with them, so the kernel never
/// overwrites a descriptor still being read.
/// </remarks>
public readonly unsafe struct ConsumerRing
{
    private readonly xsk_ring_cons* _r;

    /// <summary>Wraps a ring whose fields have already been set up (by <see cref="RingSetup"/> or libxdp).</summary>
    public ConsumerRing(xsk_ring_cons* ring) => _r = ring;

    /// <summary>The libxdp-compatible ring state.</summary>
    public xsk_ring_cons* Native => _r;

    /// <summary>Number of descriptors in the ring (a power of two).</summary>
    public uint Size
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => _r->size;
    }

    /// <summary>Entries ready, at most <paramref name="max"/>; the producer index is re-read only when the cache is empty.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public uint Available(uint max)
    {
        uint entries = _r->cached_prod - _r->cached_cons;
        if (entries == 0)
        {
            _r->cached_prod = Volatile.Read(ref *_r->producer);
            entries = _r->cached_prod - _r->cached_cons;
        }
        return entries > max ? max : entries;
    }

    /// <summary>Takes up to <paramref name="max"/> ready entries; returns how many, and the first index.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public uint Peek(uint max, out uint index)
    {
        uint entries = Available(max);
        index = _r->cached_cons;
        _r->cached_cons += entries;
        return entries;
    }

    /// <summary>The index of the first entry <see cref="Available"/> counts (the next one <see cref="Peek"/> takes).</summary>
    internal uint NextIndex
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => _r->cached_cons;
    }

    /// <summary>Takes the first <paramref name="count"/> entries that <see cref="Available"/> counted: a peek in two steps.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void Take(uint count) => _r->cached_cons += count;

    /// <summary>Entries peeked (taken) and not yet released.</summary>
    internal uint Held
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => _r->cached_cons - *_r->consumer;
    }

    /// <summary>Hands <paramref name="count"/> peeked entries back to the kernel.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Release(uint count) => Volatile.Write(ref *_r->consumer, *_r->consumer + count);

    /// <summary>Un-peeks entries that were not consumed, so the next peek returns them again.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Cancel(uint count) => _r->cached_cons -= count;

    /// <summary>The Completion-ring slot (a UMEM address) at a peeked index.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong Address(uint index) => ((ulong*)_r->ring)[index & _r->mask];

    /// <summary>The RX-ring descriptor at a peeked index.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ref readonly xdp_desc Descriptor(uint index) => ref ((xdp_desc*)_r->ring)[index & _r->mask];

    /// <summary>Index mask of the ring (size - 1), for loops that address the slots directly.</summary>
    internal uint Mask
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => _r->mask;
    }

    /// <summary>The Completion-ring slots, for loops that keep the ring base in a register.</summary>
    internal ulong* Addresses
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => (ulong*)_r->ring;
    }

    /// <summary>The RX-ring descriptors, for loops that keep the ring base in a register.</summary>
    internal xdp_desc* Descriptors
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => (xdp_desc*)_r->ring;
    }

    /// <summary>Entries produced by the kernel and not yet released by us (re-reads the producer index).</summary>
    public uint Unreleased => Volatile.Read(ref *_r->producer) - *_r->consumer;
}
