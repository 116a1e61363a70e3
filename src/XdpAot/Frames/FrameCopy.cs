using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace XdpAot.Frames;

/// <summary>
/// Copies a frame into or out of the UMEM, inline and without calling memmove: frames of 16..64 bytes (minimum-size
/// frames, ACKs: most of what a VMM moves that is not bulk data) take two or four overlapping 16-byte moves, larger
/// ones a loop of 64-byte steps, runts two overlapping small moves. A call in the callers' per-frame loops would cost
/// more than the copy: for 64 bytes about 14 instructions instead of a 34-instruction call, and no registers spilled
/// around it (callgrind, perf/gate).
/// </summary>
public static class FrameCopy
{
    /// <summary>
    /// Copies <paramref name="source"/> to the start of <paramref name="destination"/>; returns its length. The
    /// destination must be at least as long (as <see cref="Span{T}.CopyTo"/>, it throws otherwise). The two must
    /// not overlap.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Copy(ReadOnlySpan<byte> source, Span<byte> destination)
    {
        if ((uint)source.Length > (uint)destination.Length)
            ThrowDestinationTooShort();
        Copy(ref MemoryMarshal.GetReference(destination), ref MemoryMarshal.GetReference(source), (uint)source.Length);
        return source.Length;
    }

    /// <summary>Copies <paramref name="length"/> bytes; the ranges must not overlap.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Copy(ref byte destination, ref byte source, uint length)
    {
        if (IsSmall(length))
            CopySmall(ref destination, ref source, length);
        else if (length > 64)
            CopyLarge(ref destination, ref source, length);
        else
            CopyTiny(ref destination, ref source, length);
    }

    /// <summary>Copies 0..15 bytes (runts, never valid Ethernet frames, but copied right) with two overlapping moves.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CopyTiny(ref byte destination, ref byte source, uint length)
    {
        if (length >= 8)
        {
            ulong a = Unsafe.ReadUnaligned<ulong>(ref source), b = Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref source, length - 8));
            Unsafe.WriteUnaligned(ref destination, a);
            Unsafe.WriteUnaligned(ref Unsafe.Add(ref destination, length - 8), b);
        }
        else if (length >= 4)
        {
            uint a = Unsafe.ReadUnaligned<uint>(ref source), b = Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref source, length - 4));
            Unsafe.WriteUnaligned(ref destination, a);
            Unsafe.WriteUnaligned(ref Unsafe.Add(ref destination, length - 4), b);
        }
        else if (length != 0)
        {
            // 1..3 bytes: first, middle and last (the same byte where the length is 1 or 2).
            byte a = source, b = Unsafe.Add(ref source, length / 2), c = Unsafe.Add(ref source, length - 1);
            destination = a;
            Unsafe.Add(ref destination, length / 2) = b;
            Unsafe.Add(ref destination, length - 1) = c;
        }
    }

    /// <summary>
    /// Copies more than 64 bytes in 64-byte steps, the last step overlapping the one before. Inline, not a call to
    /// memmove: a call in a per-frame loop makes the JIT keep the loop's values in the few registers that survive
    /// calls, and spill the rest on every frame (the batched send lost ~5 instructions per frame to that).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void CopyLarge(ref byte destination, ref byte source, uint length)
    {
        nuint last = length - 64u;
        nuint i = 0;
        do
        {
            Copy64(ref Unsafe.Add(ref destination, i), ref Unsafe.Add(ref source, i));
            i += 64;
        }
        while (i < last);
        Copy64(ref Unsafe.Add(ref destination, last), ref Unsafe.Add(ref source, last));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Copy64(ref byte destination, ref byte source)
    {
        if (Vector256.IsHardwareAccelerated)
        {
            var a = Vector256.LoadUnsafe(ref source);
            var b = Vector256.LoadUnsafe(ref source, 32);
            a.StoreUnsafe(ref destination);
            b.StoreUnsafe(ref destination, 32);
        }
        else
        {
            var a = Vector128.LoadUnsafe(ref source);
            var b = Vector128.LoadUnsafe(ref source, 16);
            var c = Vector128.LoadUnsafe(ref source, 32);
            var d = Vector128.LoadUnsafe(ref source, 48);
            a.StoreUnsafe(ref destination);
            b.StoreUnsafe(ref destination, 16);
            c.StoreUnsafe(ref destination, 32);
            d.StoreUnsafe(ref destination, 48);
        }
    }

    /// <summary>True for the lengths <see cref="CopySmall"/> handles: 16..64 bytes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool IsSmall(uint length) => length - 16 <= 48;

    /// <summary>Copies 16..64 bytes with overlapping 16-byte moves, all loaded before any store.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void CopySmall(ref byte destination, ref byte source, uint length)
    {
        if (length >= 32)
        {
            // 32..64 bytes: the first 32 and the last 32.
            var a = Vector128.LoadUnsafe(ref source);
            var b = Vector128.LoadUnsafe(ref source, 16);
            var c = Vector128.LoadUnsafe(ref source, length - 32);
            var d = Vector128.LoadUnsafe(ref source, length - 16);
            a.StoreUnsafe(ref destination);
            b.StoreUnsafe(ref destination, 16);
            c.StoreUnsafe(ref destination, length - 32);
            d.StoreUnsafe(ref destination, length - 16);
        }
        else
        {
            // 16..31 bytes: the first 16 and the last 16.
            var a = Vector128.LoadUnsafe(ref source);
            var d = Vector128.LoadUnsafe(ref source, length - 16);
            a.StoreUnsafe(ref destination);
            d.StoreUnsafe(ref destination, length - 16);
        }
    }

    // Not NoInlining: the JIT then sees that this never returns and keeps the call out of its callers' hot paths.
    [DoesNotReturn]
    private static void ThrowDestinationTooShort() =>
        throw new ArgumentException("destination is shorter than the frame", "destination");
}
