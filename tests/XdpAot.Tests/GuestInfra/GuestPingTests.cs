using System.Diagnostics;
using XdpAot.Tests.Infrastructure;
using XdpAot.Tests.Integration;
using Xunit.Abstractions;

namespace XdpAot.Tests.GuestInfra;

/// <summary>
/// The guest's IP stack through DPDK's vhost PMD: testpmd forwards (io mode) between the vhost port and a tap
/// interface in a namespace of the test's own, and the guest pings the tap's address.
/// </summary>
[Collection(IntegrationCollection.Name)]
public sealed class GuestPingTests(ITestOutputHelper output)
{
    private const string TapIp = "10.77.0.1";
    private const string GuestIp = "10.77.0.2";

    [Fact]
    public void Guest_pings_a_tap_through_testpmd_io_forwarding()
    {
        var clock = Stopwatch.StartNew();
        using var ns = TestNamespace.Create();
        string tap = ns.NewInterfaceName();
        string sock = TempSockets.NewPath("ping");
        using var pmd = TestPmd.Start(new TestPmdOptions
        {
            Vdevs = [Vdev.Vhost(sock), Vdev.Tap(tap)],
            ForwardMode = "io",
            Namespace = ns.Name,
        });
        ns.Exec("sysctl", "-qw", $"net.ipv6.conf.{tap}.disable_ipv6=1");
        ns.Ip("addr", "add", $"{TapIp}/24", "dev", tap);
        ns.Ip("link", "set", tap, "up");

        using var guest = QemuGuest.Start(new GuestOptions
        {
            SocketPath = sock,
            Ip = $"{GuestIp}/24",
            Script = $$"""
                ping -c 3 -W 10 {{TapIp}} >/tmp/ping.out 2>&1
                cat /tmp/ping.out
                received=$(sed -n 's/.* \([0-9][0-9]*\) packets received.*/\1/p' /tmp/ping.out)
                echo "XDPAOT-RESULT ping.received=${received:-0}"
                """,
        });
        Assert.Equal(0, guest.WaitForExit(TimeSpan.FromSeconds(90)));
        output.WriteLine(GuestTimeline.Format(guest));

        Assert.Empty(guest.Errors);
        Assert.True(guest.Counter("ping.received") == 3, $"3 of 3 replies expected\n{guest.ConsoleLog}");
        var report = pmd.Stop();
        output.WriteLine($"testpmd vhost port: {report.Ports[0]}; tap port: {report.Ports[1]}");
        // The ARP exchange and the echoes crossed testpmd both ways.
        Assert.True(report.Ports[0].RxPackets >= 4 && report.Ports[1].RxPackets >= 4, pmd.Transcript);
        output.WriteLine($"test took {clock.Elapsed.TotalSeconds:0.0} s");
    }
}
