using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace XdpAot.Frames;

/// <summary>
/// The Internet checksum (RFC 1071): the ones'-complement sum of 16-bit big-endian words, for IPv4 headers and
/// UDP/TCP over IPv4. Sums are kept in a <see cref="ulong"/> so that callers can add pieces (a pseudo-header, a
/// header, a payload) and fold once; <see cref="Add(ulong, ReadOnlySpan{byte})"/> reads eight bytes per step in native byte order and
/// converts at the end, which RFC 1071 (section 2(B), byte-order independence) allows.
/// </summary>
public static class Checksum
{
    /// <summary>
    /// Adds the 16-bit big-endian words of <paramref name="data"/> to a running sum; an odd last byte is padded with
    /// a zero byte. Pieces added one after another must each start at an even offset of the checksummed data.
    /// </summary>
    public static ulong Add(ulong sum, ReadOnlySpan<byte> data)
    {
        ref byte p = ref MemoryMarshal.GetReference(data);
        nuint length = (nuint)data.Length;
        nuint i = 0;
        // Native-order 64-bit words with end-around carry; folded to 16 bits and put into big-endian order below.
        ulong native = 0;
        for (; i + 8 <= length; i += 8)
        {
            ulong w = Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref p, i));
            native += w;
            if (native < w)
                native++;
        }
        ulong tail = 0;
        if (i + 4 <= length)
        {
            tail += Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref p, i));
            i += 4;
        }
        if (i + 2 <= length)
        {
            tail += Unsafe.ReadUnaligned<ushort>(ref Unsafe.Add(ref p, i));
            i += 2;
        }
        if (i < length)
        {
            // The odd byte is the high byte of a big-endian word: in native order, its first byte.
            tail += BitConverter.IsLittleEndian ? Unsafe.Add(ref p, i) : (ulong)Unsafe.Add(ref p, i) << 8;
        }
        native += tail;
        if (native < tail)
            native++;
        ushort folded = Fold(native);
        return sum + (BitConverter.IsLittleEndian ? BinaryPrimitives.ReverseEndianness(folded) : folded);
    }

    /// <summary>Adds one 16-bit word (a value such as a length or a protocol number in the pseudo-header).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Add(ulong sum, ushort word) => sum + word;

    /// <summary>Folds a running sum to 16 bits with end-around carries (not complemented).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ushort Fold(ulong sum)
    {
        sum = (sum & 0xffff_ffff) + (sum >> 32);
        sum = (sum & 0xffff_ffff) + (sum >> 32);
        sum = (sum & 0xffff) + (sum >> 16);
        sum = (sum & 0xffff) + (sum >> 16);
        sum = (sum & 0xffff) + (sum >> 16);
        return (ushort)sum;
    }

    /// <summary>The checksum field's value for <paramref name="data"/> whose checksum field is zero.</summary>
    public static ushort Compute(ReadOnlySpan<byte> data) => (ushort)~Fold(Add(0, data));

    /// <summary>True when <paramref name="data"/>, checksum field included, sums to 0xffff: a valid checksum.</summary>
    public static bool IsValid(ReadOnlySpan<byte> data) => Fold(Add(0, data)) == 0xffff;

    /// <summary>
    /// The IPv4 header checksum (header length from the IHL field), computed as if the checksum field were zero.
    /// Store it big-endian at offset 10.
    /// </summary>
    public static ushort Ipv4Header(ReadOnlySpan<byte> header)
    {
        int length = (header[0] & 0x0f) * 4;
        ReadOnlySpan<byte> h = header[..length];
        ulong sum = Add(Add(0, h[..10]), h[12..]);
        return (ushort)~Fold(sum);
    }

    /// <summary>
    /// The UDP checksum of <paramref name="datagram"/> (UDP header and payload) carried in the IPv4 packet whose
    /// header is <paramref name="ipv4Header"/>, computed as if the datagram's checksum field were zero; 0xffff where
    /// the sum is zero (RFC 768: zero on the wire means "no checksum"). Store it big-endian at offset 6.
    /// </summary>
    public static ushort UdpIpv4(ReadOnlySpan<byte> ipv4Header, ReadOnlySpan<byte> datagram)
    {
        ulong sum = Add(0, ipv4Header.Slice(12, 8)); // source and destination addresses
        sum = Add(sum, (ushort)17);                  // zero, protocol
        sum = Add(sum, (ushort)datagram.Length);     // UDP length
        sum = Add(Add(sum, datagram[..6]), datagram[8..]);
        ushort c = (ushort)~Fold(sum);
        return c == 0 ? (ushort)0xffff : c;
    }
}
