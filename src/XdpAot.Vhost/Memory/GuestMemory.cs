using System.Runtime.CompilerServices;

namespace XdpAot.Vhost.Memory;

/// <summary>
/// An immutable view of the guest's memory regions with bounds-checked translation: guest-physical addresses
/// (descriptors) and front-end user addresses (ring addresses) to pointers in this process. Nothing outside the
/// regions can be reached through it. A new view is made for every memory change while the bridge is paused, so the
/// data path reads it without locks.
/// </summary>
public sealed unsafe class GuestMemory
{
    private readonly MemoryRegion[] _regions;

    /// <summary>No memory: every translation fails.</summary>
    public static GuestMemory Empty { get; } = new([]);

    /// <param name="regions">Regions already checked for overlap (<see cref="MemoryTable"/> does it).</param>
    public GuestMemory(MemoryRegion[] regions)
    {
        // Largest first: the linear search then usually stops at the first region (the guest's RAM).
        _regions = [.. regions.OrderByDescending(r => r.Size)];
    }

    /// <summary>The regions, largest first.</summary>
    public IReadOnlyList<MemoryRegion> Regions => _regions;

    /// <summary>
    /// Translates the start of a guest-physical range: <paramref name="contiguous"/> is how many of its
    /// <paramref name="length"/> bytes (at least 1) lie in the same region from there. False when
    /// <paramref name="gpa"/> is in no region.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryMapGuest(ulong gpa, ulong length, out byte* host, out ulong contiguous)
    {
        var regions = _regions;
        for (int i = 0; i < regions.Length; i++)
        {
            var r = regions[i];
            ulong offset = gpa - r.GuestPhysAddr; // wraps to a huge value below the region
            if (offset < r.Size)
            {
                ulong left = r.Size - offset;
                contiguous = length < left ? length : left;
                host = r.Host + offset;
                return true;
            }
        }
        host = null;
        contiguous = 0;
        return false;
    }

    /// <summary>A guest-physical range that lies wholly inside one region, or null.</summary>
    public byte* MapGuestRange(ulong gpa, ulong length)
    {
        if (length == 0 || !TryMapGuest(gpa, length, out byte* host, out ulong contiguous) || contiguous != length)
            return null;
        return host;
    }

    /// <summary>A front-end user-address range (a ring) that lies wholly inside one region, or null.</summary>
    public byte* MapUserRange(ulong userAddr, ulong length)
    {
        if (length == 0)
            return null;
        foreach (var r in _regions)
        {
            ulong offset = userAddr - r.UserAddr;
            if (offset < r.Size && length <= r.Size - offset)
                return r.Host + offset;
        }
        return null;
    }
}
