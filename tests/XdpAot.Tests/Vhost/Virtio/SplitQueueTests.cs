using XdpAot.Tests.Vhost.FrontEnd;
using XdpAot.Vhost.Virtio;

namespace XdpAot.Tests.Vhost.Virtio;

/// <summary>The device side of a split ring: mapping checks, avail/used, notification suppression both ways.</summary>
public class SplitQueueTests
{
    [Fact]
    public void Heads_are_taken_in_order_and_completions_appear_in_the_used_ring_once_published()
    {
        using var f = new RingFixture(size: 8);
        ushort h0 = f.Driver.AddChain([new(f.Buffer(16), 16)]);
        ushort h1 = f.Driver.AddChain([new(f.Buffer(16), 16)]);
        f.Driver.Publish();
        Assert.Equal(2u, f.Device.Available());
        Assert.Equal(h0, f.Device.Pop());
        Assert.Equal(h1, f.Device.Pop());
        f.Device.AddUsed(h0, 10);
        f.Device.AddUsed(h1, 20);
        Assert.Empty(f.Driver.TakeUsed());                 // not yet published
        Assert.True(f.Device.Publish());
        Assert.False(f.Device.Publish());                  // nothing new
        Assert.Equal([new UsedElement(h0, 10), new UsedElement(h1, 20)], f.Driver.TakeUsed());
        Assert.Equal(2, f.Device.NextAvail);
    }

    [Fact]
    public void Unpop_puts_heads_back_for_the_next_pass()
    {
        using var f = new RingFixture(size: 8);
        ushort h0 = f.Driver.AddChain([new(f.Buffer(16), 16)]);
        f.Driver.AddChain([new(f.Buffer(16), 16)]);
        f.Driver.Publish();
        f.Device.Pop();
        f.Device.Pop();
        f.Device.Unpop(2);
        Assert.Equal(2u, f.Device.Available());
        Assert.Equal(h0, f.Device.Pop());
    }

    [Theory]
    [InlineData(9)]      // a jump of more than the ring size
    [InlineData(65535)]  // "backwards" by one
    public void An_avail_index_out_of_range_breaks_the_queue_and_signals_the_error_fd(int availIdx)
    {
        using var f = new RingFixture(size: 8);
        f.Device.ErrFd = f.Driver.ErrFd.Fd;
        f.Driver.SetAvailIdx((ushort)availIdx);
        Assert.Equal(0u, f.Device.Available());
        Assert.True(f.Device.Broken);
        Assert.True(f.Driver.ErrFd.Wait(TimeSpan.FromSeconds(1)));
        f.Driver.SetAvailIdx(1);
        Assert.Equal(0u, f.Device.Available()); // broken stays broken until the ring is restarted
    }

    [Fact]
    public void An_avail_index_exactly_a_ring_ahead_is_fine()
    {
        using var f = new RingFixture(size: 8);
        f.Driver.SetAvailIdx(8);
        Assert.Equal(8u, f.Device.Available());
        Assert.False(f.Device.Broken);
    }

    [Fact]
    public void Without_event_idx_the_guest_is_called_unless_it_set_no_interrupt()
    {
        using var f = new RingFixture(size: 8);
        f.Device.CallFd = f.Driver.CallFd.Fd;
        f.Device.AddUsed(0, 0);
        Assert.True(f.Device.PublishAndNotify());
        Assert.True(f.Driver.WaitForCall(TimeSpan.FromSeconds(1)));
        f.Driver.NoInterrupt = true;
        f.Device.AddUsed(1, 0);
        Assert.False(f.Device.PublishAndNotify());
        Assert.False(f.Driver.WaitForCall(TimeSpan.FromMilliseconds(10)));
        Assert.False(f.Device.PublishAndNotify()); // nothing new: no call either way
    }

