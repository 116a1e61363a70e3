using System.Buffers.Binary;
using XdpAot.Tests.Vhost.FrontEnd;
using XdpAot.Tests.Vhost.FrontEndTests;
using XdpAot.Vhost.Device;

namespace XdpAot.Tests.Vhost.Device;

/// <summary>
/// The control channel as an attacker writes it: wrong fd counts, fd floods, truncated and oversized messages, bad
/// headers. The back-end must close every fd it was sent and did not keep, never crash, and end the connection only
/// where the spec says.
/// </summary>
[Collection(ProcessCensusCollection.Name)]
public class HostileFrontEndTests
{
    /// <summary>Eventfds open in this process (the back-end runs in it).</summary>
    private static int EventFds() => FdCensus.Count("anon_inode:[eventfd]");

    private static byte[] Header(uint request, uint flags, uint size)
    {
        var b = new byte[12];
        BinaryPrimitives.WriteUInt32LittleEndian(b, request);
        BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(4), flags);
        BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(8), size);
        return b;
    }

    [Fact]
    public void A_message_with_the_wrong_number_of_fds_fails_and_every_fd_it_brought_is_closed()
    {
        using var h = new DeviceHarness();
        var fe = h.FrontEnd;
        fe.Negotiate();
        using var a = new EventFd();
        using var b = new EventFd();
        int before = EventFds();
        // Two fds where one is expected, one where none is, one with the no-fd flag set.
        Assert.Equal(1ul, ProtocolTests.Ack(fe, VhostUserRequest.SetVringCall, VhostUserPayload.U64(0), [a.Fd, b.Fd]));
        Assert.Equal(1ul, ProtocolTests.Ack(fe, VhostUserRequest.SetVringNum, VhostUserPayload.VringState(0, 256), [a.Fd]));
        Assert.Equal(1ul, ProtocolTests.Ack(fe, VhostUserRequest.SetVringKick, VhostUserPayload.U64(VhostUserLayout.VringNoFd), [a.Fd]));
        Assert.Equal(1ul, ProtocolTests.Ack(fe, VhostUserRequest.SetVringErr, VhostUserPayload.U64(0))); // one expected, none sent
        Assert.Equal(1ul, ProtocolTests.Ack(fe, VhostUserRequest.RemMemReg, new byte[40], [a.Fd, b.Fd]));
        Assert.Equal(before, EventFds());
    }

    [Fact]
    public void A_memory_table_whose_fd_count_differs_from_its_region_count_is_refused_and_its_fds_closed()
    {
        using var h = new DeviceHarness();
        var fe = h.FrontEnd;
        fe.Negotiate();
        var region = fe.Ram.Region(0);
        var table = VhostUserPayload.MemoryTable([region.Description, region.Description with { GuestPhysAddr = 1ul << 40, UserspaceAddr = region.UserAddress + (1ul << 40) }]);
        int memfds = FdCensus.Count("memfd:");
        Assert.Equal(1ul, ProtocolTests.Ack(fe, VhostUserRequest.SetMemTable, table, [region.Fd]));
        Assert.Equal(1ul, ProtocolTests.Ack(fe, VhostUserRequest.SetMemTable, table, [region.Fd, region.Fd, region.Fd]));
        Assert.Equal(memfds, FdCensus.Count("memfd:"));
        Assert.Equal(0, BackendMappings(h));
    }

    [Fact]
    public void Memory_tables_that_are_empty_too_large_overlapping_or_bigger_than_their_files_are_refused()
    {
        using var h = new DeviceHarness();
        var fe = h.FrontEnd;
        fe.Negotiate();
        var r = fe.Ram.Region(0).Description;
        int fd = fe.Ram.Region(0).Fd;
        var empty = new byte[8];
        Assert.Equal(1ul, ProtocolTests.Ack(fe, VhostUserRequest.SetMemTable, empty));
        var nine = Enumerable.Range(0, 9).Select(i => r with { GuestPhysAddr = (ulong)i << 32, UserspaceAddr = r.UserspaceAddr + ((ulong)i << 32) }).ToArray();
        Assert.Equal(1ul, ProtocolTests.Ack(fe, VhostUserRequest.SetMemTable, VhostUserPayload.MemoryTable(nine), Enumerable.Repeat(fd, 9).ToArray()));
        var overlap = new[] { r, r with { UserspaceAddr = r.UserspaceAddr + (1ul << 40) } };
        Assert.Equal(1ul, ProtocolTests.Ack(fe, VhostUserRequest.SetMemTable, VhostUserPayload.MemoryTable(overlap), [fd, fd]));
        var tooBig = new[] { r with { MemorySize = r.MemorySize * 2 } };
        Assert.Equal(1ul, ProtocolTests.Ack(fe, VhostUserRequest.SetMemTable, VhostUserPayload.MemoryTable(tooBig), [fd]));
        var overflow = new[] { r with { GuestPhysAddr = ulong.MaxValue - 4095 } };
        Assert.Equal(1ul, ProtocolTests.Ack(fe, VhostUserRequest.SetMemTable, VhostUserPayload.MemoryTable(overflow), [fd]));
        Assert.Equal(0, BackendMappings(h));
        Assert.Equal(0ul, ProtocolTests.Ack(fe, VhostUserRequest.SetMemTable, VhostUserPayload.MemoryTable([r]), [fd]));
        Assert.Equal(1, BackendMappings(h));
    }

    [Theory]
    [InlineData(10)]
    [InlineData(40)]   // more than any message may carry: the kernel truncates the control data
    public void An_fd_flood_leaves_no_fd_behind(int fdsPerMessage)
    {
        using var h = new DeviceHarness();
        var fe = h.FrontEnd;
        fe.Negotiate();
        using var e = new EventFd();
        int before = EventFds();
        var fds = Enumerable.Repeat(e.Fd, fdsPerMessage).ToArray();
        for (int i = 0; i < 100; i++)
            Assert.Equal(1ul, ProtocolTests.Ack(fe, VhostUserRequest.SetVringCall, VhostUserPayload.U64(0), fds));
        Assert.Equal(before, EventFds());
        fe.StartQueuePairs(1); // and the connection still works
    }

    [Fact]
    public void Fds_on_a_request_with_a_reply_body_end_the_connection_and_are_closed()
    {
        using var h = new DeviceHarness();
        using var e = new EventFd();
        int before = EventFds();
        h.FrontEnd.Channel.Send(VhostUserRequest.GetFeatures, [], [e.Fd]);
        Assert.True(h.FrontEnd.Channel.WaitForClose(TimeSpan.FromSeconds(10)));
        Assert.Equal(SessionEnd.Error, h.WaitForEnd());
        Assert.Equal(before, EventFds());
    }

    public static TheoryData<string, byte[]> BadMessages => new()
    {
        { "version 0", Header(1, 0, 0) },
        { "version 2", Header(1, 2, 0) },
        { "reserved flag", Header(1, 0x11, 0) },
        { "a reply", Header(1, 0x5, 0) },
        { "size 4097", Header(2, 1, 4097) },
        { "size 4 GiB", Header(2, 1, uint.MaxValue) },
    };

    [Theory]
    [MemberData(nameof(BadMessages))]
    public void Bad_headers_end_the_connection(string what, byte[] bytes)
    {
        using var h = new DeviceHarness();
        h.FrontEnd.Channel.SendRaw(bytes);
        Assert.True(h.FrontEnd.Channel.WaitForClose(TimeSpan.FromSeconds(10)), what);
        Assert.Equal(SessionEnd.Error, h.WaitForEnd());
        h.FrontEnd.Dispose();
    }

    [Theory]
    [InlineData(5, 0)]    // half a header, then EOF
    [InlineData(12, 4)]   // a header announcing 8 payload bytes, 4 of them, EOF
    public void A_message_cut_short_by_the_front_end_going_away_ends_the_connection_cleanly(int headerBytes, int payloadBytes)
    {
        using var h = new DeviceHarness();
        var bytes = Header(2, 1, 8).Take(headerBytes).Concat(new byte[payloadBytes]).ToArray();
        h.FrontEnd.Channel.SendRaw(bytes);
        h.FrontEnd.Channel.Close();
        Assert.Equal(SessionEnd.Error, h.WaitForEnd());
        Assert.Contains("inside a message", h.EndReason);
    }

    [Fact]
    public void A_message_stalled_halfway_ends_the_connection_after_the_timeout()
    {
        using var h = new DeviceHarness();
        h.FrontEnd.Channel.SendRaw(Header(2, 1, 8).Concat(new byte[3]).ToArray());
        Assert.True(h.FrontEnd.Channel.WaitForClose(TimeSpan.FromSeconds(15)));
        Assert.Equal(SessionEnd.Error, h.WaitForEnd());
        Assert.Contains("stalled", h.EndReason);
    }

    [Fact]
    public void Payloads_of_the_wrong_size_are_refused()
    {
        using var h = new DeviceHarness();
        var fe = h.FrontEnd;
        fe.Negotiate();
        Assert.Equal(1ul, ProtocolTests.Ack(fe, VhostUserRequest.SetFeatures, new byte[4]));
        Assert.Equal(1ul, ProtocolTests.Ack(fe, VhostUserRequest.SetVringAddr, new byte[32]));
        Assert.Equal(1ul, ProtocolTests.Ack(fe, VhostUserRequest.SetVringNum, new byte[16]));
        Assert.Equal(1ul, ProtocolTests.Ack(fe, VhostUserRequest.SetMemTable, new byte[8 + 32 + 1]));
        Assert.Equal(1ul, ProtocolTests.Ack(fe, VhostUserRequest.SetOwner, new byte[8]));
        fe.StartQueuePairs(1);
    }

    [Fact]
    public void Ring_addresses_outside_guest_memory_leave_the_ring_stopped_without_touching_anything()
    {
        using var h = new DeviceHarness();
        var fe = h.NegotiateWithMemory();
        var q = fe.Queue(1);
        ulong user = fe.Ram.UserAddress(q.DescGpa);
        fe.SetVringNum(1);
        fe.SetVringBase(1, 0);
        // The used ring runs past the end of the one region.
        fe.Request(VhostUserRequest.SetVringAddr, VhostUserPayload.VringAddr(1, 0, user, fe.Ram.UserAddress(0) + fe.Ram.Region(0).Size - 16, user + 4096, 0));
        fe.SetVringKick(1);
        fe.SetVringEnable(1, true);
        Assert.Contains(h.Log, l => l.Contains("cannot run", StringComparison.Ordinal) && l.Contains("not inside one memory region", StringComparison.Ordinal));
        Assert.Null(h.Device.Workers[0].Plan.Tx);
    }

    private static int BackendMappings(DeviceHarness h) =>
        File.ReadLines("/proc/self/maps").Count(l => l.Contains("memfd:xdpaot-guest", StringComparison.Ordinal)) - h.FrontEnd.Ram.RegionCount;
}
