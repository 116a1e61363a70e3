using XdpAot.Tests.Infrastructure;

namespace XdpAot.Tests.GuestInfra;

/// <summary>The guest console's marker lines, as <see cref="QemuGuest"/> reads them.</summary>
public sealed class GuestConsoleTests
{
    [Fact]
    public void Results_are_parsed_from_every_pair_and_a_later_value_replaces_an_earlier_one()
    {
        var c = new GuestConsole();
        c.Add(TimeSpan.FromSeconds(1), "XDPAOT-RESULT small.sent=1000 small.received=998 small.bad=0");
        c.Add(TimeSpan.FromSeconds(2), "XDPAOT-RESULT small.received=1000");
        Assert.Equal("1000", c.Results["small.sent"]);
        Assert.Equal("1000", c.Results["small.received"]);
        Assert.Equal("0", c.Results["small.bad"]);
        Assert.Equal(3, c.Results.Count);
    }

    [Fact]
    public void A_marker_after_kernel_text_on_the_same_line_is_still_found()
    {
        var c = new GuestConsole();
        c.Add(TimeSpan.FromSeconds(3), "[    4.2] virtio_net virtio0 eth0: renamed XDPAOT-RESULT eth0.mtu=1500\r");
        c.Add(TimeSpan.FromSeconds(4), "[    4.3] random kernel text XDPAOT-EVENT link-up");
        Assert.Equal("1500", c.Results["eth0.mtu"]);
        Assert.Equal(TimeSpan.FromSeconds(4), c.Events["link-up"]);
    }

    [Fact]
    public void An_event_keeps_the_time_it_first_appeared()
    {
        var c = new GuestConsole();
        c.Add(TimeSpan.FromSeconds(5), "XDPAOT-EVENT small.first-rx");
        c.Add(TimeSpan.FromSeconds(6), "XDPAOT-EVENT small.first-rx");
        Assert.Equal(TimeSpan.FromSeconds(5), c.Events["small.first-rx"]);
        Assert.True(GuestConsole.IsEvent("XDPAOT-EVENT small.first-rx", "small.first-rx"));
        Assert.False(GuestConsole.IsEvent("XDPAOT-EVENT small.first-rx", "small"));
    }

    [Fact]
    public void Errors_are_collected_and_other_lines_ignored()
    {
        var c = new GuestConsole();
        c.Add(TimeSpan.Zero, "XDPAOT-ERROR no eth0 after loading virtio_net");
        c.Add(TimeSpan.Zero, "XDPAOT-LOG small: stream 0: bad frame seq 3 len 64: payload byte differs");
        c.Add(TimeSpan.Zero, "Run /init as init process");
        Assert.Equal(["no eth0 after loading virtio_net"], c.Errors);
        Assert.Empty(c.Results);
        Assert.Empty(c.Events);
    }
}
