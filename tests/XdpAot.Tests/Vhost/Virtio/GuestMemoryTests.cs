using XdpAot.Tests.Vhost.FrontEnd;
using XdpAot.Vhost.Memory;

namespace XdpAot.Tests.Vhost.Virtio;

/// <summary>Region checks and translation bounds: nothing outside the regions can be reached.</summary>
public class GuestMemoryTests
{
    private const ulong MiB = GuestRamLayout.MiB;

    [Fact]
    public unsafe void Translation_stays_inside_regions_at_every_edge()
    {
        using var ram = GuestRam.Create(GuestRamLayout.WithGap(2 * MiB, 2 * MiB));
        using var table = Table(ram);
        var m = table.View;
        var r0 = ram.Region(0);
        var r1 = ram.Region(1);
        Assert.True(m.TryMapGuest(0, 4 * MiB, out byte* p, out ulong n));
        Assert.Equal(2 * MiB, n);                                    // clipped at the region's end
        Assert.True(m.TryMapGuest(2 * MiB - 1, 10, out _, out n));
        Assert.Equal(1ul, n);
        Assert.False(m.TryMapGuest(2 * MiB, 1, out _, out _));       // first byte after region 0: the gap
        Assert.True(m.TryMapGuest(r1.Gpa, 1, out byte* p1, out _));
        Assert.False(m.TryMapGuest(r1.End, 1, out _, out _));
        Assert.False(m.TryMapGuest(ulong.MaxValue, 1, out _, out _));
        Assert.True(m.MapGuestRange(0, 2 * MiB) is not null);
        Assert.True(m.MapGuestRange(1, 2 * MiB) is null);
        Assert.True(m.MapGuestRange(0, 0) is null);
        Assert.True(m.MapUserRange(r0.UserAddress, 2 * MiB) is not null);
        Assert.True(m.MapUserRange(r0.UserAddress + 1, 2 * MiB) is null);
        Assert.True(m.MapUserRange(r1.UserAddress + 2 * MiB - 8, 16) is null);
        // The back-end's own mapping of a byte shows what the guest wrote there.
        ram.Write(r1.Gpa + 5, [0xab]);
        Assert.Equal(0xab, p1[5]);
    }

    [Fact]
    public void Regions_that_overlap_in_either_address_space_are_refused_and_unmapped()
    {
        using var ram = GuestRam.Create(GuestRamLayout.Single(4 * MiB));
        var r = ram.Region(0);
        using var table = new MemoryTable(8);
        var a = MemoryRegion.Map(0, 2 * MiB, r.UserAddress, 0, r.Fd);
        var gpaOverlap = MemoryRegion.Map(MiB, 2 * MiB, r.UserAddress + 0x1000_0000, 0, r.Fd);
        var e = Assert.Throws<GuestMemoryException>(() => table.Replace([a, gpaOverlap]));
        Assert.Contains("guest-physical", e.Message);
        Assert.Equal(0, table.Count);
        table.Replace([MemoryRegion.Map(0, 2 * MiB, r.UserAddress, 0, r.Fd)]);
        var userOverlap = MemoryRegion.Map(8 * MiB, MiB, r.UserAddress + MiB, MiB, r.Fd);
        e = Assert.Throws<GuestMemoryException>(() => table.Add(userOverlap));
        Assert.Contains("user addresses", e.Message);
        Assert.Equal(1, table.Count);
    }

    [Fact]
    public unsafe void Descriptions_that_overflow_or_outgrow_their_file_are_refused()
    {
        using var ram = GuestRam.Create(GuestRamLayout.Single(4 * MiB));
        int fd = ram.Region(0).Fd;
        Assert.Contains("size 0", Assert.Throws<GuestMemoryException>(() => MemoryRegion.Map(0, 0, 0x1000, 0, fd)).Message);
        Assert.Contains("overflows", Assert.Throws<GuestMemoryException>(() => MemoryRegion.Map(ulong.MaxValue - 10, 4096, 0x1000, 0, fd)).Message);
        Assert.Contains("overflows", Assert.Throws<GuestMemoryException>(() => MemoryRegion.Map(0, 4096, ulong.MaxValue - 10, 0, fd)).Message);
        Assert.Contains("overflows", Assert.Throws<GuestMemoryException>(() => MemoryRegion.Map(0, 4096, 0x1000, ulong.MaxValue - 10, fd)).Message);
        Assert.Contains("the file holds", Assert.Throws<GuestMemoryException>(() => MemoryRegion.Map(0, 8 * MiB, 0x1000, 0, fd)).Message);
        Assert.Contains("the file holds", Assert.Throws<GuestMemoryException>(() => MemoryRegion.Map(0, 4 * MiB, 0x1000, 4096, fd)).Message);
        Assert.Contains("cannot be inspected", Assert.Throws<GuestMemoryException>(() => MemoryRegion.Map(0, 4096, 0x1000, 0, 987654)).Message);
        int[] pipe = SocketPair();
        try
        {
            Assert.Contains("not a memory file", Assert.Throws<GuestMemoryException>(() => MemoryRegion.Map(0, 4096, 0x1000, 0, pipe[0])).Message);
        }
        finally
        {
            Native.Close(pipe[0]);
            Native.Close(pipe[1]);
        }
    }

    [Fact]
    public unsafe void A_table_holds_no_more_regions_than_its_limit_and_removes_only_exact_matches()
    {
        using var ram = GuestRam.Create(GuestRamLayout.Single(4 * MiB));
        var r = ram.Region(0);
        using var table = new MemoryTable(2);
        table.Add(MemoryRegion.Map(0, MiB, r.UserAddress, 0, r.Fd));
        table.Add(MemoryRegion.Map(MiB, MiB, r.UserAddress + MiB, MiB, r.Fd));
        Assert.Contains("limit", Assert.Throws<GuestMemoryException>(() => table.Add(MemoryRegion.Map(2 * MiB, MiB, r.UserAddress + 2 * MiB, 2 * MiB, r.Fd))).Message);
        Assert.Throws<GuestMemoryException>(() => table.Remove(0, 2 * MiB, r.UserAddress));
        Assert.Throws<GuestMemoryException>(() => table.Remove(0, MiB, r.UserAddress + 4096));
        table.Remove(MiB, MiB, r.UserAddress + MiB).Dispose();
        Assert.Equal(1, table.Count);
        Assert.False(table.View.TryMapGuest(MiB, 1, out _, out _));
    }

    private static MemoryTable Table(GuestRam ram)
    {
        var t = new MemoryTable(8);
        t.Replace(ram.Regions.Select(r => MemoryRegion.Map(r.Gpa, r.Size, r.UserAddress, r.MmapOffset, r.Fd)).ToList());
        return t;
    }

    private static unsafe int[] SocketPair()
    {
        int* fds = stackalloc int[2];
        Assert.Equal(0, Native.SocketPair(1 /* AF_UNIX */, 1 /* SOCK_STREAM */, 0, fds));
        return [fds[0], fds[1]];
    }
}
