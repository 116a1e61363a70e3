using System.Buffers.Binary;
using XdpAot.Tests.Vhost.FrontEnd;
using R = XdpAot.Tests.Vhost.FrontEnd.VhostUserRequest;

namespace XdpAot.Tests.Vhost.FrontEndTests;

/// <summary>What the front-end sends, in which order and with which payloads and fds, seen by an in-process back-end.</summary>
public class MessageSequenceTests
{
    private static ulong U64(byte[] p) => BinaryPrimitives.ReadUInt64LittleEndian(p);

    private static (uint, uint) State(byte[] p) => (BinaryPrimitives.ReadUInt32LittleEndian(p), BinaryPrimitives.ReadUInt32LittleEndian(p.AsSpan(4)));

    [Fact]
    public void Negotiate_acks_what_both_sides_want_and_asks_for_acks_once_REPLY_ACK_is_on()
    {
        var (fe, be) = RecordingBackEnd.Create();
        using var _ = fe;
        using var __ = be;
        fe.Negotiate(VirtioNetFrontEnd.DefaultFeatures | VirtioFeature.HostTso4, ProtocolFeature.Mq | ProtocolFeature.ReplyAck | ProtocolFeature.Status | ProtocolFeature.ResetDevice);
        var m = be.WaitForMessages(6);
        Assert.Equal([R.GetFeatures, R.GetProtocolFeatures, R.SetProtocolFeatures, R.GetQueueNum, R.SetOwner, R.SetFeatures], m.Select(x => x.Request));
        Assert.Equal(ProtocolFeature.Mq | ProtocolFeature.ReplyAck | ProtocolFeature.Status, U64(m[2].Payload));
        Assert.Equal(VirtioNetFrontEnd.DefaultFeatures, U64(m[5].Payload));
        Assert.Equal([false, false, false, false, true, true], m.Select(x => x.Header.NeedsReply));
        Assert.All(m, x => Assert.Equal(1u, x.Header.Version));
        Assert.Equal(4, fe.MaxQueuePairs);
        Assert.Equal(VirtioNetFrontEnd.DefaultFeatures, fe.AckedFeatures);
        Assert.Equal(VirtioNetHdr.Size, fe.HeaderLength);
    }

    [Fact]
    public void Without_PROTOCOL_FEATURES_there_is_no_protocol_negotiation_and_the_header_follows_the_features()
    {
        var (fe, be) = RecordingBackEnd.Create(configure: b => b.Features = VirtioFeature.IndirectDesc);
        using var _ = fe;
        using var __ = be;
        fe.Negotiate();
        Assert.Equal([R.GetFeatures, R.SetOwner, R.SetFeatures], be.WaitForMessages(3).Select(x => x.Request));
        Assert.Equal(1, fe.MaxQueuePairs);
        Assert.Equal(VirtioNetHdr.LegacySize, fe.HeaderLength);
    }

    [Theory]
    [InlineData(VirtioFeature.RingPacked, 0UL)]
    [InlineData(VirtioFeature.AccessPlatform, 0UL)]
    [InlineData(0UL, ProtocolFeature.InbandNotifications)]
    [InlineData(0UL, 1UL << 21)]
    public void Negotiate_refuses_features_the_front_end_cannot_drive_before_sending_anything(ulong extra, ulong extraProtocol)
    {
        var (fe, be) = RecordingBackEnd.Create();
        using var _ = fe;
        using var __ = be;
        var e = Assert.Throws<ArgumentException>(() => fe.Negotiate(VirtioNetFrontEnd.DefaultFeatures | extra, VirtioNetFrontEnd.DefaultProtocolFeatures | extraProtocol));
        Assert.Contains($"0x{extra | extraProtocol:x}", e.Message);
        Assert.Empty(fe.SentRequests);
        fe.SetFeatures(VirtioFeature.RingPacked);
        Assert.Equal(VirtioFeature.RingPacked, BitConverter.ToUInt64(be.WaitForMessages(1).Single().Payload));
    }

    [Fact]
    public void StartQueuePairs_follows_QEMU_10s_order()
    {
        var (fe, be) = RecordingBackEnd.Create();
        using var _ = fe;
        using var __ = be;
        fe.Negotiate();
        int before = be.WaitForMessages(6).Count;
        fe.StartQueuePairs(1, 64);
        R[] expected =
        [
            R.SetVringCall, R.SetVringCall, R.SetVringErr, R.SetVringErr, R.SetVringEnable, R.SetVringEnable,
            R.SetFeatures, R.GetStatus, R.SetStatus, R.SetMemTable,
            R.SetVringNum, R.SetVringBase, R.SetVringAddr, R.SetVringKick, R.SetVringCall,
            R.SetVringNum, R.SetVringBase, R.SetVringAddr, R.SetVringKick, R.SetVringCall,
            R.GetStatus, R.SetStatus,
        ];
        var m = be.WaitForMessages(before + expected.Length).Skip(before).ToArray();
        Assert.Equal(expected, m.Select(x => x.Request));
        var setStatus = m.Where(x => x.Request == R.SetStatus).Select(x => U64(x.Payload)).ToArray();
        Assert.Equal([DeviceStatus.FeaturesOk, (ulong)DeviceStatus.Running], setStatus);
        Assert.Equal(DeviceStatus.Running, be.Status);
        Assert.Equal(fe.SentRequests.Skip(before), m.Select(x => x.Request));
    }

