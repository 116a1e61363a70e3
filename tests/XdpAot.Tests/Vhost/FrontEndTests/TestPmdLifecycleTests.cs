using XdpAot.Tests.Integration;
using XdpAot.Tests.Vhost.FrontEnd;

namespace XdpAot.Tests.Vhost.FrontEndTests;

/// <summary>Connections coming and going against one testpmd, stop and resume, reset, client mode, and no leaks.</summary>
[Collection(IntegrationCollection.Name)]
public class TestPmdLifecycleTests(VhostPmdFixture fixture) : IClassFixture<VhostPmdFixture>
{
    private const ulong Features = Loopback.Base | VirtioFeature.MrgRxbuf | VirtioFeature.IndirectDesc | VirtioFeature.EventIdx | VirtioFeature.NetMq;

    private VhostPmd Pmd => fixture.Pmd;

    [Fact]
    public void Five_connections_one_after_another_each_get_their_frames_back()
    {
        for (int i = 0; i < 5; i++)
        {
            using var fe = Loopback.Start(Pmd, Features, pairs: 2);
            for (int p = 0; p < 2; p++)
                fe.PostRxBuffers(p, 32);
            for (int p = 0; p < 2; p++)
                Loopback.RoundTrip(Pmd, fe, p, seq: 1000 * i + 100 * p, repeat: 1);
        }
    }

    [Fact]
    public void Reconnect_resumes_the_same_rings_from_their_used_idx()
    {
        using var fe = Loopback.Start(Pmd, Features);
        fe.PostRxBuffers(0, 32);
        Loopback.RoundTrip(Pmd, fe, 0, seq: 0);
        var rx = fe.Pair(0).Rx;
        var tx = fe.Pair(0).Tx;
        Assert.True(Loopback.Eventually(() => tx.UsedIdx == 6));
        for (int i = 1; i <= 5; i++)
        {
            fe.Disconnect();
            fe.Reconnect();
            // 32 buffers were posted and 6 used per round: the back-end starts at used idx, not 0.
            Loopback.RoundTrip(Pmd, fe, 0, seq: 10 * i);
            fe.PostRxBuffers(0, 6);
            Assert.True(Loopback.Eventually(() => tx.UsedIdx == 6 * (i + 1)));
            fe.ReclaimTx(0);
        }
        Assert.Equal(36, rx.LastUsedIdx);
        Assert.Equal(0, rx.UnknownCompletions);
    }

    [Fact]
    public void Stop_returns_the_next_avail_idx_of_each_ring_and_a_start_resumes_from_it()
    {
        using var fe = Loopback.Start(Pmd, Features);
        fe.PostRxBuffers(0, 32);
        Loopback.RoundTrip(Pmd, fe, 0, repeat: 3);
        Assert.True(Loopback.Eventually(() => fe.Pair(0).Tx.UsedIdx == 9));
        var bases = fe.Stop();
        Assert.Equal([9u, 9u], bases);
        fe.StartQueuePairs(1, 256);
        Loopback.RoundTrip(Pmd, fe, 0, seq: 50);
        Assert.Equal(15, fe.Pair(0).Rx.LastUsedIdx);
    }

    [Fact]
    public void After_Reset_a_new_negotiation_starts_the_device_again()
    {
        using var fe = Loopback.Start(Pmd, Features);
        fe.PostRxBuffers(0, 16);
        Loopback.RoundTrip(Pmd, fe, 0, repeat: 1);
        fe.Stop();
        fe.Reset();
        Assert.Contains(VhostUserRequest.ResetOwner, fe.SentRequests);
        fe.Negotiate(Features, Loopback.Protocol);
        fe.StartQueuePairs(1, 256);
        Assert.Equal(0, fe.Pair(0).Rx.AvailIdx);
        fe.PostRxBuffers(0, 16);
        Loopback.RoundTrip(Pmd, fe, 0, seq: 7, repeat: 1);
    }

    [Fact]
    public void Without_NET_MQ_dpdk_drops_the_second_pair_at_SET_FEATURES()
    {
        // DPDK 22.11 frees every vring past the first pair when SET_FEATURES lacks VIRTIO_NET_F_MQ. In QEMU's order
        // SET_VRING_CALL/ERR/ENABLE come before SET_FEATURES, so pair 1 loses its enable and never runs; pair 0 does.
        using var fe = Loopback.Start(Pmd, Loopback.Base, pairs: 2);
        fe.PostRxBuffers(0, 8);
        fe.PostRxBuffers(1, 8);
        fe.Send(1, Frames.Make(64, 1));
        fe.Send(0, Frames.Make(64, 0));
        Assert.Single(Loopback.Receive(Pmd, fe, 0, 1));
        Assert.False(Loopback.Eventually(() => fe.Pair(1).Tx.UsedIdx != 0, TimeSpan.FromSeconds(1)));
        Assert.Empty(fe.Receive(1));
    }

    [Fact]
    public void A_testpmd_in_client_mode_connects_to_our_listener()
    {
        string dir = Directory.CreateTempSubdirectory("xdpaot-fe-client-").FullName;
        try
        {
            string path = Path.Combine(dir, "vhost.sock");
            using var listener = VhostUserChannel.Listen(path);
            using var pmd = VhostPmd.Start(queues: 1, client: true, socketPath: path);
            using var fe = VirtioNetFrontEnd.Accept(listener);
            fe.Negotiate(Features, Loopback.Protocol);
            fe.StartQueuePairs(1, 256);
            fe.PostRxBuffers(0, 16);
            Loopback.RoundTrip(pmd, fe, 0);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Fifty_connect_close_cycles_leave_no_fd_and_no_mapping_behind()
    {
        void Cycle(int i)
        {
            using var fe = Loopback.Start(Pmd, Features, pairs: 2, options: new FrontEndOptions { Layout = GuestRamLayout.WithGap(8 * GuestRamLayout.MiB, 8 * GuestRamLayout.MiB) });
            fe.PostRxBuffers(0, 4);
            fe.Send(0, Frames.Make(60, i));
            Frames.AssertMacSwapped(Frames.Make(60, i), Loopback.Receive(Pmd, fe, 0, 1)[0].Frame);
        }

        Cycle(0);   // warms up whatever the runtime opens once
        int fds = FdCensus.Targets().Count;
        int eventFds = FdCensus.Count("anon_inode:[eventfd]");
        int sockets = FdCensus.Count("socket:");
        for (int i = 1; i <= 50; i++)
            Cycle(i);
        Assert.Equal(0, FdCensus.Count("memfd:xdpaot-guest"));
        Assert.Equal(0, FdCensus.GuestMappings());
        Assert.Equal(eventFds, FdCensus.Count("anon_inode:[eventfd]"));
        Assert.Equal(sockets, FdCensus.Count("socket:"));
        Assert.InRange(FdCensus.Targets().Count, 0, fds);
    }
}
