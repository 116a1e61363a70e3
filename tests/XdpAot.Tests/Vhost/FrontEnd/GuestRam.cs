namespace XdpAot.Tests.Vhost.FrontEnd;

/// <summary>
/// Guest RAM as a driver sees it: one or more regions (each its own memfd, mapped in this process), a bump
/// allocator to carve rings and buffers out of them, and GPA → pointer translation that refuses anything
/// outside a region. Named GuestRam so it never clashes with the back-end's GuestMemory.
/// </summary>
public sealed unsafe class GuestRam : IDisposable
{
    private readonly List<GuestRegion> _regions = [];

    private GuestRam(bool hugetlb) => IsHugetlb = hugetlb;

    public bool IsHugetlb { get; }

    public IReadOnlyList<GuestRegion> Regions => _regions;

    public int RegionCount => _regions.Count;

    /// <summary>Creates and maps every region of <paramref name="layout"/> (default: one 64 MiB region at GPA 0).</summary>
    public static GuestRam Create(GuestRamLayout? layout = null)
    {
        layout ??= GuestRamLayout.Single();
        if (layout.Regions.Count == 0)
            throw new ArgumentException("a guest RAM layout needs at least one region", nameof(layout));
        var ram = new GuestRam(layout.Hugetlb);
        try
        {
            foreach (var spec in layout.Regions)
                ram.AddRegion(spec);
            return ram;
        }
        catch
        {
            ram.Dispose();
            throw;
        }
    }

    /// <summary>The region at <paramref name="index"/>.</summary>
    public GuestRegion Region(int index) => index >= 0 && index < _regions.Count
        ? _regions[index]
        : throw new ArgumentOutOfRangeException(nameof(index), index, $"guest RAM has {_regions.Count} regions");

    /// <summary>Adds a region at run time (for ADD_MEM_REG); its GPA range must not overlap another region's.</summary>
    public GuestRegion AddRegion(GuestRegionSpec spec)
    {
        if (spec.Gpa + spec.Size < spec.Gpa)
            throw new ArgumentException($"guest region GPA 0x{spec.Gpa:x} + size 0x{spec.Size:x} overflows");
        foreach (var r in _regions)
        {
            if (spec.Gpa < r.End && r.Gpa < spec.Gpa + spec.Size)
                throw new ArgumentException($"guest region at GPA 0x{spec.Gpa:x} (0x{spec.Size:x} bytes) overlaps region {r.Index} at 0x{r.Gpa:x} (0x{r.Size:x} bytes)");
        }
        var region = GuestRegion.Create(_regions.Count, spec, IsHugetlb);
        _regions.Add(region);
        return region;
    }

    /// <summary>
    /// Carves <paramref name="size"/> bytes aligned to <paramref name="align"/> (a power of 2) from region
    /// <paramref name="region"/>, or from the first region with room when it is -1. Returns the GPA.
    /// </summary>
    public ulong Alloc(ulong size, ulong align = 8, int region = -1)
    {
        if (size == 0)
            throw new ArgumentOutOfRangeException(nameof(size), "an allocation needs at least one byte");
        if (align == 0 || (align & (align - 1)) != 0)
            throw new ArgumentOutOfRangeException(nameof(align), align, "alignment must be a power of 2");
        if (region >= 0)
            return Region(region).TryAlloc(size, align) ?? throw Exhausted(size, align, $"region {region}");
        foreach (var r in _regions)
        {
            if (r.TryAlloc(size, align) is { } gpa)
                return gpa;
        }
        throw Exhausted(size, align, "any region");
    }

    private InvalidOperationException Exhausted(ulong size, ulong align, string where) => new(
        $"guest RAM exhausted: no room for 0x{size:x} bytes aligned to {align} in {where} ({string.Join(", ", _regions.Select(r => $"region {r.Index}: 0x{r.Allocated:x} of 0x{r.Size:x} used"))})");

    /// <summary>The region holding [gpa, gpa+length), or null.</summary>
    public GuestRegion? RegionOf(ulong gpa, ulong length = 1) => _regions.FirstOrDefault(r => r.Contains(gpa, length));

    /// <summary>This process's pointer to GPA <paramref name="gpa"/>; throws unless [gpa, gpa+length) lies inside one region.</summary>
    public byte* Pointer(ulong gpa, ulong length = 1) => Checked(gpa, length).PointerAt(gpa);

    /// <summary>The user address (QEMU's QVA) of <paramref name="gpa"/>: what SET_VRING_ADDR carries.</summary>
    public ulong UserAddress(ulong gpa, ulong length = 1) => (ulong)Checked(gpa, length).PointerAt(gpa);

    public Span<byte> Span(ulong gpa, int length) => new(Pointer(gpa, (ulong)Math.Max(length, 1)), length);

    public void Write(ulong gpa, ReadOnlySpan<byte> bytes) => bytes.CopyTo(Span(gpa, bytes.Length));

    public byte[] Read(ulong gpa, int length) => Span(gpa, length).ToArray();

    /// <summary>Every region as SET_MEM_TABLE describes it.</summary>
    public IReadOnlyList<MemoryRegionDescription> Describe() => _regions.Select(r => r.Description).ToArray();

    private GuestRegion Checked(ulong gpa, ulong length) => RegionOf(gpa, length)
        ?? throw new ArgumentOutOfRangeException(nameof(gpa), $"GPA 0x{gpa:x} (+0x{length:x}) is outside guest RAM");

    /// <summary>HugePages_Free from /proc/meminfo (2 MiB pages on this machine).</summary>
    public static long FreeHugePages()
    {
        foreach (var line in File.ReadLines("/proc/meminfo"))
        {
            if (line.StartsWith("HugePages_Free:", StringComparison.Ordinal))
                return long.Parse(line["HugePages_Free:".Length..].Trim(), System.Globalization.CultureInfo.InvariantCulture);
        }
        return 0;
    }

    public void Dispose()
    {
        foreach (var r in _regions)
            r.Dispose();
    }
}