    [Fact]
    public void Vring_messages_carry_the_rings_user_addresses_and_their_own_eventfds()
    {
        var (fe, be) = RecordingBackEnd.Create(new FrontEndOptions { Layout = GuestRamLayout.WithGap(4 * GuestRamLayout.MiB, 4 * GuestRamLayout.MiB) });
        using var _ = fe;
        using var __ = be;
        fe.Negotiate();
        fe.StartQueuePairs(2, 128);
        var m = be.WaitForMessages(fe.SentRequests.Count);
        for (int v = 0; v < 4; v++)
        {
            var q = fe.Queue(v);
            var addr = m.Single(x => x.Request == R.SetVringAddr && BitConverter.ToUInt32(x.Payload) == v);
            Assert.Equal(VhostUserPayload.VringAddr((uint)v, 0, fe.Ram.UserAddress(q.DescGpa), fe.Ram.UserAddress(q.UsedGpa), fe.Ram.UserAddress(q.AvailGpa), q.UsedGpa), addr.Payload);
            Assert.Equal(((uint)v, 128u), State(m.Single(x => x.Request == R.SetVringNum && BitConverter.ToUInt32(x.Payload) == v).Payload));
            Assert.Equal(((uint)v, 0u), State(m.Single(x => x.Request == R.SetVringBase && BitConverter.ToUInt32(x.Payload) == v).Payload));
            foreach (var request in new[] { R.SetVringKick, R.SetVringCall, R.SetVringErr })
            {
                var file = m.Last(x => x.Request == request && (U64(x.Payload) & 0xff) == (ulong)v);
                Assert.Equal((ulong)v, U64(file.Payload));
                Assert.Equal(["anon_inode:[eventfd]"], file.FdTargets);
            }
            Assert.Equal(((uint)v, 1u), State(m.Single(x => x.Request == R.SetVringEnable && BitConverter.ToUInt32(x.Payload) == v).Payload));
        }
        // Ring addresses are this process's addresses of region 0; buffers live in the far region.
        Assert.True(fe.Ram.Region(0).Contains(fe.Queue(3).DescGpa, 1));
        Assert.Equal(1, fe.Ram.RegionOf(fe.Pair(1).TxSlots.BaseGpa)!.Index);
    }

    [Fact]
    public void Set_mem_table_describes_every_region_with_its_memfd_in_order()
    {
        var layout = new GuestRamLayout([new GuestRegionSpec(0, 4 * GuestRamLayout.MiB), new GuestRegionSpec(GuestRamLayout.GapRegionGpa, 2 * GuestRamLayout.MiB, FileOffset: 0x2000)]);
        var (fe, be) = RecordingBackEnd.Create(new FrontEndOptions { Layout = layout });
        using var _ = fe;
        using var __ = be;
        fe.Negotiate();
        fe.SetMemTable();
        var table = be.WaitForMessages(fe.SentRequests.Count).Last();
        Assert.Equal(R.SetMemTable, table.Request);
        Assert.Equal(VhostUserPayload.MemoryTable(fe.Ram.Describe()), table.Payload);
        Assert.Equal(0x2000UL, fe.Ram.Describe()[1].MmapOffset);
        Assert.Equal(2, table.FdTargets.Length);
        Assert.StartsWith("/memfd:xdpaot-guest0", table.FdTargets[0]);
        Assert.StartsWith("/memfd:xdpaot-guest1", table.FdTargets[1]);
    }

    [Fact]
    public void With_CONFIGURE_MEM_SLOTS_memory_goes_as_one_ADD_MEM_REG_per_region_and_REM_MEM_REG_has_no_fd()
    {
        var (fe, be) = RecordingBackEnd.Create(new FrontEndOptions { Layout = GuestRamLayout.WithGap(2 * GuestRamLayout.MiB, 2 * GuestRamLayout.MiB) },
            b => b.ProtocolFeatures |= ProtocolFeature.ConfigureMemSlots);
        using var _ = fe;
        using var __ = be;
        fe.Negotiate();
        int before = fe.SentRequests.Count;
        fe.SendMemory();
        fe.RemMemReg(1);
        var m = be.WaitForMessages(before + 4).Skip(before).ToArray();
        Assert.Equal([R.GetMaxMemSlots, R.AddMemReg, R.AddMemReg, R.RemMemReg], m.Select(x => x.Request));
        Assert.Equal(VhostUserPayload.SingleRegion(fe.Ram.Region(0).Description), m[1].Payload);
        Assert.StartsWith("/memfd:xdpaot-guest0", Assert.Single(m[1].FdTargets));
        Assert.StartsWith("/memfd:xdpaot-guest1", Assert.Single(m[2].FdTargets));
        Assert.Equal(VhostUserPayload.SingleRegion(fe.Ram.Region(1).Description), m[3].Payload);
        Assert.Empty(m[3].FdTargets);
    }

