using System.Runtime.InteropServices;
using XdpAot.Interop;
using XdpAot.Rings;

namespace XdpAot.Tests.Core;

public unsafe class RingTests
{
    private static readonly xdp_ring_offset Offsets = new() { producer = 0, consumer = 64, flags = 128, desc = 192 };

    private sealed class Ring : IDisposable
    {
        public readonly byte* Memory;
        public readonly RingSet Set = new();

        public Ring(uint size)
        {
            Memory = (byte*)NativeMemory.AllocZeroed(192 + size * 16);
        }

        public uint* Producer => (uint*)Memory;
        public uint* Consumer => (uint*)(Memory + 64);

        public void Dispose()
        {
            Set.Dispose();
            NativeMemory.Free(Memory);
        }
    }

    [Fact]
    public void Producer_reserves_exactly_the_free_slots_and_no_more()
    {
        using var r = new Ring(8);
        RingSetup.InitProducer(r.Set.Fill, r.Memory, Offsets, 8);
        var fill = new ProducerRing(r.Set.Fill);
        Assert.Equal(8u, fill.Reserve(8, out uint idx));
        Assert.Equal(0u, idx);
        Assert.Equal(0u, fill.Reserve(1, out _));
        fill.Submit(8);
        Assert.Equal(8u, *r.Producer);
        // The kernel consumes three: exactly three slots come free.
        *r.Consumer = 3;
        Assert.Equal(0u, fill.Reserve(4, out _));
        Assert.Equal(3u, fill.Reserve(3, out idx));
        Assert.Equal(8u, idx);
    }

    [Fact]
    public void Indices_wrap_around_uint_max()
    {
        using var r = new Ring(4);
        // Start both sides just below the 32-bit wrap.
        *r.Producer = uint.MaxValue - 1;
        *r.Consumer = uint.MaxValue - 1;
        RingSetup.InitProducer(r.Set.Tx, r.Memory, Offsets, 4);
        var tx = new ProducerRing(r.Set.Tx);
        Assert.Equal(4u, tx.Reserve(4, out uint idx));
        for (uint i = 0; i < 4; i++)
            tx.Descriptor(idx + i).addr = 100 + i;
        tx.Submit(4);
        Assert.Equal(2u, *r.Producer); // wrapped
        var descs = (xdp_desc*)(r.Memory + 192);
        // Slot = index & mask: uint.MaxValue-1 -> 2, uint.MaxValue -> 3, 0 -> 0, 1 -> 1.
        Assert.Equal(100ul, descs[2].addr);
        Assert.Equal(101ul, descs[3].addr);
        Assert.Equal(102ul, descs[0].addr);
        Assert.Equal(103ul, descs[1].addr);
        Assert.Equal(4u, tx.Pending);
    }

    [Fact]
    public void Consumer_peek_cancel_release_follow_the_kernel_index()
    {
        using var r = new Ring(8);
        RingSetup.InitConsumer(r.Set.Rx, r.Memory, Offsets, 8);
        var rx = new ConsumerRing(r.Set.Rx);
        Assert.Equal(0u, rx.Peek(64, out _));
        *r.Producer = 5;
        Assert.Equal(3u, rx.Peek(3, out uint idx));
        Assert.Equal(0u, idx);
        rx.Cancel(1);
        Assert.Equal(3u, rx.Peek(64, out idx));
        Assert.Equal(2u, idx);
        rx.Release(5);
        Assert.Equal(5u, *r.Consumer);
        Assert.Equal(0u, rx.Unreleased);
    }

    [Fact]
    public void Consumer_sees_new_entries_only_after_its_cache_is_empty()
    {
        using var r = new Ring(8);
        RingSetup.InitConsumer(r.Set.Completion, r.Memory, Offsets, 8);
        var comp = new ConsumerRing(r.Set.Completion);
        *r.Producer = 2;
        Assert.Equal(1u, comp.Peek(1, out _));
        *r.Producer = 4; // not seen until the cached entry is used up: no shared-index read per call
        Assert.Equal(1u, comp.Peek(8, out _));
        Assert.Equal(2u, comp.Peek(8, out _));
    }

    [Fact]
    public void Need_wakeup_flag_is_read_from_the_ring()
    {
        using var r = new Ring(4);
        RingSetup.InitProducer(r.Set.Fill, r.Memory, Offsets, 4);
        var fill = new ProducerRing(r.Set.Fill);
        Assert.False(fill.NeedsWakeup);
        *(uint*)(r.Memory + 128) = IfXdp.XDP_RING_NEED_WAKEUP;
        Assert.True(fill.NeedsWakeup);
    }

    [Theory]
    [InlineData(1u, true)]
    [InlineData(2048u, true)]
    [InlineData(0u, false)]
    [InlineData(3u, false)]
    [InlineData(2047u, false)]
    public void Ring_sizes_must_be_powers_of_two(uint size, bool valid) => Assert.Equal(valid, RingSetup.IsValidSize(size));
}
