using XdpAot.Tests.Vhost.FrontEnd;

namespace XdpAot.Tests.Vhost.FrontEndTests;

[Collection(ProcessCensusCollection.Name)]
public unsafe class GuestRamTests
{
    private const ulong MiB = GuestRamLayout.MiB;

    /// <summary>Reads bytes straight from a region's memfd, as a back-end that mmaps the fd would see them.</summary>
    private static byte[] ReadFromMemfd(GuestRegion region, ulong fileOffset, int length)
    {
        using var file = new FileStream($"/proc/self/fd/{region.Fd}", FileMode.Open, FileAccess.Read);
        file.Seek((long)fileOffset, SeekOrigin.Begin);
        var bytes = new byte[length];
        file.ReadExactly(bytes);
        return bytes;
    }

    [Fact]
    public void Single_layout_is_one_memfd_region_at_gpa_zero()
    {
        using var ram = GuestRam.Create(GuestRamLayout.Single(8 * MiB));
        var r = Assert.Single(ram.Regions);
        Assert.Equal(0UL, r.Gpa);
        Assert.Equal(8 * MiB, r.Size);
        Assert.Equal(0UL, r.MmapOffset);
        Assert.Equal(0UL, r.UserAddress % (ulong)Environment.SystemPageSize);
        Assert.StartsWith("/memfd:xdpaot-guest0", FdCensus.TargetOf(r.Fd));
        Assert.Equal(new MemoryRegionDescription(0, 8 * MiB, r.UserAddress, 0), Assert.Single(ram.Describe()));
    }

    [Fact]
    public void Gap_layout_translates_each_gpa_into_its_own_region_and_memfd()
    {
        using var ram = GuestRam.Create(GuestRamLayout.WithGap(4 * MiB, 4 * MiB));
        Assert.Equal(2, ram.RegionCount);
        var far = ram.Region(1);
        Assert.Equal(GuestRamLayout.GapRegionGpa, far.Gpa);
        Assert.Equal(far.UserAddress + 0x10, ram.UserAddress(GuestRamLayout.GapRegionGpa + 0x10));
        ram.Write(0x20, [1, 2, 3]);
        ram.Write(GuestRamLayout.GapRegionGpa + 0x20, [7, 8, 9]);
        Assert.Equal([1, 2, 3], ReadFromMemfd(ram.Region(0), 0x20, 3));
        Assert.Equal([7, 8, 9], ReadFromMemfd(far, 0x20, 3));
        Assert.NotEqual(FdCensus.TargetOf(ram.Region(0).Fd), FdCensus.TargetOf(far.Fd));
    }

    [Fact]
    public void Gpa_in_the_gap_or_straddling_a_region_end_is_refused()
    {
        using var ram = GuestRam.Create(GuestRamLayout.WithGap(4 * MiB, 4 * MiB));
        Assert.Throws<ArgumentOutOfRangeException>(() => (ulong)ram.Pointer(4 * MiB));
        Assert.Throws<ArgumentOutOfRangeException>(() => (ulong)ram.Pointer(4 * MiB - 8, 16));
        Assert.Throws<ArgumentOutOfRangeException>(() => ram.UserAddress(GuestRamLayout.GapRegionGpa + 4 * MiB));
        Assert.Null(ram.RegionOf(0x2000_0000));
        Assert.Equal(1, ram.RegionOf(GuestRamLayout.GapRegionGpa + 4 * MiB - 1)!.Index);
        Assert.Equal(0UL, (ulong)ram.Pointer(4 * MiB - 16, 16) - ram.Region(0).UserAddress - (4 * MiB - 16));
    }

    [Fact]
    public void Alloc_aligns_and_fills_a_region_exactly_then_refuses()
    {
        using var ram = GuestRam.Create(GuestRamLayout.Single(1 * MiB));
        ulong a = ram.Alloc(3, 1);
        ulong b = ram.Alloc(16, 4096);
        Assert.Equal(0UL, a);
        Assert.Equal(4096UL, b);
        ulong rest = 1 * MiB - (b + 16);
        Assert.Equal(b + 16, ram.Alloc(rest, 1));
        var e = Assert.Throws<InvalidOperationException>(() => ram.Alloc(1, 1));
        Assert.Contains("guest RAM exhausted", e.Message);
        Assert.Equal(1 * MiB, ram.Region(0).Allocated);
    }

    [Fact]
    public void Alloc_moves_on_to_the_next_region_or_stays_in_the_one_asked_for()
    {
        using var ram = GuestRam.Create(GuestRamLayout.WithGap(1 * MiB, 1 * MiB));
        Assert.Equal(GuestRamLayout.GapRegionGpa, ram.Alloc(64, 64, region: 1));
        ram.Alloc(1 * MiB, 1, region: 0);
        Assert.Equal(GuestRamLayout.GapRegionGpa + 64, ram.Alloc(8));
        Assert.Throws<InvalidOperationException>(() => ram.Alloc(1, 1, region: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => ram.Alloc(8, 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => ram.Alloc(0));
    }

    [Fact]
    public void File_offset_puts_the_region_that_far_into_its_memfd()
    {
        using var ram = GuestRam.Create(new GuestRamLayout([new GuestRegionSpec(0x10_0000, 1 * MiB, FileOffset: 0x3000)]));
        var r = ram.Region(0);
        Assert.Equal(0x3000UL, r.Description.MmapOffset);
        ram.Write(0x10_0000, [0xAB, 0xCD]);
        Assert.Equal([0xAB, 0xCD], ReadFromMemfd(r, 0x3000, 2));
        using var file = new FileStream($"/proc/self/fd/{r.Fd}", FileMode.Open, FileAccess.Read);
        Assert.Equal(1 * MiB + 0x3000, (ulong)file.Length);
    }

    [Fact]
    public void Overlapping_or_unaligned_regions_are_refused()
    {
        using var ram = GuestRam.Create(GuestRamLayout.Single(2 * MiB));
        Assert.Throws<ArgumentException>(() => ram.AddRegion(new GuestRegionSpec(1 * MiB, 2 * MiB)));
        Assert.Throws<ArgumentException>(() => ram.AddRegion(new GuestRegionSpec(4 * MiB, 1000)));
        var added = ram.AddRegion(new GuestRegionSpec(2 * MiB, 1 * MiB));
        Assert.Equal(1, added.Index);
        Assert.Equal(2, ram.RegionCount);
    }

    [Fact]
    public void Dispose_closes_the_memfds_and_unmaps_them()
    {
        int before = FdCensus.Count("memfd:xdpaot-guest");
        int mapsBefore = FdCensus.GuestMappings();
        var ram = GuestRam.Create(GuestRamLayout.WithGap(1 * MiB, 1 * MiB));
        Assert.Equal(before + 2, FdCensus.Count("memfd:xdpaot-guest"));
        Assert.Equal(mapsBefore + 2, FdCensus.GuestMappings());
        ram.Dispose();
        Assert.Equal(before, FdCensus.Count("memfd:xdpaot-guest"));
        Assert.Equal(mapsBefore, FdCensus.GuestMappings());
    }
}