    [Fact]
    public void With_event_idx_the_guest_is_called_when_used_passes_its_used_event_also_across_the_wrap()
    {
        using var f = new RingFixture(size: 8, eventIdx: true);
        f.Device.CallFd = f.Driver.CallFd.Fd;
        // Start near the wrap: the ring's used index is 65533.
        f.Driver.Reset();
        var q = f.Map(8, eventIdx: true, indirect: true, nextAvail: 65533);
        q.CallFd = f.Driver.CallFd.Fd;
        f.Driver.SetAvailIdx(65533);
        SetUsedIdx(f, 65533);
        q = f.Map(8, eventIdx: true, indirect: true, nextAvail: 65533);
        q.CallFd = f.Driver.CallFd.Fd;

        f.Driver.UsedEvent = 65535;                 // "call me when entry 65535 is used"
        q.AddUsed(0, 0);                            // used -> 65534
        Assert.True(q.PublishAndNotify());          // the first check after a (re)start always calls
        Assert.True(f.Driver.WaitForCall(TimeSpan.FromSeconds(1)));
        q.AddUsed(1, 0);                            // used -> 65535: not past 65535 yet
        Assert.False(q.PublishAndNotify());
        q.AddUsed(2, 0);
        q.AddUsed(3, 0);                            // used -> 1, passing 65535 and the wrap
        Assert.True(q.PublishAndNotify());
        Assert.True(f.Driver.WaitForCall(TimeSpan.FromSeconds(1)));
        q.AddUsed(4, 0);                            // used_event still 65535: already passed
        Assert.False(q.PublishAndNotify());
        Assert.Equal(2ul, q.Calls);
    }

    private static unsafe void SetUsedIdx(RingFixture f, ushort value) =>
        *(ushort*)f.Ram.Pointer(f.Driver.UsedGpa + 2, 2) = value;

    [Fact]
    public void Kicks_are_asked_for_through_avail_event_with_event_idx_and_through_used_flags_without()
    {
        using (var f = new RingFixture(size: 8, eventIdx: true))
        {
            f.Driver.AddChain([new(f.Buffer(8), 8)]);
            f.Driver.Publish();
            f.Device.Pop();
            f.Device.EnableKicks();
            Assert.Equal(1, f.Driver.AvailEvent);      // kick me for the entry after the one I took
            f.Driver.AddChain([new(f.Buffer(8), 8)]);
            f.Driver.Publish();
            Assert.True(f.Driver.Kick());
            f.Driver.AddChain([new(f.Buffer(8), 8)]);
            f.Driver.Publish();
            Assert.False(f.Driver.Kick());             // one kick is enough until we ask again
        }
        using (var f = new RingFixture(size: 8))
        {
            f.Device.DisableKicks();
            Assert.True(f.Driver.DeviceNoNotify);
            f.Device.EnableKicks();
            Assert.False(f.Driver.DeviceNoNotify);
        }
    }

    [Fact]
    public void Mapping_refuses_bad_sizes_misaligned_parts_and_rings_outside_one_region()
    {
        using var f = new RingFixture(size: 8);
        ulong desc = f.Ram.UserAddress(f.Driver.DescGpa), avail = f.Ram.UserAddress(f.Driver.AvailGpa), used = f.Ram.UserAddress(f.Driver.UsedGpa);
        Assert.Null(SplitQueue.Map(f.Memory, 6, desc, avail, used, 0, false, false, out var e1));
        Assert.Contains("power of two", e1);
        Assert.Null(SplitQueue.Map(f.Memory, 65536, desc, avail, used, 0, false, false, out _));
        Assert.Null(SplitQueue.Map(f.Memory, 8, desc + 8, avail, used, 0, false, false, out var e2));
        Assert.Contains("misaligned", e2);
        Assert.Null(SplitQueue.Map(f.Memory, 8, desc, avail + 1, used, 0, false, false, out _));
        Assert.Null(SplitQueue.Map(f.Memory, 8, desc, avail, used + 2, 0, false, false, out _));
        ulong end = f.Ram.UserAddress(0) + f.Ram.Region(0).Size;
        Assert.Null(SplitQueue.Map(f.Memory, 8, end - 64, avail, used, 0, false, false, out var e3)); // desc runs past the region
        Assert.Contains("not inside one memory region", e3);
        Assert.Null(SplitQueue.Map(f.Memory, 8, desc, avail, 0x10, 0, false, false, out _));        // used nowhere
        Assert.NotNull(SplitQueue.Map(f.Memory, 8, desc, avail, used, 0, false, false, out _));
    }

    [Fact]
    public void A_ring_whose_used_index_differs_from_its_base_resumes_at_the_used_index()
    {
        using var f = new RingFixture(size: 8);
        SetUsedIdx(f, 5);
        var q = f.Map(8, eventIdx: false, indirect: false, nextAvail: 3);
        Assert.Equal(5, q.NextAvail);
        Assert.Equal(5, q.UsedIndex);
    }
}
