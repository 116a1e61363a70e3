using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace XdpAot.Umem;

/// <summary>
/// The UMEM frames that are in none of the four rings: a LIFO stack of frame addresses in unmanaged memory.
/// LIFO keeps recently used (cache-warm) frames in circulation.
/// </summary>
public sealed unsafe class FramePool : IDisposable
{
    private ulong* _stack;
    private uint _count;

    /// <summary>A pool able to hold <paramref name="capacity"/> frames, initially empty.</summary>
    public FramePool(uint capacity)
    {
        Capacity = capacity;
        _stack = (ulong*)NativeMemory.Alloc(Math.Max(capacity, 1u), sizeof(ulong));
    }

    /// <summary>Most frames the pool can hold (the UMEM's frame count).</summary>
    public uint Capacity { get; }

    /// <summary>Frames now in the pool.</summary>
    public uint Count => _count;

    /// <summary>Adds every frame of a UMEM: addresses 0, frameSize, … pushed so that address 0 is popped first.</summary>
    public void AddAll(uint frameCount, uint frameSize)
    {
        if (frameCount > Capacity - _count)
            throw new InvalidOperationException($"frame pool overflow: {frameCount} frames added to {_count} of {Capacity}");
        for (uint i = frameCount; i-- > 0;)
            _stack[_count++] = (ulong)i * frameSize;
    }

    /// <summary>Returns a frame to the pool.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Push(ulong address)
    {
        // A push into a full pool means some frame was returned twice: that corrupts the UMEM, so fail loudly.
        if (_count >= Capacity)
            ThrowOverflow();
        _stack[_count++] = address;
    }

    /// <summary>Takes a frame; false when the pool is empty.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryPop(out ulong address)
    {
        if (_count == 0)
        {
            address = 0;
            return false;
        }
        address = _stack[--_count];
        return true;
    }

    /// <summary>Takes exactly one frame; the caller has checked <see cref="Count"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong Pop() => _stack[--_count];

    // Batch access for the data path: one bounds check per batch instead of one per frame, and the stack pointer
    // and count in registers for the whole loop (a loop calling Push/Pop reloads both after every store, because
    // a store through a pointer might have changed them).

    /// <summary>
    /// Room for up to <paramref name="count"/> pushes: write frame addresses upwards from the returned slot, then
    /// call <see cref="Pushed"/> with the number written. Throws like <see cref="Push"/> if they could not fit.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal ulong* PushSlots(uint count)
    {
        if (count > Capacity - _count)
            ThrowOverflow();
        return _stack + _count;
    }

    /// <summary>Completes a <see cref="PushSlots"/>: the first <paramref name="count"/> slots now hold frames.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void Pushed(uint count) => _count += count;

    /// <summary>Returns <paramref name="count"/> frames to the pool at once, in order (the last one is popped first).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void PushRange(ulong* frames, uint count)
    {
        if (count > Capacity - _count)
            ThrowOverflow();
        Unsafe.CopyBlockUnaligned(_stack + _count, frames, count * sizeof(ulong));
        _count += count;
    }

    /// <summary>
    /// The top of the stack for a batch of pops: the next frame <see cref="Pop"/> would return is at index -1, the
    /// one after it at -2, and so on, down to -<see cref="Count"/>. Complete with <see cref="Popped"/>.
    /// </summary>
    internal ulong* Top
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => _stack + _count;
    }

    /// <summary>Completes a batch of pops read below <see cref="Top"/>: <paramref name="count"/> frames left the pool.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void Popped(uint count) => _count -= count;

    /// <inheritdoc />
    public void Dispose()
    {
        NativeMemory.Free(_stack);
        _stack = null;
        _count = 0;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowOverflow() => throw new InvalidOperationException("frame pool overflow: a frame was returned twice");
}
