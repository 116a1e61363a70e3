using XdpAot.Tests.Vhost.FrontEnd;
using XdpAot.Tests.Vhost.FrontEndTests;
using XdpAot.Vhost.Device;
using TestFrames = XdpAot.Tests.Vhost.FrontEndTests.Frames;

namespace XdpAot.Tests.Vhost.Device;

/// <summary>Connections come and go; the device and its AF_XDP queues stay, and nothing leaks.</summary>
[Collection(ProcessCensusCollection.Name)]
public class LifecycleTests
{
    /// <summary>
    /// The kinds of fd the back-end and the front-end make: sockets, eventfds/epoll (anon inodes) and guest memfds.
    /// (The runtime opens assemblies and pipes of its own as the test goes on.)
    /// </summary>
    private static int OpenFds() => FdCensus.Targets().Count(t =>
        t.StartsWith("socket:", StringComparison.Ordinal) || t.StartsWith("anon_inode:", StringComparison.Ordinal) || t.Contains("memfd:xdpaot-guest", StringComparison.Ordinal));

    /// <summary>Mappings of guest memory (the front-end's and the back-end's); the JIT's own memfd mappings change as it compiles.</summary>
    private static int Mappings() => FdCensus.GuestMappings();

    [Fact]
    public void Twenty_connections_one_after_another_leave_no_fd_and_no_mapping_behind()
    {
        using var h = new DeviceHarness(pairs: 2);
        int fds = -1, maps = -1;
        for (int i = 0; i < 21; i++)
        {
            var fe = i == 0 ? h.FrontEnd : h.Reconnect();
            fe.Negotiate();
            fe.StartQueuePairs(2, 64);
            fe.PostRxBuffers(1, 4);
            h.Deliver(1, TestFrames.Make(64, i));
            Assert.Single(fe.ReceiveFrames(1, 1));
            fe.Send(0, TestFrames.Make(64, i));
            Assert.Single(h.WireFrames(0, 1));
            // Counted at the same point of every connection, from the second on (the runtime opens a few fds of
            // its own on first use): 20 connections later the counts must be the same.
            if (i == 1)
            {
                fds = OpenFds();
                maps = Mappings();
            }
        }
        Assert.Equal(fds, OpenFds());
        Assert.Equal(maps, Mappings());
        Assert.Equal(21, h.Device.Connections);
    }

    [Fact]
    public void A_reset_device_stops_everything_and_the_guest_can_start_again()
    {
        using var h = new DeviceHarness();
        var fe = h.Start();
        fe.PostRxBuffers(0, 4);
        int maps = Mappings();
        fe.Reset();
        Assert.Equal(maps - 1, Mappings()); // the back-end's mapping of guest RAM is gone
        h.Deliver(0, TestFrames.Make(64, 1));
        BridgeDataPathTests.Wait(() => h.Device.Totals().RxNoGuest == 1);
        fe.Negotiate();
        fe.StartQueuePairs(1);
        fe.PostRxBuffers(0, 4);
        h.Deliver(0, TestFrames.Make(64, 2));
        Assert.Single(fe.ReceiveFrames(0, 1));
    }

    [Fact]
    public void Before_any_front_end_and_between_connections_frames_are_drained_and_counted()
    {
        using var h = new DeviceHarness();
        h.Deliver(0, TestFrames.Make(64, 1), TestFrames.Make(64, 2));
        BridgeDataPathTests.Wait(() => h.Device.Totals().RxNoGuest == 2);
        var fe = h.Start();
        fe.PostRxBuffers(0, 4);
        h.Deliver(0, TestFrames.Make(64, 3));
        var got = fe.ReceiveFrames(0, 1);
        Assert.Equal(Convert.ToHexString(TestFrames.Make(64, 3)), Convert.ToHexString(got[0].Frame));  // not a stale one
    }
}
