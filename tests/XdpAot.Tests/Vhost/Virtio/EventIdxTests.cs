using XdpAot.Vhost.Virtio;

namespace XdpAot.Tests.Vhost.Virtio;

/// <summary>vring_need_event at the edges, wrap-around included.</summary>
public class EventIdxTests
{
    [Theory]
    // event, new, old, needed
    [InlineData(0, 1, 0, true)]          // the entry the other side waits for
    [InlineData(5, 6, 0, true)]          // passed it in a batch
    [InlineData(5, 5, 0, false)]         // not yet
    [InlineData(5, 7, 6, false)]         // already passed before this batch
    [InlineData(65535, 0, 65534, true)]  // wrap: 65535 is crossed going to 0
    [InlineData(65535, 2, 65530, true)]
    [InlineData(0, 3, 65534, true)]      // event after the wrap
    [InlineData(3, 2, 65534, false)]     // event after new, across the wrap
    [InlineData(7, 7, 7, false)]         // nothing moved
    public void Needs_event_only_when_the_index_passed_the_event(int eventIdx, int current, int old, bool needed)
    {
        Assert.Equal(needed, EventIdx.NeedsEvent((ushort)eventIdx, (ushort)current, (ushort)old));
    }

    [Fact]
    public void Over_every_step_of_a_whole_cycle_exactly_one_step_crosses_the_event()
    {
        for (int ev = 0; ev < 65536; ev += 4093)
        {
            int hits = 0;
            for (int i = 0; i < 65536; i++)
            {
                if (EventIdx.NeedsEvent((ushort)ev, (ushort)(i + 1), (ushort)i))
                    hits++;
            }
            Assert.Equal(1, hits);
        }
    }
}
