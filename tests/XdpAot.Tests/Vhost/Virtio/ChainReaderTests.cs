using XdpAot.Tests.Vhost.FrontEnd;
using XdpAot.Vhost.Virtio;

namespace XdpAot.Tests.Vhost.Virtio;

/// <summary>The descriptor-chain walker against every kind of chain a guest can write, good and hostile.</summary>
public class ChainReaderTests
{
    private const ushort Next = VirtqDesc.Next, Write = VirtqDesc.Write, Indirect = VirtqDesc.Indirect;

    [Fact]
    public void A_direct_chain_becomes_pieces_in_order_with_its_total_length()
    {
        using var f = new RingFixture();
        ulong a = f.Buffer(12, 1), b = f.Buffer(100, 50), c = f.Buffer(7, 200);
        f.Driver.AddChain([new(a, 12), new(b, 100), new(c, 7)]);
        Assert.Equal(ChainStatus.Ok, f.ReadNext(false, out var pieces, out ulong bytes));
        Assert.Equal(119ul, bytes);
        Assert.Equal([new Piece(f.BackendPointer(a), 12), new Piece(f.BackendPointer(b), 100), new Piece(f.BackendPointer(c), 7)], pieces);
        Assert.Equal([.. f.Ram.Read(a, 12), .. f.Ram.Read(b, 100), .. f.Ram.Read(c, 7)], RingFixture.Bytes(pieces));
    }

    [Fact]
    public void An_indirect_chain_is_read_from_its_table()
    {
        using var f = new RingFixture();
        ulong a = f.Buffer(12), b = f.Buffer(60, 9);
        f.Driver.AddChain([new(a, 12, true), new(b, 60, true)], indirect: true);
        Assert.Equal(ChainStatus.Ok, f.ReadNext(true, out var pieces, out ulong bytes));
        Assert.Equal(72ul, bytes);
        Assert.Equal(2, pieces.Length);
        Assert.Equal(f.BackendPointer(b), pieces[1].Data);
    }

    [Fact]
    public void A_buffer_across_two_adjacent_regions_becomes_two_pieces()
    {
        const ulong Half = 2 * GuestRamLayout.MiB;
        using var f = new RingFixture(layout: new GuestRamLayout([new(0, Half), new(Half, Half)]));
        ulong gpa = Half - 100;
        f.Driver.AddChain([new(gpa, 300)]);
        Assert.Equal(ChainStatus.Ok, f.ReadNext(false, out var pieces, out ulong bytes));
        Assert.Equal(300ul, bytes);
        Assert.Equal([new Piece(f.BackendPointer(gpa), 100), new Piece(f.BackendPointer(Half), 200)], pieces);
    }

    [Fact]
    public void A_buffer_running_into_a_gap_between_regions_is_refused()
    {
        using var f = new RingFixture(layout: GuestRamLayout.WithGap(2 * GuestRamLayout.MiB, 2 * GuestRamLayout.MiB));
        f.Driver.AddChain([new(2 * GuestRamLayout.MiB - 16, 64)]);
        Assert.Equal(ChainStatus.OutsideMemory, f.ReadNext(false, out _, out _));
    }

    [Theory]
    [InlineData(0x4000_0000ul, 16u)]          // in no region
    [InlineData(ulong.MaxValue - 7, 64u)]     // wraps around the address space
    [InlineData(0x4000_0000ul, 0u)]           // empty, but still a bogus address
    public void A_buffer_outside_every_region_is_refused(ulong gpa, uint length)
    {
        using var f = new RingFixture();
        f.Driver.AddChain([new(gpa, length)]);
        Assert.Equal(ChainStatus.OutsideMemory, f.ReadNext(false, out var pieces, out _));
        Assert.All(pieces, p => Assert.True(p.Length > 0));
    }

    [Fact]
    public void A_descriptor_loop_ends_after_as_many_descriptors_as_the_ring_has()
    {
        using var f = new RingFixture(size: 8);
        ulong b = f.Buffer(16);
        f.Driver.WriteDescriptor(0, b, 16, Next, 1);
        f.Driver.WriteDescriptor(1, b, 16, Next, 0);
        Assert.Equal(ChainStatus.TooManyDescriptors, f.Read(0, false, out var pieces, out _));
        Assert.Equal(8, pieces.Length); // read the ring's worth, then stopped
    }

