using XdpAot.Tests.Vhost.FrontEnd;
using XdpAot.Tests.Vhost.FrontEndTests;
using XdpAot.Vhost.Device;
using Fe = XdpAot.Tests.Vhost.FrontEnd;

namespace XdpAot.Tests.Vhost.Device;

/// <summary>What the back-end offers and how it answers each request, REPLY_ACK included.</summary>
public class ProtocolTests
{
    [Fact]
    public void It_offers_what_it_honours_and_nothing_else()
    {
        using var h = new DeviceHarness(pairs: 2);
        var fe = h.FrontEnd;
        ulong features = fe.GetFeatures();
        ulong expected = Fe.VirtioFeature.Version1 | Fe.VirtioFeature.IndirectDesc | Fe.VirtioFeature.EventIdx
            | Fe.VirtioFeature.MrgRxbuf | Fe.VirtioFeature.ProtocolFeatures | Fe.VirtioFeature.NetMq;
        Assert.Equal(expected, features);  // no packed ring, no offload, no LOG_ALL, no IOMMU, no MTU/MAC unless asked
        using var single = new DeviceHarness(pairs: 1);
        Assert.Equal(expected & ~Fe.VirtioFeature.NetMq, single.FrontEnd.GetFeatures()); // MQ only with queues to offer
        ulong protocol = fe.GetProtocolFeatures();
        Assert.Equal(ProtocolFeature.Mq | ProtocolFeature.ReplyAck | ProtocolFeature.NetMtu | ProtocolFeature.ResetDevice
            | ProtocolFeature.ConfigureMemSlots | ProtocolFeature.Status, protocol);
        fe.SetProtocolFeatures(protocol);
        Assert.Equal(2ul, fe.GetQueueNum());
        Assert.Equal((ulong)VhostNetDevice.MaxMemSlots, fe.GetMaxMemSlots());
    }

    [Fact]
    public void Mtu_and_mac_options_add_their_features_and_the_config_space()
    {
        byte[] mac = [0x52, 0x54, 0x00, 0x12, 0x34, 0x56];
        using var h = new DeviceHarness(options: new DeviceOptions { Mtu = 1400, Mac = mac });
        var fe = h.FrontEnd;
        ulong features = fe.GetFeatures();
        Assert.NotEqual(0ul, features & Fe.VirtioFeature.Mtu);
        Assert.NotEqual(0ul, features & Fe.VirtioFeature.Mac);
        ulong protocol = fe.GetProtocolFeatures();
        Assert.NotEqual(0ul, protocol & ProtocolFeature.Config);
        fe.SetProtocolFeatures(protocol);
        var reply = fe.Query(VhostUserRequest.GetConfig, Config(0, 12));
        Assert.Equal(Config(0, 12).Take(12), reply.Take(12));           // offset, size, flags echoed
        Assert.Equal(mac, reply.Skip(12).Take(6));
        Assert.Equal(1, BitConverter.ToUInt16(reply, 12 + 6));           // LINK_UP
        Assert.Equal(1, BitConverter.ToUInt16(reply, 12 + 8));           // max_virtqueue_pairs
        Assert.Equal(1400, BitConverter.ToUInt16(reply, 12 + 10));       // mtu
        Assert.Equal(0ul, Ack(fe, VhostUserRequest.NetSetMtu, VhostUserPayload.U64(1400)));
        Assert.Equal(1ul, Ack(fe, VhostUserRequest.NetSetMtu, VhostUserPayload.U64(1401))); // above what was offered
        Assert.Equal(1ul, Ack(fe, VhostUserRequest.NetSetMtu, VhostUserPayload.U64(67)));
        Assert.Equal(1ul, Ack(fe, VhostUserRequest.SetConfig, Config(0, 6)));                 // read-only
    }

    [Fact]
    public void Every_request_without_a_reply_body_is_acked_when_the_front_end_asks()
    {
        using var h = new DeviceHarness();
        var fe = h.FrontEnd;
        fe.Negotiate();
        Assert.True(fe.HasProtocol(ProtocolFeature.ReplyAck));
        // StartQueuePairs sends CALL, ERR, ENABLE, FEATURES, STATUS, ADD_MEM_REG, NUM, BASE, ADDR, KICK with NEED_REPLY
        // and throws unless each is acked with 0.
        fe.StartQueuePairs(1);
        Assert.Equal(0x0f, fe.GetStatus());
        Assert.Contains(VhostUserRequest.AddMemReg, fe.SentRequests);
    }

    [Fact]
    public void Features_that_were_not_offered_are_refused_with_a_nack_and_the_connection_goes_on()
    {
        using var h = new DeviceHarness();
        var fe = h.FrontEnd;
        fe.Negotiate();
        Assert.Equal(1ul, Ack(fe, VhostUserRequest.SetFeatures, VhostUserPayload.U64(fe.AckedFeatures | Fe.VirtioFeature.RingPacked)));
        Assert.Equal(1ul, Ack(fe, VhostUserRequest.SetProtocolFeatures, VhostUserPayload.U64(fe.AckedProtocolFeatures | (1ul << 14))));
        Assert.Contains(h.Log, l => l.Contains("not offered", StringComparison.Ordinal));
        fe.StartQueuePairs(1); // still usable
    }

    [Fact]
    public void A_failure_the_front_end_asked_no_ack_for_closes_the_connection()
    {
        using var h = new DeviceHarness();
        var ch = h.FrontEnd.Channel;
        ch.Send(VhostUserRequest.SetVringNum, VhostUserPayload.VringState(0, 3)); // not a power of two
        Assert.True(ch.WaitForClose(TimeSpan.FromSeconds(10)));
        Assert.Equal(SessionEnd.Error, h.WaitForEnd());
        Assert.Contains("power of two", h.EndReason);
    }

