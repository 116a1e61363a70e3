using XdpAot.Ports;
using XdpAot.Tests.Fakes;

namespace XdpAot.Tests.Core;

/// <summary>
/// When the Fill ring is topped up. A receive loop polls an empty RX ring over and over; reading the Fill ring's
/// consumer index there pulls a cache line the kernel writes on its receive path to the polling core on every pass.
/// So an empty poll only uses what it last saw; the index is read again when frames come back through RX.
/// </summary>
public class FillRingPolicyTests
{
    private const uint Ring = 64;

    [Fact]
    public void An_empty_poll_does_not_look_for_fill_slots_the_kernel_freed()
    {
        using var fq = new FakeQueue(ringSize: Ring, frameCount: Ring * 4);
        Assert.Equal(Ring, fq.Kernel.FillAvailable);
        fq.Kernel.TakeFill(10); // a driver stocks its own ring: nothing arrives in RX

        var handler = new CollectingHandler(int.MaxValue);
        for (int i = 0; i < 3; i++)
            Assert.Equal(0, fq.Queue.Receive(ref handler));

        Assert.Equal(Ring - 10, fq.Kernel.FillAvailable);
    }

    [Fact]
    public void Frames_coming_back_refill_what_the_kernel_took()
    {
        using var fq = new FakeQueue(ringSize: Ring, frameCount: Ring * 4);
        fq.Kernel.TakeFill(10);
        var handler = new CollectingHandler(int.MaxValue);
        Assert.Equal(0, fq.Queue.Receive(ref handler));
        byte[] frame = new byte[60];
        for (int i = 0; i < 5; i++)
            Assert.True(fq.Kernel.Deliver(frame));
        Assert.Equal(Ring - 15, fq.Kernel.FillAvailable);

        Assert.Equal(5, fq.Queue.Receive(ref handler));

        // The five frames went back, and the ten the kernel still holds were replaced from the pool.
        Assert.Equal(Ring, fq.Kernel.FillAvailable);
        var counts = fq.Queue.CountFrames();
        Assert.Equal(Ring * 4, counts.Total + 10);
    }

    [Fact]
    public void Frames_freed_by_tx_completions_reach_the_fill_ring_through_an_empty_poll()
    {
        // 192 frames, rings of 64: the Fill ring starts full; 64 of the 128 in the pool are kept for TX.
        using var fq = new FakeQueue(ringSize: Ring, frameCount: Ring * 3);
        var handler = new CollectingHandler(int.MaxValue);
        byte[] frame = new byte[60];
        for (int i = 0; i < Ring; i++)
            Assert.Equal(frame.Length, fq.Queue.Send(frame));
        // The kernel takes 20 Fill entries for itself and delivers 10 more. Receiving those refreshes the view of
        // the Fill ring, but the pool is down to its TX reserve: 20 slots stay empty.
        fq.Kernel.TakeFill(20);
        for (int i = 0; i < 10; i++)
            Assert.True(fq.Kernel.Deliver(frame));
        Assert.Equal(10, fq.Queue.Receive(ref handler));
        Assert.Equal(Ring - 20, fq.Kernel.FillAvailable);

        // Completions bring the pool above its reserve: the next poll, with nothing received, fills the 20 slots.
        Assert.Equal((int)Ring, fq.Kernel.Transmit(int.MaxValue));
        Assert.Equal((int)Ring, fq.Queue.ReapCompletions());
        Assert.Equal(0, fq.Queue.Receive(ref handler));
        Assert.Equal(Ring, fq.Kernel.FillAvailable);
    }
}