    [Fact]
    public void A_descriptor_pointing_at_itself_is_a_loop()
    {
        using var f = new RingFixture(size: 4);
        f.Driver.WriteDescriptor(2, f.Buffer(8), 8, Next, 2);
        Assert.Equal(ChainStatus.TooManyDescriptors, f.Read(2, false, out _, out _));
    }

    [Fact]
    public void Heads_and_next_indexes_out_of_range_are_refused()
    {
        using var f = new RingFixture(size: 8);
        ulong b = f.Buffer(8);
        Assert.Equal(ChainStatus.HeadOutOfRange, f.Read(8, false, out _, out _));
        Assert.Equal(ChainStatus.HeadOutOfRange, f.Read(0xffff, false, out _, out _));
        f.Driver.WriteDescriptor(3, b, 8, Next, 8);
        Assert.Equal(ChainStatus.NextOutOfRange, f.Read(3, false, out _, out _));
    }

    [Fact]
    public void The_direction_must_match_the_queue()
    {
        using var f = new RingFixture();
        ulong b = f.Buffer(32);
        f.Driver.WriteDescriptor(0, b, 32, Write, 0);           // writable on a TX queue
        Assert.Equal(ChainStatus.WrongDirection, f.Read(0, false, out _, out _));
        f.Driver.WriteDescriptor(1, b, 32, 0, 0);               // read-only on an RX queue
        Assert.Equal(ChainStatus.WrongDirection, f.Read(1, true, out _, out _));
        f.Driver.WriteDescriptor(2, b, 16, Next | Write, 3);    // mixed
        f.Driver.WriteDescriptor(3, b, 16, 0, 0);
        Assert.Equal(ChainStatus.WrongDirection, f.Read(2, true, out _, out _));
    }

    [Fact]
    public void A_chain_longer_than_the_limit_is_too_long()
    {
        using var f = new RingFixture();
        f.Driver.AddChain([new(f.Buffer(3000), 3000), new(f.Buffer(2000), 2000)]);
        Assert.Equal(ChainStatus.TooLong, f.ReadNext(false, out _, out _, maxBytes: 4108));
    }

    [Fact]
    public void A_chain_longer_than_four_gigabytes_is_too_long_whatever_the_caller_allows()
    {
        using var f = new RingFixture(size: 4);
        ulong b = f.Buffer(16);
        f.Driver.WriteDescriptor(0, b, 16, Next, 1);
        f.Driver.WriteDescriptor(1, b, uint.MaxValue, 0, 0);
        // Refused on the length alone, before the second buffer (far outside the region) is translated.
        Assert.Equal(ChainStatus.TooLong, f.Read(0, false, out var pieces, out ulong bytes));
        Assert.True(bytes > ChainReader.MaxChainBytes);
        Assert.Single(pieces);
    }

    [Fact]
    public void More_pieces_than_allowed_are_refused()
    {
        using var f = new RingFixture(size: 512, indirectCapacity: 0);
        ulong b = f.Buffer(1);
        for (int i = 0; i <= ChainReader.MaxSegments; i++)
            f.Driver.WriteDescriptor(i, b, 1, i < ChainReader.MaxSegments ? Next : (ushort)0, (ushort)(i + 1));
        Assert.Equal(ChainStatus.TooManySegments, f.Read(0, false, out var pieces, out _));
        Assert.Equal(ChainReader.MaxSegments, pieces.Length);
    }

    [Fact]
    public void Indirect_without_the_feature_is_refused()
    {
        using var f = new RingFixture(indirect: false);
        f.Driver.AddChain([new(f.Buffer(16), 16)], indirect: true);
        Assert.Equal(ChainStatus.IndirectNotNegotiated, f.ReadNext(false, out _, out _));
    }

