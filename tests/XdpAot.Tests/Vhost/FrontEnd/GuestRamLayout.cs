namespace XdpAot.Tests.Vhost.FrontEnd;

/// <summary>
/// One region to create: where it sits in guest-physical space, how big it is, and at which offset of its
/// memfd it starts (QEMU's mmap_offset; non-zero makes a back-end that ignores the offset read the wrong bytes).
/// </summary>
public sealed record GuestRegionSpec(ulong Gpa, ulong Size, ulong FileOffset = 0);

/// <summary>The regions of a <see cref="GuestRam"/>, and whether they are 2 MiB hugetlb memfds.</summary>
public sealed record GuestRamLayout(IReadOnlyList<GuestRegionSpec> Regions, bool Hugetlb = false)
{
    public const ulong MiB = 1UL << 20;
    public const ulong HugePageSize = 2 * MiB;

    /// <summary>Where <see cref="WithGap"/> puts its second region: 1 GiB, far from the first.</summary>
    public const ulong GapRegionGpa = 0x4000_0000;

    /// <summary>One region at GPA 0, as a small QEMU guest has.</summary>
    public static GuestRamLayout Single(ulong size = 64 * MiB, bool hugetlb = false) => new([new GuestRegionSpec(0, size)], hugetlb);

    /// <summary>
    /// Two regions with a hole between them (region 0 at GPA 0, region 1 at <paramref name="secondGpa"/>), so every
    /// translation a back-end does has to pick the right region.
    /// </summary>
    public static GuestRamLayout WithGap(ulong firstSize = 32 * MiB, ulong secondSize = 32 * MiB, ulong secondGpa = GapRegionGpa, bool hugetlb = false) =>
        new([new GuestRegionSpec(0, firstSize), new GuestRegionSpec(secondGpa, secondSize)], hugetlb);
}
