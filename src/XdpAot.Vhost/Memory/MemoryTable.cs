namespace XdpAot.Vhost.Memory;

/// <summary>
/// The regions one connection has given us (SET_MEM_TABLE, ADD_MEM_REG, REM_MEM_REG), owned here and unmapped when
/// replaced, removed or at the end of the connection. Refuses regions that overlap another in guest-physical or
/// user address space, and more regions than the limit. Every change produces a new <see cref="GuestMemory"/>.
/// </summary>
public sealed class MemoryTable : IDisposable
{
    private readonly List<MemoryRegion> _regions = [];

    /// <param name="maxRegions">ADD_MEM_REG's limit (GET_MAX_MEM_SLOTS); SET_MEM_TABLE carries at most 8.</param>
    public MemoryTable(int maxRegions) => MaxRegions = maxRegions;

    /// <summary>The most regions the table holds.</summary>
    public int MaxRegions { get; }

    /// <summary>The current view.</summary>
    public GuestMemory View { get; private set; } = GuestMemory.Empty;

    /// <summary>Regions held now.</summary>
    public int Count => _regions.Count;

    /// <summary>
    /// Replaces every region with <paramref name="regions"/> (SET_MEM_TABLE). Checked as a whole before anything
    /// changes; on failure the new mappings are released and the old table stays. Returns the old regions, which
    /// the caller disposes once nothing uses them.
    /// </summary>
    public List<MemoryRegion> Replace(IReadOnlyList<MemoryRegion> regions)
    {
        try
        {
            for (int i = 0; i < regions.Count; i++)
                for (int j = 0; j < i; j++)
                    CheckDisjoint(regions[j], regions[i]);
        }
        catch
        {
            foreach (var r in regions)
                r.Dispose();
            throw;
        }
        var old = new List<MemoryRegion>(_regions);
        _regions.Clear();
        _regions.AddRange(regions);
        View = new GuestMemory([.. _regions]);
        return old;
    }

    /// <summary>
    /// Adds one region (ADD_MEM_REG); if it overlaps another or the table is full, disposes it and throws. A region
    /// identical to one held (a front-end that sends its whole table again on a restart) changes nothing: it is
    /// disposed and false is returned.
    /// </summary>
    public bool Add(MemoryRegion region)
    {
        if (_regions.Any(r => r.GuestPhysAddr == region.GuestPhysAddr && r.Size == region.Size && r.UserAddr == region.UserAddr && r.MmapOffset == region.MmapOffset))
        {
            region.Dispose();
            return false;
        }
        try
        {
            if (_regions.Count >= MaxRegions)
                throw new GuestMemoryException($"ADD_MEM_REG: already {_regions.Count} regions, the limit (GET_MAX_MEM_SLOTS) is {MaxRegions}");
            foreach (var r in _regions)
                CheckDisjoint(r, region);
        }
        catch
        {
            region.Dispose();
            throw;
        }
        _regions.Add(region);
        View = new GuestMemory([.. _regions]);
        return true;
    }

    /// <summary>
    /// Removes the region with this guest address, user address and size (REM_MEM_REG; the mmap offset is not
    /// compared, as the spec says) and returns it for the caller to dispose once nothing uses it.
    /// </summary>
    public MemoryRegion Remove(ulong gpa, ulong size, ulong userAddr)
    {
        int i = _regions.FindIndex(r => r.GuestPhysAddr == gpa && r.Size == size && r.UserAddr == userAddr);
        if (i < 0)
            throw new GuestMemoryException($"REM_MEM_REG: no region at GPA 0x{gpa:x} size 0x{size:x} user address 0x{userAddr:x}");
        var region = _regions[i];
        _regions.RemoveAt(i);
        View = new GuestMemory([.. _regions]);
        return region;
    }

    private static void CheckDisjoint(MemoryRegion a, MemoryRegion b)
    {
        if (a.OverlapsGuest(b.GuestPhysAddr, b.Size))
            throw new GuestMemoryException($"region {b} overlaps region {a} in guest-physical addresses");
        if (a.OverlapsUser(b.UserAddr, b.Size))
            throw new GuestMemoryException($"region {b} overlaps region {a} in front-end user addresses");
    }

    /// <summary>Unmaps every region; the view becomes empty and the table can be filled again.</summary>
    public void Clear()
    {
        foreach (var r in _regions)
            r.Dispose();
        _regions.Clear();
        View = GuestMemory.Empty;
    }

    /// <summary>Same as <see cref="Clear"/>.</summary>
    public void Dispose() => Clear();
}