    [Theory]
    [InlineData(VhostUserRequest.SetVringNum, 2u, 256u, "does not exist")]       // ring of a pair that does not exist
    [InlineData(VhostUserRequest.SetVringNum, 0x1_0000u, 256u, "does not exist")]
    [InlineData(VhostUserRequest.SetVringNum, 0u, 65536u, "power of two")]
    [InlineData(VhostUserRequest.SetVringNum, 1u, 384u, "power of two")]
    [InlineData(VhostUserRequest.SetVringBase, 0u, 0x1_0000u, "16-bit")]
    [InlineData(VhostUserRequest.SetVringEnable, 0u, 2u, "neither 0 nor 1")]
    [InlineData(VhostUserRequest.SetVringEnable, 7u, 1u, "does not exist")]
    public void Ring_requests_with_bad_values_are_nacked(VhostUserRequest request, uint index, uint num, string why)
    {
        using var h = new DeviceHarness();
        var fe = h.FrontEnd;
        fe.Negotiate();
        Assert.Equal(1ul, Ack(fe, request, VhostUserPayload.VringState(index, num)));
        Assert.Contains(h.Log, l => l.Contains(why, StringComparison.Ordinal));
    }

    [Fact]
    public void A_ring_size_of_zero_means_unused_and_such_a_ring_never_runs()
    {
        using var h = new DeviceHarness();
        var fe = h.FrontEnd;
        fe.Negotiate();
        fe.StartQueuePairs(1);
        Assert.Equal(0ul, Ack(fe, VhostUserRequest.SetVringNum, VhostUserPayload.VringState(1, 0)));
        fe.SetVringKick(1);   // restart it with no size
        Assert.Contains(h.Log, l => l.Contains("no SET_VRING_NUM", StringComparison.Ordinal));
        Assert.Null(h.Device.Workers[0].Plan.Tx);
    }

    [Fact]
    public void Ring_eventfd_requests_with_bits_above_the_no_fd_flag_or_a_bad_index_are_nacked()
    {
        using var h = new DeviceHarness();
        var fe = h.FrontEnd;
        fe.Negotiate();
        Assert.Equal(1ul, Ack(fe, VhostUserRequest.SetVringCall, VhostUserPayload.U64(0x200 | VhostUserLayout.VringNoFd)));
        Assert.Equal(1ul, Ack(fe, VhostUserRequest.SetVringKick, VhostUserPayload.U64(5 | VhostUserLayout.VringNoFd)));
        Assert.Equal(0ul, Ack(fe, VhostUserRequest.SetVringErr, VhostUserPayload.U64(1 | VhostUserLayout.VringNoFd)));
    }

    [Fact]
    public void Dirty_logging_on_a_ring_is_refused()
    {
        using var h = new DeviceHarness();
        var fe = h.FrontEnd;
        fe.Negotiate();
        fe.CreateQueuePairs(1);
        Assert.ThrowsAny<Exception>(() => fe.SetVringAddr(0, VhostUserLayout.VringFlagLog));
        Assert.Contains(h.Log, l => l.Contains("VHOST_VRING_F_LOG", StringComparison.Ordinal));
    }

    [Fact]
    public void Unknown_and_unsupported_requests_are_nacked_when_asked_and_end_the_connection_when_not()
    {
        using var h = new DeviceHarness();
        var fe = h.FrontEnd;
        fe.Negotiate();
        Assert.Equal(1ul, Ack(fe, (VhostUserRequest)99, []));
        Assert.Equal(1ul, Ack(fe, VhostUserRequest.SetLogBase, new byte[16]));
        Assert.Equal(1ul, Ack(fe, VhostUserRequest.SendRarp, new byte[8]));
        fe.Channel.Send((VhostUserRequest)77, []);
        Assert.True(fe.Channel.WaitForClose(TimeSpan.FromSeconds(10)));
        Assert.Equal(SessionEnd.Error, h.WaitForEnd());
    }

    [Fact]
    public void Status_round_trips_and_set_owner_and_reset_are_accepted()
    {
        using var h = new DeviceHarness();
        var fe = h.FrontEnd;
        fe.Negotiate();
        fe.SetStatus(0x0b);
        Assert.Equal(0x0b, fe.GetStatus());
        Assert.Equal(1ul, Ack(fe, VhostUserRequest.SetStatus, VhostUserPayload.U64(0x100)));
        fe.StartQueuePairs(1);
        fe.Reset(); // SET_STATUS(0) + RESET_DEVICE
        Assert.Equal(0, fe.GetStatus());
        fe.Negotiate();
        fe.StartQueuePairs(1);
        fe.PostRxBuffers(0, 8);
        h.Deliver(0, TestFrame(64));
        Assert.Single(fe.ReceiveFrames(0, 1));
    }

    private static byte[] TestFrame(int length) => FrontEndTests.Frames.Make(length, 1);

    internal static ulong Ack(VirtioNetFrontEnd fe, VhostUserRequest request, byte[] payload, int[]? fds = null)
    {
        fe.Channel.Send(request, payload, fds ?? [], needReply: true);
        return VhostUserPayload.ReadU64(fe.Channel.ReceiveReply(request), request);
    }

    private static byte[] Config(uint offset, uint size)
    {
        var b = new byte[12 + size];
        BitConverter.TryWriteBytes(b.AsSpan(0), offset);
        BitConverter.TryWriteBytes(b.AsSpan(4), size);
        return b;
    }
}
