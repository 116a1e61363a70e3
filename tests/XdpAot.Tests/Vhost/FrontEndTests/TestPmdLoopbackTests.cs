using XdpAot.Tests.Integration;
using XdpAot.Tests.Vhost.FrontEnd;

namespace XdpAot.Tests.Vhost.FrontEndTests;

/// <summary>
/// The front-end against DPDK's vhost PMD (testpmd, macswap): frames sent on TX come back on RX byte for byte with the
/// MACs swapped, over the feature combinations and descriptor layouts a guest driver uses. Runs in the integration
/// collection: testpmd busy-polls a core, so these run one at a time.
/// </summary>
[Collection(IntegrationCollection.Name)]
public class TestPmdLoopbackTests(VhostPmdFixture fixture) : IClassFixture<VhostPmdFixture>
{
    private VhostPmd Pmd => fixture.Pmd;

    public static TheoryData<int, bool, bool, bool> Matrix()
    {
        var data = new TheoryData<int, bool, bool, bool>();
        foreach (int pairs in new[] { 1, 2 })
            foreach (bool mrg in new[] { false, true })
                foreach (bool indirect in new[] { false, true })
                    foreach (bool eventIdx in new[] { false, true })
                        data.Add(pairs, mrg, indirect, eventIdx);
        return data;
    }

    [Theory]
    [MemberData(nameof(Matrix))]
    public void Frames_of_60_64_and_1514_bytes_come_back_mac_swapped(int pairs, bool mrg, bool indirect, bool eventIdx)
    {
        ulong features = Loopback.Base |
            (mrg ? VirtioFeature.MrgRxbuf : 0) | (indirect ? VirtioFeature.IndirectDesc : 0) |
            (eventIdx ? VirtioFeature.EventIdx : 0) | (pairs > 1 ? VirtioFeature.NetMq : 0);
        using var fe = Loopback.Start(Pmd, features, pairs, new FrontEndOptions { Layout = GuestRamLayout.WithGap() });
        Assert.Equal(features, fe.AckedFeatures);
        // With MRG_RXBUF, 1 KiB buffers make a 1514-byte frame (plus its 12-byte header) take two.
        int bufferSize = mrg ? 1024 : 2048;
        for (int p = 0; p < pairs; p++)
            fe.PostRxBuffers(p, 64, bufferSize, descriptorsPerBuffer: indirect ? 2 : 1, indirect: indirect);
        for (int p = 0; p < pairs; p++)
        {
            var got = Loopback.RoundTrip(Pmd, fe, p, seq: 100 * p, new TxOptions { Indirect = indirect });
            foreach (var frame in got)
            {
                int expectedBuffers = mrg ? (frame.Frame.Length + VirtioNetHdr.Size + bufferSize - 1) / bufferSize : 1;
                Assert.Equal(expectedBuffers, frame.Buffers);
                if (mrg)
                    Assert.Equal(expectedBuffers, frame.Header.NumBuffers);
            }
        }
        for (int p = 0; p < pairs; p++)
            Assert.True(Loopback.Eventually(() => fe.Pair(p).Tx.UsedIdx == 2 * Frames.Sizes.Length), $"pair {p}: testpmd completed {fe.Pair(p).Tx.UsedIdx} TX chains");
        for (int p = 0; p < pairs; p++)
            Assert.Equal(2 * Frames.Sizes.Length, fe.ReclaimTx(p));
    }

    public static TheoryData<TxHeaderLayout, int, bool> TxLayouts()
    {
        var data = new TheoryData<TxHeaderLayout, int, bool>();
        foreach (var layout in Enum.GetValues<TxHeaderLayout>())
            foreach (int pieces in new[] { 1, 3 })
                foreach (bool indirect in new[] { false, true })
                    data.Add(layout, pieces, indirect);
        return data;
    }