    [Fact]
    public void A_refused_ack_fails_naming_the_request_and_the_vring()
    {
        var (fe, be) = RecordingBackEnd.Create(configure: b => b.AckFor = m => m.Request == R.SetVringNum ? 1UL : 0UL);
        using var _ = fe;
        using var __ = be;
        fe.Negotiate();
        var e = Assert.Throws<InvalidOperationException>(() => fe.StartQueuePairs(1, 64));
        Assert.Contains("SetVringNum", e.Message);
        Assert.Contains("vring 0", e.Message);
    }

    [Fact]
    public void Without_REPLY_ACK_nothing_asks_for_a_reply()
    {
        var (fe, be) = RecordingBackEnd.Create(configure: b => b.ProtocolFeatures = ProtocolFeature.Mq);
        using var _ = fe;
        using var __ = be;
        fe.Negotiate();
        fe.StartQueuePairs(1, 64);
        var m = be.WaitForMessages(fe.SentRequests.Count);
        Assert.Equal(fe.SentRequests.Count, m.Count);
        Assert.All(m, x => Assert.False(x.Header.NeedsReply));
        Assert.DoesNotContain(R.SetStatus, m.Select(x => x.Request));
    }

    [Fact]
    public void Stop_disables_and_reads_the_base_of_each_vring_and_the_next_start_resumes_from_it()
    {
        var (fe, be) = RecordingBackEnd.Create(configure: b => b.VringBase = v => 40 + v);
        using var _ = fe;
        using var __ = be;
        fe.Negotiate();
        fe.StartQueuePairs(1, 64);
        int before = fe.SentRequests.Count;
        Assert.Equal([40u, 41u], fe.Stop());
        var m = be.WaitForMessages(before + 4).Skip(before).ToArray();
        Assert.Equal([R.SetVringEnable, R.GetVringBase, R.SetVringEnable, R.GetVringBase], m.Select(x => x.Request));
        Assert.Equal((0u, 0u), State(m[0].Payload));
        Assert.Equal((1u, 0u), State(m[3].Payload));
        fe.StartQueuePairs(1, 64);
        var bases = be.WaitForMessages(fe.SentRequests.Count).Skip(before + 4).Where(x => x.Request == R.SetVringBase).Select(x => State(x.Payload));
        Assert.Equal([(0u, 40u), (1u, 41u)], bases);
    }

    [Theory]
    [InlineData(false, R.ResetOwner)]
    [InlineData(true, R.ResetDevice)]
    public void Reset_clears_status_then_resets_the_device_the_way_QEMU_does(bool resetDevice, R expected)
    {
        var (fe, be) = RecordingBackEnd.Create(configure: b => b.ProtocolFeatures |= resetDevice ? ProtocolFeature.ResetDevice : 0);
        using var _ = fe;
        using var __ = be;
        fe.Negotiate(protocolFeatures: VirtioNetFrontEnd.DefaultProtocolFeatures | ProtocolFeature.ResetDevice);
        fe.StartQueuePairs(1, 64);
        int before = fe.SentRequests.Count;
        fe.Reset();
        var m = be.WaitForMessages(before + 2).Skip(before).ToArray();
        Assert.Equal([R.SetStatus, expected], m.Select(x => x.Request));
        Assert.Equal(0UL, U64(m[0].Payload));
        Assert.Equal(0UL, fe.AckedFeatures);
        Assert.Equal(0, fe.Pair(0).Rx.UsedIdx);
    }

    [Fact]
    public void A_silent_back_end_fails_negotiation_within_the_timeout()
    {
        var (fe, be) = RecordingBackEnd.Create(new FrontEndOptions { Timeout = TimeSpan.FromMilliseconds(300) }, b => b.Silent = true);
        using var _ = fe;
        using var __ = be;
        var e = Assert.Throws<TimeoutException>(() => fe.Negotiate());
        Assert.Contains("GetFeatures", e.Message);
    }

    [Fact]
    public void A_reply_for_another_request_fails_negotiation()
    {
        var (fe, be) = RecordingBackEnd.Create(configure: b => b.ReplyHeader = h => h with { Request = (uint)R.GetQueueNum });
        using var _ = fe;
        using var __ = be;
        var e = Assert.Throws<InvalidDataException>(() => fe.Negotiate());
        Assert.Contains("GetQueueNum", e.Message);
    }

    [Fact]
    public void Vring_files_can_be_sent_without_an_fd()
    {
        var (fe, be) = RecordingBackEnd.Create();
        using var _ = fe;
        using var __ = be;
        fe.Negotiate();
        fe.CreateQueuePairs(1, 64);
        fe.SetVringKick(1, noFd: true);
        var kick = be.WaitForMessages(fe.SentRequests.Count).Last();
        Assert.Equal(R.SetVringKick, kick.Request);
        Assert.Equal(0x101UL, U64(kick.Payload));
        Assert.Empty(kick.FdTargets);
    }
}
