using XdpAot.Tests.Infrastructure;
using XdpAot.Tests.Integration;
using Xunit.Abstractions;
using TestFrames = XdpAot.Tests.Vhost.FrontEndTests.Frames;

namespace XdpAot.Tests.Vhost.Integration;

/// <summary>
/// DPDK's virtio_user (testpmd, a real front-end and driver that is not ours) on `xdpaot vhost`, with veth and an
/// AF_XDP peer on the wire: txonly reaches the peer, what the peer sends reaches rxonly, io forwarding sends it back.
/// </summary>
[Collection(IntegrationCollection.Name)]
public sealed class VirtioUserBridgeTests(ITestOutputHelper output)
{
    private static TestPmdOptions Guest(string sock, string mode, int queues) => new()
    {
        Vdevs = [Vdev.VirtioUser(sock, queues)],
        ForwardMode = mode,
        TxPacketLength = 64,
        Queues = queues,
        HugePages = true,
    };

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Virtio_user_txonly_frames_come_out_on_the_wire(int queues)
    {
        using var p = VhostPeer.Create(queues);
        p.Start("--socket-path", "--quiet");
        using var pmd = TestPmd.Start(Guest(p.SocketPath, "txonly", queues));
        for (int q = 0; q < queues; q++)
        {
            var got = p.ReceiveAny(q, 100, TimeSpan.FromSeconds(30));
            Assert.True(got.Count >= 100, $"queue {q}: {got.Count} frames\n{pmd.Transcript}\n{p.Backend!.Transcript}");
            Assert.All(got, f => Assert.Equal(64, f.Length));                   // testpmd's IPv4/UDP frames, whole
            Assert.All(got, f => Assert.Equal(0x0800, f[12] << 8 | f[13]));
        }
        var report = pmd.Stop();
        output.WriteLine($"virtio_user: {report.Ports[0]}");
        Assert.True(report.Ports[0].TxPackets >= 100 * queues);
    }

    [Fact]
    public void Frames_from_the_wire_reach_virtio_user_rxonly_and_come_back_with_io_forwarding()
    {
        using var p = VhostPeer.Create();
        p.Start("--socket-path", "--quiet");
        using (var pmd = TestPmd.Start(Guest(p.SocketPath, "rxonly", 1)))
        {
            WaitForRings(p);
            p.SendToGuest(0, Enumerable.Range(0, 500).Select(i => TestFrames.Make(128, i)));
            var seen = pmd.WaitForStats(s => s.RxPackets >= 500, TimeSpan.FromSeconds(30));
            output.WriteLine($"rxonly: {seen}");
        }
        using (var pmd = TestPmd.Start(Guest(p.SocketPath, "io", 1)))
        {
            WaitForRings(p);
            var sent = Enumerable.Range(0, 300).Select(i => TestFrames.Make(200, 1000 + i)).ToArray();
            p.SendToGuest(0, sent);
            var back = p.ReceiveFromGuest(0, sent.Length, TimeSpan.FromSeconds(30));
            Assert.Equal(sent.Select(Convert.ToHexString), back.Select(Convert.ToHexString)); // io forwarding: untouched, in order
            output.WriteLine($"io: {pmd.Stop().Ports[0]}");
        }
    }

    /// <summary>The rings run once virtio_user has started them (the back-end logs it); frames before that are dropped as "no guest".</summary>
    private static void WaitForRings(VhostPeer p)
    {
        var backend = p.Backend!;
        long deadline = Environment.TickCount64 + 30_000;
        while (!backend.StdErr.Contains("connected", StringComparison.Ordinal) && Environment.TickCount64 < deadline)
            Thread.Sleep(50);
        Thread.Sleep(2000); // testpmd starts its ports and begins polling a moment after negotiation
    }
}
