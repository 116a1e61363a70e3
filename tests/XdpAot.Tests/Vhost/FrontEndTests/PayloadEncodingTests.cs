using XdpAot.Tests.Vhost.FrontEnd;

namespace XdpAot.Tests.Vhost.FrontEndTests;

/// <summary>Every payload the front-end sends, byte for byte against the layouts of vhost-user.rst (little-endian u32/u64).</summary>
public class PayloadEncodingTests
{
    private static string Hex(byte[] bytes) => Convert.ToHexString(bytes);

    private static string H(string spaced) => spaced.Replace(" ", "", StringComparison.Ordinal);

    [Fact]
    public void Header_is_request_flags_size_with_version_1_and_need_reply_bit_3()
    {
        Assert.Equal(H("09000000 09000000 28000000"), Hex(VhostUserHeader.ForRequest(VhostUserRequest.SetVringAddr, 40, needReply: true).ToBytes()));
        Assert.Equal(H("01000000 01000000 00000000"), Hex(VhostUserHeader.ForRequest(VhostUserRequest.GetFeatures, 0, needReply: false).ToBytes()));
        var reply = VhostUserHeader.Read(Convert.FromHexString(H("0F000000 05000000 08000000")));
        Assert.Equal((uint)VhostUserRequest.GetProtocolFeatures, reply.Request);
        Assert.True(reply.IsReply);
        Assert.Equal(1u, reply.Version);
        Assert.Equal(8u, reply.Size);
    }

    [Fact]
    public void U64_is_8_bytes_little_endian() =>
        Assert.Equal("0807060504030201", Hex(VhostUserPayload.U64(0x0102030405060708)));

    [Fact]
    public void Vring_state_is_index_then_num() =>
        Assert.Equal(H("03000000 00010000"), Hex(VhostUserPayload.VringState(3, 256)));

    [Fact]
    public void Vring_addr_is_index_flags_desc_used_avail_log()
    {
        byte[] p = VhostUserPayload.VringAddr(1, 1, desc: 0x1111111111111111, used: 0x2222222222222222, avail: 0x3333333333333333, log: 0x4444444444444444);
        Assert.Equal(VhostUserLayout.VringAddrSize, p.Length);
        Assert.Equal(H("01000000 01000000 1111111111111111 2222222222222222 3333333333333333 4444444444444444"), Hex(p));
    }

    [Fact]
    public void Vring_file_has_the_index_in_bits_0_to_7_and_no_fd_in_bit_8()
    {
        Assert.Equal("0200000000000000", Hex(VhostUserPayload.VringFile(2, noFd: false)));
        Assert.Equal("0201000000000000", Hex(VhostUserPayload.VringFile(2, noFd: true)));
        Assert.Equal("FF00000000000000", Hex(VhostUserPayload.VringFile(0x1FF, noFd: false)));
    }

    [Fact]
    public void Memory_table_is_count_padding_then_32_bytes_per_region()
    {
        byte[] p = VhostUserPayload.MemoryTable(
        [
            new MemoryRegionDescription(0, 0x2000000, 0x7f0000000000, 0),
            new MemoryRegionDescription(0x40000000, 0x1000000, 0x7f1000000000, 0x3000),
        ]);
        Assert.Equal(8 + 2 * 32, p.Length);
        Assert.Equal(H(
            "02000000 00000000" +
            "0000000000000000 0000000200000000 00000000007F0000 0000000000000000" +
            "0000004000000000 0000000100000000 00000000107F0000 0030000000000000"), Hex(p));
    }

    [Fact]
    public void Single_region_is_8_bytes_of_padding_then_the_region()
    {
        byte[] p = VhostUserPayload.SingleRegion(new MemoryRegionDescription(0x40000000, 0x100000, 0x7f2000000000, 0x1000));
        Assert.Equal(VhostUserLayout.SingleRegionSize, p.Length);
        Assert.Equal(H("0000000000000000 0000004000000000 0000100000000000 00000000207F0000 0010000000000000"), Hex(p));
    }

    [Fact]
    public void Log_is_size_then_offset() =>
        Assert.Equal(H("0010000000000000 2000000000000000"), Hex(VhostUserPayload.Log(0x1000, 0x20)));

    [Fact]
    public void Net_header_is_12_bytes_or_10_for_legacy()
    {
        var h = new VirtioNetHeader(VirtioNetHdr.FlagNeedsCsum, VirtioNetHdr.GsoTcpV4, 54, 1448, 34, 16, 3);
        var b = new byte[12];
        h.Write(b);
        Assert.Equal(H("01 01 3600 A805 2200 1000 0300"), Hex(b));
        Assert.Equal(h, VirtioNetHeader.Read(b));
        var legacy = new byte[12];
        h.Write(legacy, VirtioNetHdr.LegacySize);
        Assert.Equal(H("01 01 3600 A805 2200 1000 0000"), Hex(legacy));
        Assert.Equal(h with { NumBuffers = 0 }, VirtioNetHeader.Read(legacy, VirtioNetHdr.LegacySize));
    }

    [Fact]
    public void Reply_decoders_name_the_request_when_the_size_is_wrong()
    {
        var e = Assert.Throws<InvalidDataException>(() => VhostUserPayload.ReadU64(new byte[4], VhostUserRequest.GetFeatures));
        Assert.Contains("GetFeatures", e.Message);
        Assert.Equal((7u, 9u), VhostUserPayload.ReadVringState(VhostUserPayload.VringState(7, 9), VhostUserRequest.GetVringBase));
    }
}
