using System.Buffers.Binary;
using XdpAot.Tests.Vhost.FrontEnd;

namespace XdpAot.Tests.Vhost.FrontEndTests;

/// <summary>The driver side of a split virtqueue against a "device" played by the test writing guest RAM.</summary>
public unsafe class DriverQueueTests : IDisposable
{
    private readonly GuestRam _ram = GuestRam.Create(GuestRamLayout.Single(8 * GuestRamLayout.MiB));

    public void Dispose() => _ram.Dispose();

    private ushort U16(ulong gpa) => BinaryPrimitives.ReadUInt16LittleEndian(_ram.Span(gpa, 2));

    private void DeviceUses(DriverQueue q, ushort usedIdx, params (uint Id, uint Len)[] entries)
    {
        ushort start = (ushort)(usedIdx - entries.Length);
        for (int i = 0; i < entries.Length; i++)
        {
            ulong e = q.UsedGpa + (ulong)SplitRing.UsedRingOffset + (ulong)(((start + i) & (q.Size - 1)) * SplitRing.UsedElemSize);
            BinaryPrimitives.WriteUInt32LittleEndian(_ram.Span(e, 4), entries[i].Id);
            BinaryPrimitives.WriteUInt32LittleEndian(_ram.Span(e + 4, 4), entries[i].Len);
        }
        BinaryPrimitives.WriteUInt16LittleEndian(_ram.Span(q.UsedGpa + SplitRing.UsedIdxOffset, 2), usedIdx);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(256)]
    [InlineData(32768)]
    public void Rings_are_16N_then_6_plus_2N_then_6_plus_8N_at_4_byte_alignment(int n)
    {
        using var q = new DriverQueue(_ram, 0, n, indirectCapacity: 0);
        Assert.Equal(16 * n, SplitRing.DescTableSize(n));
        Assert.Equal(6 + 2 * n, SplitRing.AvailSize(n));
        Assert.Equal(6 + 8 * n, SplitRing.UsedSize(n));
        Assert.Equal(0UL, q.DescGpa % 16);
        Assert.Equal((ulong)(16 * n), q.AvailGpa - q.DescGpa);
        Assert.Equal((ulong)((16 * n + 6 + 2 * n + 3) & ~3), q.UsedGpa - q.DescGpa);
        // used_event is the u16 after avail->ring[N]; avail_event the u16 after used->ring[N].
        q.UsedEvent = 0xBEEF;
        Assert.Equal(0xBEEF, U16(q.AvailGpa + 4 + 2 * (ulong)n));
        BinaryPrimitives.WriteUInt16LittleEndian(_ram.Span(q.UsedGpa + 4 + 8 * (ulong)n, 2), 0xCAFE);
        Assert.Equal(0xCAFE, q.AvailEvent);
    }

