using XdpAot.Tests.Infrastructure;

namespace XdpAot.Tests.GuestInfra;

/// <summary>The guest's milestones as one line for the test output: seconds from QEMU start to each event.</summary>
public static class GuestTimeline
{
    public static string Format(QemuGuest guest) =>
        "guest timeline (s since QEMU start): " + string.Join(", ",
            guest.Events.OrderBy(e => e.Value).Select(e => $"{e.Key} {e.Value.TotalSeconds:0.00}"));
}