    [Fact]
    public void Nested_indirect_tables_are_refused()
    {
        using var f = new RingFixture();
        ulong inner = f.Ram.Alloc(16, 16), outer = f.Ram.Alloc(16, 16);
        WriteTableEntry(f, inner, f.Buffer(8), 8, 0, 0);
        WriteTableEntry(f, outer, inner, 16, Indirect, 0);
        f.Driver.WriteDescriptor(0, outer, 16, Indirect, 0);
        Assert.Equal(ChainStatus.NestedIndirect, f.Read(0, false, out _, out _));
    }

    [Fact]
    public void Indirect_together_with_next_is_refused()
    {
        using var f = new RingFixture();
        ulong table = f.Ram.Alloc(16, 16);
        WriteTableEntry(f, table, f.Buffer(8), 8, 0, 0);
        f.Driver.WriteDescriptor(0, table, 16, Indirect | Next, 1);
        Assert.Equal(ChainStatus.IndirectWithNext, f.Read(0, false, out _, out _));
    }

    [Theory]
    [InlineData(0u)]
    [InlineData(24u)]
    [InlineData(15u)]
    public void Indirect_tables_that_are_not_whole_entries_are_refused(uint length)
    {
        using var f = new RingFixture();
        ulong table = f.Ram.Alloc(64, 16);
        f.Driver.WriteDescriptor(0, table, length, Indirect, 0);
        Assert.Equal(ChainStatus.IndirectBadLength, f.Read(0, false, out _, out _));
    }

    [Fact]
    public void Indirect_tables_larger_than_the_ring_are_refused()
    {
        using var f = new RingFixture(size: 8);
        ulong table = f.Ram.Alloc(16 * 9, 16);
        f.Driver.WriteDescriptor(0, table, 16 * 9, Indirect, 0);
        Assert.Equal(ChainStatus.IndirectTooLarge, f.Read(0, false, out _, out _));
    }

    [Fact]
    public void Indirect_tables_outside_memory_or_across_regions_are_refused()
    {
        const ulong Half = 2 * GuestRamLayout.MiB;
        using var f = new RingFixture(layout: new GuestRamLayout([new(0, Half), new(Half, Half)]));
        f.Driver.WriteDescriptor(0, 0x4000_0000, 32, Indirect, 0);
        Assert.Equal(ChainStatus.IndirectOutsideMemory, f.Read(0, false, out _, out _));
        f.Driver.WriteDescriptor(1, Half - 16, 32, Indirect, 0); // one entry in each region
        Assert.Equal(ChainStatus.IndirectOutsideMemory, f.Read(1, false, out _, out _));
    }

    [Fact]
    public void A_loop_inside_an_indirect_table_ends_after_the_tables_entries()
    {
        using var f = new RingFixture(size: 64);
        ulong table = f.Ram.Alloc(32, 16), b = f.Buffer(4);
        WriteTableEntry(f, table, b, 4, Next, 1);
        WriteTableEntry(f, table + 16, b, 4, Next, 0);
        f.Driver.WriteDescriptor(0, table, 32, Indirect, 0);
        Assert.Equal(ChainStatus.TooManyDescriptors, f.Read(0, false, out var pieces, out _));
        Assert.Equal(2, pieces.Length);
    }

    [Fact]
    public void A_next_beyond_the_indirect_table_is_refused()
    {
        using var f = new RingFixture(size: 64);
        ulong table = f.Ram.Alloc(32, 16), b = f.Buffer(4);
        WriteTableEntry(f, table, b, 4, Next, 5);
        f.Driver.WriteDescriptor(0, table, 16, Indirect, 0);
        Assert.Equal(ChainStatus.NextOutOfRange, f.Read(0, false, out _, out _));
    }

    private static unsafe void WriteTableEntry(RingFixture f, ulong entryGpa, ulong addr, uint len, ushort flags, ushort next)
    {
        byte* d = f.Ram.Pointer(entryGpa, 16);
        *(ulong*)d = addr;
        *(uint*)(d + 8) = len;
        *(ushort*)(d + 12) = flags;
        *(ushort*)(d + 14) = next;
    }
}
