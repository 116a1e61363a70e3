using System.Diagnostics;
using XdpAot.Tests.Infrastructure;
using XdpAot.Tests.Integration;
using Xunit.Abstractions;

namespace XdpAot.Tests.GuestInfra;

/// <summary>
/// DPDK's virtio_user front-end (testpmd txonly, on hugepages) against DPDK's vhost PMD (testpmd rxonly): the
/// front-end that tests can point at any vhost-user back-end, in both socket roles.
/// </summary>
[Collection(IntegrationCollection.Name)]
public sealed class VirtioUserTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(1, false)]   // the vhost PMD listens, virtio_user connects
    [InlineData(2, true)]    // virtio_user listens (server=1), the vhost PMD connects (client=1)
    public void Virtio_user_txonly_packets_reach_vhost_rxonly(int queues, bool virtioUserListens)
    {
        var clock = Stopwatch.StartNew();
        string sock = TempSockets.NewPath("virtio");
        var vhostOptions = new TestPmdOptions { Vdevs = [Vdev.Vhost(sock, queues, client: virtioUserListens)], ForwardMode = "rxonly", Queues = queues };
        var virtioOptions = new TestPmdOptions
        {
            Vdevs = [Vdev.VirtioUser(sock, queues, server: virtioUserListens)],
            ForwardMode = "txonly",
            TxPacketLength = 64,
            Queues = queues,
            HugePages = true,
        };
        // Whoever listens starts first: virtio_user as a client fails at start-up when nobody listens.
        using var first = TestPmd.Start(virtioUserListens ? virtioOptions : vhostOptions);
        using var second = TestPmd.Start(virtioUserListens ? vhostOptions : virtioOptions);
        var (vhost, virtio) = virtioUserListens ? (second, first) : (first, second);

        var seen = vhost.WaitForStats(s => s.RxPackets > 0, TimeSpan.FromSeconds(30));
        output.WriteLine($"vhost rxonly after {clock.Elapsed.TotalSeconds:0.0} s: {seen}");

        var sent = virtio.Stop();
        var received = vhost.Stop();
        output.WriteLine($"virtio_user: {sent.Ports[0]}; vhost: {received.Ports[0]}; vhost streams: {string.Join("; ", received.Streams)}");
        Assert.True(sent.Ports[0].TxPackets > 0, virtio.Transcript);
        Assert.True(received.Ports[0].RxPackets > 0, vhost.Transcript);
        Assert.True(received.Ports[0].RxPackets <= sent.Ports[0].TxPackets, $"more received than sent\n{vhost.Transcript}");
        if (queues > 1)
        {
            for (int q = 0; q < queues; q++)
                Assert.True(Assert.Single(received.Streams, s => s.RxQueue == q).RxPackets > 0, $"queue {q}\n{vhost.Transcript}");
        }
        output.WriteLine($"test took {clock.Elapsed.TotalSeconds:0.0} s");
    }
}