    [Theory]
    [MemberData(nameof(TxLayouts))]
    public void Every_tx_descriptor_layout_is_gathered_into_the_same_frame(TxHeaderLayout header, int pieces, bool indirect)
    {
        using var fe = Loopback.Start(Pmd, Loopback.Base | VirtioFeature.MrgRxbuf | VirtioFeature.IndirectDesc);
        fe.PostRxBuffers(0, 32);
        var tx = new TxOptions { HeaderLayout = header, DataPieces = pieces, Indirect = indirect };
        Loopback.RoundTrip(Pmd, fe, 0, tx: tx);
        var chain = fe.Pair(0).Tx;
        Assert.True(Loopback.Eventually(() => chain.UsedIdx == 2 * Frames.Sizes.Length));
        fe.ReclaimTx(0);
        Assert.Equal(chain.Size, chain.FreeDescriptors);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Rx_buffers_of_several_descriptors_are_filled_across_them(bool mrg)
    {
        using var fe = Loopback.Start(Pmd, Loopback.Base | (mrg ? VirtioFeature.MrgRxbuf : 0));
        fe.PostRxBuffers(0, 32, 2048, descriptorsPerBuffer: 5);
        var got = Loopback.RoundTrip(Pmd, fe, 0);
        Assert.All(got, f => Assert.Equal(1, f.Buffers));
        Assert.Equal((uint)(1514 + VirtioNetHdr.Size), got[2].Used[0].Length);
    }

    [Fact]
    public void A_legacy_header_without_VERSION_1_or_MRG_RXBUF_is_10_bytes()
    {
        using var fe = Loopback.Start(Pmd, VirtioFeature.ProtocolFeatures);
        Assert.Equal(VirtioNetHdr.LegacySize, fe.HeaderLength);
        fe.PostRxBuffers(0, 32);
        var got = Loopback.RoundTrip(Pmd, fe, 0, repeat: 1);
        Assert.Equal((uint)(60 + VirtioNetHdr.LegacySize), got[0].Used[0].Length);
    }

    [Fact]
    public void Rings_and_buffers_in_a_region_with_a_file_offset_are_found()
    {
        var layout = new GuestRamLayout([new GuestRegionSpec(0, 16 * GuestRamLayout.MiB, FileOffset: 0x10_0000)]);
        using var fe = Loopback.Start(Pmd, Loopback.Base | VirtioFeature.MrgRxbuf, options: new FrontEndOptions { Layout = layout });
        fe.PostRxBuffers(0, 32);
        Loopback.RoundTrip(Pmd, fe, 0);
    }

    [Fact]
    public void Rings_in_the_far_region_and_buffers_in_the_near_one_work_too()
    {
        var options = new FrontEndOptions { Layout = GuestRamLayout.WithGap(), RingRegion = 1, BufferRegion = 0 };
        using var fe = Loopback.Start(Pmd, Loopback.Base | VirtioFeature.IndirectDesc, options: options);
        Assert.Equal(1, fe.Ram.RegionOf(fe.Pair(0).Rx.DescGpa)!.Index);
        fe.PostRxBuffers(0, 32, indirect: true);
        Loopback.RoundTrip(Pmd, fe, 0, tx: new TxOptions { Indirect = true });
    }

    [Fact]
    public void Guest_ram_in_2MiB_hugetlb_memfds_works()
    {
        using var pages = XdpAot.Tests.Infrastructure.HugePages.Reserve(16);
        var options = new FrontEndOptions { Layout = GuestRamLayout.WithGap(16 * GuestRamLayout.MiB, 16 * GuestRamLayout.MiB, hugetlb: true) };
        using var fe = Loopback.Start(Pmd, Loopback.Base | VirtioFeature.MrgRxbuf, options: options);
        Assert.True(fe.Ram.IsHugetlb);
        fe.PostRxBuffers(0, 32);
        Loopback.RoundTrip(Pmd, fe, 0);
    }

    [Fact]
    public void A_small_ring_wraps_round_several_times()
    {
        using var fe = Loopback.Start(Pmd, Loopback.Base | VirtioFeature.MrgRxbuf | VirtioFeature.EventIdx, queueSize: 16);
        for (int round = 0; round < 10; round++)
        {
            // Keep 12 of the 16 RX descriptors posted: top up what the last round used.
            fe.PostRxBuffers(0, round == 0 ? 12 : 6);
            Loopback.RoundTrip(Pmd, fe, 0, seq: 10 * round);
            Assert.True(Loopback.Eventually(() => fe.Pair(0).Tx.UsedIdx == (ushort)(6 * (round + 1))));
            Assert.Equal(6, fe.ReclaimTx(0));
        }
        Assert.Equal(60, fe.Pair(0).Rx.LastUsedIdx);
        Assert.Equal(60, fe.Pair(0).Tx.LastUsedIdx);
    }

    [Fact]
    public void Testpmd_answers_the_queue_count_of_its_library_and_lacks_CONFIGURE_MEM_SLOTS()
    {
        using var fe = VirtioNetFrontEnd.Connect(Pmd.SocketPath);
        fe.Negotiate(VirtioNetFrontEnd.DefaultFeatures, Loopback.Protocol | ProtocolFeature.ConfigureMemSlots);
        // DPDK 22.11 answers GET_QUEUE_NUM with VHOST_MAX_QUEUE_PAIRS (128), whatever the port's queues= says;
        // and it has no ADD/REM_MEM_REG, so CONFIGURE_MEM_SLOTS is not offered and memory goes by SET_MEM_TABLE.
        Assert.Equal(128, fe.MaxQueuePairs);
        Assert.Equal(0UL, fe.DeviceProtocolFeatures & ProtocolFeature.ConfigureMemSlots);
        Assert.Equal(Loopback.Protocol, fe.AckedProtocolFeatures);
        Assert.Equal(VirtioNetFrontEnd.DefaultFeatures, fe.AckedFeatures);
    }
}
