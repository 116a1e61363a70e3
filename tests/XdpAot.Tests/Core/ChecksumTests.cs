using System.Buffers.Binary;
using XdpAot.Frames;

namespace XdpAot.Tests.Core;

public class ChecksumTests
{
    /// <summary>RFC 1071 as written: 16-bit big-endian words, odd byte padded, carries folded.</summary>
    private static ushort Reference(ReadOnlySpan<byte> data)
    {
        uint sum = 0;
        int i = 0;
        for (; i + 1 < data.Length; i += 2)
            sum += (uint)(data[i] << 8 | data[i + 1]);
        if (i < data.Length)
            sum += (uint)data[i] << 8;
        while (sum >> 16 != 0)
            sum = (sum & 0xffff) + (sum >> 16);
        return (ushort)~sum;
    }

    [Fact]
    public void Rfc1071_example_sums_to_ddf2()
    {
        // RFC 1071 section 3: 00 01 f2 03 f4 f5 f6 f7 sums to ddf2.
        byte[] data = [0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7];
        Assert.Equal(0xddf2, Checksum.Fold(Checksum.Add(0, data)));
    }

    [Fact]
    public void Matches_the_plain_definition_on_random_data_of_every_length()
    {
        var rnd = new Random(11);
        for (int length = 0; length <= 300; length++)
        {
            var data = new byte[length];
            rnd.NextBytes(data);
            Assert.Equal(Reference(data), Checksum.Compute(data));
        }
    }

    [Fact]
    public void All_ones_data_does_not_overflow_the_running_sum()
    {
        var data = new byte[64 * 1024];
        Array.Fill(data, (byte)0xff);
        Assert.Equal(Reference(data), Checksum.Compute(data));
    }

    [Fact]
    public void Pieces_at_even_offsets_add_up_to_the_whole()
    {
        var rnd = new Random(5);
        var data = new byte[101];
        rnd.NextBytes(data);
        ulong sum = Checksum.Add(Checksum.Add(Checksum.Add(0, data.AsSpan(0, 10)), data.AsSpan(10, 36)), data.AsSpan(46));
        Assert.Equal(Reference(data), (ushort)~Checksum.Fold(sum));
    }

    [Fact]
    public void Ipv4_header_checksum_of_a_known_header()
    {
        // 192.168.0.1 -> 192.168.0.199, UDP, TTL 64, length 0x73: checksum 0xb861.
        byte[] h = Convert.FromHexString("450000730000400040110000c0a80001c0a800c7");
        Assert.Equal(0xb861, Checksum.Ipv4Header(h));
        BinaryPrimitives.WriteUInt16BigEndian(h.AsSpan(10), 0xb861);
        Assert.True(Checksum.IsValid(h));
        Assert.Equal(0xb861, Checksum.Ipv4Header(h)); // the field's own value is ignored
    }

    [Fact]
    public void Udp_checksum_validates_with_the_pseudo_header()
    {
        var rnd = new Random(9);
        foreach (int payload in new[] { 0, 1, 18, 19, 1472 })
        {
            byte[] ip = Convert.FromHexString("4500000000004000401100000a0000010a000002");
            var udp = new byte[8 + payload];
            rnd.NextBytes(udp);
            BinaryPrimitives.WriteUInt16BigEndian(udp.AsSpan(4), (ushort)udp.Length);
            ushort c = Checksum.UdpIpv4(ip, udp);
            BinaryPrimitives.WriteUInt16BigEndian(udp.AsSpan(6), c);
            // Pseudo-header + datagram, checksum included, must sum to 0xffff.
            var pseudo = new byte[12];
            ip.AsSpan(12, 8).CopyTo(pseudo);
            pseudo[9] = 17;
            BinaryPrimitives.WriteUInt16BigEndian(pseudo.AsSpan(10), (ushort)udp.Length);
            Assert.Equal(0xffff, Checksum.Fold(Checksum.Add(Checksum.Add(0, pseudo), udp)));
            Assert.NotEqual(0, c);
        }
    }
}
