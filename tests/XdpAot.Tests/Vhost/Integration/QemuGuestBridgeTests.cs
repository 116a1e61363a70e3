using System.Globalization;
using XdpAot.Tests.Cli;
using XdpAot.Tests.Infrastructure;
using XdpAot.Tests.Integration;
using Xunit.Abstractions;

namespace XdpAot.Tests.Vhost.Integration;

/// <summary>
/// A real QEMU 10 guest (TCG, a Linux kernel with Debian's virtio-net driver) whose NIC is `xdpaot vhost`: it boots,
/// brings eth0 up and pings an address on the other end of the veth pair, where the host's own IP stack answers.
/// </summary>
[Collection(IntegrationCollection.Name)]
public sealed class QemuGuestBridgeTests(ITestOutputHelper output)
{
    private const string PeerIp = "10.78.0.1";
    private const string GuestIp = "10.78.0.2";

    [Fact]
    public void A_qemu_guest_boots_on_the_bridge_and_pings_the_peer()
    {
        using var pair = VethPair.Create();
        string sock = TempSockets.NewPath("guest");
        pair.Ip("addr", "add", $"{PeerIp}/24", "dev", pair.B);
        using var backend = XdpaotProcess.Start(pair.Namespace, "vhost", "--socket-path", sock, "--port", $"ifname={pair.A},mode=skb", "--json");
        backend.WaitFor("vhost ready on", TimeSpan.FromSeconds(30));
        using var guest = QemuGuest.Start(new GuestOptions
        {
            SocketPath = sock,
            Ip = $"{GuestIp}/24",
            Script = $$"""
                ping -c 5 -W 10 {{PeerIp}} >/tmp/ping.out 2>&1
                cat /tmp/ping.out
                received=$(sed -n 's/.* \([0-9][0-9]*\) packets received.*/\1/p' /tmp/ping.out)
                echo "XDPAOT-RESULT ping.received=${received:-0}"
                """,
        });
        Assert.True(guest.WaitForExit(TimeSpan.FromSeconds(120)) == 0, guest.ConsoleLog);
        output.WriteLine(XdpAot.Tests.GuestInfra.GuestTimeline.Format(guest));
        Assert.Empty(guest.Errors);
        Assert.True(guest.Counter("ping.received") == 5, $"5 of 5 replies expected\n{guest.ConsoleLog}\n{backend.Transcript}");
        backend.Signal("TERM");
        Assert.Equal(0, backend.WaitForExit(TimeSpan.FromSeconds(10)));
        var json = backend.Json();
        output.WriteLine(backend.StdErr);
        // ARP and the echoes both ways, every frame accounted for.
        Assert.True(json.GetProperty("tx_frames").GetInt64() >= 6 && json.GetProperty("rx_frames").GetInt64() >= 6, backend.Transcript);
        Assert.Equal(0, json.GetProperty("refused_chains").GetInt64());
        Assert.Contains("VERSION_1", backend.StdErr);
    }
}