    [Fact]
    public void Legacy_alignment_puts_the_used_ring_on_the_next_page()
    {
        using var q = new DriverQueue(_ram, 0, 256, indirectCapacity: 0, usedAlign: 4096);
        Assert.Equal(8192UL, q.UsedGpa - q.DescGpa);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    [InlineData(65536)]
    public void Queue_size_must_be_a_power_of_two_up_to_32768(int n)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new DriverQueue(_ram, 5, n));
        Assert.Contains("vring 5", e.Message);
    }

    [Fact]
    public void A_chain_is_linked_with_NEXT_marks_writable_segments_and_waits_for_Publish()
    {
        using var q = new DriverQueue(_ram, 0, 8);
        ushort head = q.AddChain([new(0x1000, 12), new(0x2000, 100, Writable: true), new(0x3000, 50, Writable: true)]);
        Assert.Equal(0, head);
        Assert.Equal(new VirtqDescriptor(0x1000, 12, SplitRing.DescFNext, 1), q.ReadDescriptor(0));
        Assert.Equal(new VirtqDescriptor(0x2000, 100, SplitRing.DescFNext | SplitRing.DescFWrite, 2), q.ReadDescriptor(1));
        Assert.Equal(new VirtqDescriptor(0x3000, 50, SplitRing.DescFWrite, 0), q.ReadDescriptor(2));
        Assert.Equal(head, q.ReadAvailRing(0));
        Assert.Equal(0, U16(q.AvailGpa + SplitRing.AvailIdxOffset));
        q.Publish();
        Assert.Equal(1, U16(q.AvailGpa + SplitRing.AvailIdxOffset));
        Assert.Equal(5, q.FreeDescriptors);
        Assert.Equal(1, q.InFlight);
    }

    [Fact]
    public void An_indirect_chain_takes_one_ring_descriptor_pointing_at_its_table()
    {
        using var q = new DriverQueue(_ram, 1, 8, indirectCapacity: 4);
        ushort head = q.AddChain([new(0x1000, 12), new(0x2000, 60), new(0x3000, 4)], indirect: true);
        ulong table = q.IndirectTableGpa(head);
        Assert.Equal(new VirtqDescriptor(table, 48, SplitRing.DescFIndirect, 0), q.ReadDescriptor(head));
        Assert.Equal(new VirtqDescriptor(0x1000, 12, SplitRing.DescFNext, 1), q.ReadDescriptorAt(table));
        Assert.Equal(new VirtqDescriptor(0x2000, 60, SplitRing.DescFNext, 2), q.ReadDescriptorAt(table + 16));
        Assert.Equal(new VirtqDescriptor(0x3000, 4, 0, 0), q.ReadDescriptorAt(table + 32));
        Assert.Equal(7, q.FreeDescriptors);
        Assert.Throws<ArgumentException>(() => q.AddChain([new(1, 1), new(2, 1), new(3, 1), new(4, 1), new(5, 1)], indirect: true));
    }

    [Fact]
    public void A_full_table_refuses_the_next_chain_naming_the_vring()
    {
        using var q = new DriverQueue(_ram, 3, 4);
        for (int i = 0; i < 4; i++)
            q.AddChain([new(0x1000, 1)]);
        var e = Assert.Throws<InvalidOperationException>(() => q.AddChain([new(0x1000, 1)]));
        Assert.Contains("vring 3", e.Message);
    }

    [Fact]
    public void TakeUsed_returns_the_device_entries_and_frees_their_chains()
    {
        using var q = new DriverQueue(_ram, 0, 4);
        ushort a = q.AddChain([new(0x1000, 10), new(0x1100, 10)]);
        ushort b = q.AddChain([new(0x2000, 10)]);
        q.Publish();
        Assert.Equal(1, q.FreeDescriptors);
        Assert.Empty(q.TakeUsed());
        DeviceUses(q, 2, (b, 7), (a, 20));
        Assert.Equal([new UsedElement(b, 7), new UsedElement(a, 20)], q.TakeUsed());
        Assert.Equal(4, q.FreeDescriptors);
        Assert.Equal(0, q.InFlight);
        Assert.Equal(2, q.LastUsedIdx);
        DeviceUses(q, 3, (9, 0));
        Assert.Equal([new UsedElement(9, 0)], q.TakeUsed());
        Assert.Equal(1, q.UnknownCompletions);
    }

    [Fact]
    public void TakeUsed_refuses_a_used_idx_more_than_a_ring_ahead()
    {
        using var q = new DriverQueue(_ram, 2, 4);
        DeviceUses(q, 5);
        var e = Assert.Throws<InvalidDataException>(() => q.TakeUsed());
        Assert.Contains("vring 2", e.Message);
    }

    [Fact]
    public void Indices_wrap_at_65536()
    {
        using var q = new DriverQueue(_ram, 0, 4);
        q.SetAvailIdx(0xFFFF);
        ushort head = q.AddChain([new(0x1000, 10)]);
        q.Publish();
        Assert.Equal(0, q.AvailIdx);
        Assert.Equal(head, q.ReadAvailRing(3));
    }

    [Fact]
    public void Kick_honours_NO_NOTIFY_unless_forced()
    {
        using var q = new DriverQueue(_ram, 0, 4);
        q.AddChain([new(0x1000, 10)]);
        q.Publish();
        Assert.True(q.Kick());
        Assert.Equal(1UL, q.KickFd.Consume());
        BinaryPrimitives.WriteUInt16LittleEndian(_ram.Span(q.UsedGpa, 2), SplitRing.UsedFNoNotify);
        Assert.True(q.DeviceNoNotify);
        Assert.False(q.Kick());
        Assert.Equal(0UL, q.KickFd.Consume());
        Assert.True(q.Kick(force: true));
        Assert.Equal(1UL, q.KickFd.Consume());
    }

    [Fact]
    public void With_EVENT_IDX_kick_only_when_avail_idx_passes_avail_event()
    {
        using var q = new DriverQueue(_ram, 0, 8) { EventIdx = true };
        BinaryPrimitives.WriteUInt16LittleEndian(_ram.Span(q.UsedGpa, 2), SplitRing.UsedFNoNotify);   // ignored with EVENT_IDX
        q.AddChain([new(0x1000, 10)]);
        q.Publish();
        Assert.True(q.Kick());                 // 0 -> 1 passes avail_event 0
        q.AddChain([new(0x1000, 10)]);
        q.AddChain([new(0x1000, 10)]);
        q.Publish();
        Assert.False(q.Kick());                // 1 -> 3 does not pass 0
        BinaryPrimitives.WriteUInt16LittleEndian(_ram.Span(q.UsedGpa + 4 + 8 * 8, 2), 3);
        q.AddChain([new(0x1000, 10)]);
        q.Publish();
        Assert.True(q.Kick());                 // 3 -> 4 passes avail_event 3
        Assert.False(q.Kick());                // nothing new
        Assert.Equal(2UL, q.KickFd.Consume());
    }

    [Theory]
    [InlineData(0, 1, 0, true)]
    [InlineData(0, 3, 1, false)]
    [InlineData(5, 6, 5, true)]
    [InlineData(5, 5, 4, false)]
    [InlineData(0xFFFF, 1, 0xFFFE, true)]
    [InlineData(0xFFFF, 0xFFFF, 0xFFFE, false)]
    public void NeedEvent_is_virtio_vring_need_event(int ev, int newIdx, int oldIdx, bool expected) =>
        Assert.Equal(expected, DriverQueue.NeedEvent((ushort)ev, (ushort)newIdx, (ushort)oldIdx));

    [Fact]
    public void NoInterrupt_and_ArmCall_write_the_avail_ring_fields()
    {
        using var q = new DriverQueue(_ram, 0, 4);
        q.NoInterrupt = true;
        Assert.Equal(SplitRing.AvailFNoInterrupt, U16(q.AvailGpa));
        q.ArmCall();
        Assert.Equal(0, U16(q.AvailGpa));
        q.EventIdx = true;
        q.AddChain([new(0x1000, 1)]);
        q.Publish();
        DeviceUses(q, 1, (0, 0));
        q.TakeUsed();
        q.ArmCall();
        Assert.Equal(1, U16(q.AvailGpa + 4 + 2 * 4));
    }

    [Fact]
    public void Raw_writers_store_exactly_what_they_are_given()
    {
        using var q = new DriverQueue(_ram, 0, 4);
        q.WriteDescriptor(2, 0xDEAD_BEEF_0000, 0xFFFF_FFFF, 0xFFFF, 2);
        Assert.Equal(new VirtqDescriptor(0xDEAD_BEEF_0000, 0xFFFF_FFFF, 0xFFFF, 2), q.ReadDescriptor(2));
        q.SetAvailRing(1, 999);
        Assert.Equal(999, U16(q.AvailGpa + 4 + 2));
        q.SetAvailIdx(1000);
        Assert.Equal(1000, U16(q.AvailGpa + 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => q.WriteDescriptor(4, 0, 0, 0, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => q.SetAvailRing(4, 0));
    }

    [Fact]
    public void Reset_zeroes_the_rings_and_frees_every_descriptor()
    {
        using var q = new DriverQueue(_ram, 0, 4);
        q.AddChain([new(0x1000, 10), new(0x2000, 10)]);
        q.Publish();
        q.NoInterrupt = true;
        DeviceUses(q, 1, (0, 5));
        q.Reset();
        Assert.Equal(4, q.FreeDescriptors);
        Assert.Equal(0, q.InFlight);
        Assert.Equal(0, q.UsedIdx);
        Assert.Equal(0, U16(q.AvailGpa + 2));
        Assert.False(q.NoInterrupt);
        Assert.Equal(new VirtqDescriptor(0, 0, 0, 0), q.ReadDescriptor(0));
    }
}
