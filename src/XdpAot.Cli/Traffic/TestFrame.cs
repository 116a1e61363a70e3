using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using XdpAot.Frames;

namespace XdpAot.Cli.Traffic;

/// <summary>
/// The frames <c>gen</c> sends and <c>sink --verify</c> checks: Ethernet II, IPv4 (no options, valid header
/// checksum), UDP (valid checksum), and a 16-byte stamp at the start of the UDP payload:
/// <code>
/// offset 42: magic   u32 BE  0x58445041 ("XDPA")
/// offset 46: stream  u32 BE  the generator's queue index (one sequence per stream)
/// offset 50: seq     u64 BE  0, 1, 2, … per stream
/// </code>
/// The rest of the payload is the byte pattern (offset &amp; 0xff).
/// </summary>
internal static class TestFrame
{
    public const int EthHeader = 14;
    public const int IpHeader = 20;
    public const int UdpHeader = 8;
    public const int PayloadOffset = EthHeader + IpHeader + UdpHeader; // 42
    public const int StampLength = 16;
    public const int MagicOffset = PayloadOffset;
    public const int StreamOffset = PayloadOffset + 4;
    public const int SeqOffset = PayloadOffset + 8;
    public const int UdpChecksumOffset = EthHeader + IpHeader + 6; // 40
    public const uint Magic = 0x58445041;

    /// <summary>Smallest frame that carries the stamp (58 bytes; Ethernet pads to 60 anyway).</summary>
    public const int MinLength = PayloadOffset + StampLength;

    /// <summary>Reads the stamp of a received frame; false for frames that are not ours.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryReadStamp(ReadOnlySpan<byte> frame, out uint stream, out ulong seq)
    {
        if (frame.Length < MinLength
            || BinaryPrimitives.ReadUInt32BigEndian(frame.Slice(MagicOffset, 4)) != Magic
            || frame[12] != 0x08 || frame[13] != 0x00 || frame[EthHeader + 9] != 17)
        {
            stream = 0;
            seq = 0;
            return false;
        }
        stream = BinaryPrimitives.ReadUInt32BigEndian(frame.Slice(StreamOffset, 4));
        seq = BinaryPrimitives.ReadUInt64BigEndian(frame.Slice(SeqOffset, 8));
        return true;
    }
}

/// <summary>Addresses and size of the generated frames (from gen's options).</summary>
internal sealed record FrameSpec(byte[] SrcMac, byte[] DstMac, byte[] SrcIp, byte[] DstIp, ushort SrcPort, ushort DstPort, int Length);

/// <summary>
/// One prebuilt frame per generator thread. <see cref="Stamp"/> writes the next sequence number and patches the
/// UDP checksum incrementally: the checksum of the frame with seq = 0 is kept unfolded, and the four 16-bit
/// words of the new sequence number are added to it (RFC 1624), so a frame costs a handful of adds.
/// </summary>
internal sealed unsafe class FrameTemplate
{
    private readonly byte[] _frame;
    private readonly byte* _p;
    private readonly ulong _udpBaseSum;

    public FrameTemplate(FrameSpec spec, uint stream)
    {
        if (spec.Length < TestFrame.MinLength)
            throw new ArgumentOutOfRangeException(nameof(spec), $"a test frame needs at least {TestFrame.MinLength} bytes");
        // Pinned: the hot loop works through a pointer, and the array never moves.
        _frame = GC.AllocateArray<byte>(spec.Length, pinned: true);
        _p = (byte*)Unsafe.AsPointer(ref _frame[0]);
        Build(_frame, spec, stream);
        _udpBaseSum = UdpSum(_frame);
        Stamp(0);
    }

    public int Length => _frame.Length;

    /// <summary>The frame as it is now (after the last <see cref="Stamp"/>).</summary>
    public ReadOnlySpan<byte> Span => new(_p, _frame.Length);

    /// <summary>
    /// Writes the frame with sequence number <paramref name="seq"/> into <paramref name="destination"/> (a UMEM
    /// frame): one copy of the template, then the sequence number and the patched UDP checksum. Returns the length.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int WriteTo(Span<byte> destination, ulong seq)
    {
        int length = XdpAot.Frames.FrameCopy.Copy(new ReadOnlySpan<byte>(_p, _frame.Length), destination);
        BinaryPrimitives.WriteUInt64BigEndian(destination.Slice(TestFrame.SeqOffset, 8), seq);
        BinaryPrimitives.WriteUInt16BigEndian(destination.Slice(TestFrame.UdpChecksumOffset, 2), UdpChecksum(seq));
        return length;
    }

    /// <summary>Writes <paramref name="seq"/> and the matching UDP checksum into the template itself.</summary>
    public void Stamp(ulong seq)
    {
        BinaryPrimitives.WriteUInt64BigEndian(new Span<byte>(_p + TestFrame.SeqOffset, 8), seq);
        BinaryPrimitives.WriteUInt16BigEndian(new Span<byte>(_p + TestFrame.UdpChecksumOffset, 2), UdpChecksum(seq));
    }

    /// <summary>The UDP checksum of the frame with sequence number <paramref name="seq"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ushort UdpChecksum(ulong seq)
    {
        ulong sum = _udpBaseSum + (seq >> 48) + ((seq >> 32) & 0xffff) + ((seq >> 16) & 0xffff) + (seq & 0xffff);
        ushort c = (ushort)~Checksum.Fold(sum);
        // A computed 0 is sent as 0xffff: 0 means "no checksum" in UDP over IPv4.
        return c == 0 ? (ushort)0xffff : c;
    }

    private static void Build(Span<byte> f, FrameSpec s, uint stream)
    {
        f.Clear();
        s.DstMac.CopyTo(f);
        s.SrcMac.CopyTo(f[6..]);
        BinaryPrimitives.WriteUInt16BigEndian(f[12..], 0x0800);
        var ip = f.Slice(TestFrame.EthHeader, TestFrame.IpHeader);
        ip[0] = 0x45;
        BinaryPrimitives.WriteUInt16BigEndian(ip[2..], (ushort)(s.Length - TestFrame.EthHeader));
        BinaryPrimitives.WriteUInt16BigEndian(ip[6..], 0x4000); // DF
        ip[8] = 64;
        ip[9] = 17;
        s.SrcIp.CopyTo(ip[12..]);
        s.DstIp.CopyTo(ip[16..]);
        BinaryPrimitives.WriteUInt16BigEndian(ip[10..], Checksum.Compute(ip));
        var udp = f.Slice(TestFrame.EthHeader + TestFrame.IpHeader);
        BinaryPrimitives.WriteUInt16BigEndian(udp, s.SrcPort);
        BinaryPrimitives.WriteUInt16BigEndian(udp[2..], s.DstPort);
        BinaryPrimitives.WriteUInt16BigEndian(udp[4..], (ushort)udp.Length);
        BinaryPrimitives.WriteUInt32BigEndian(f[TestFrame.MagicOffset..], TestFrame.Magic);
        BinaryPrimitives.WriteUInt32BigEndian(f[TestFrame.StreamOffset..], stream);
        for (int i = TestFrame.PayloadOffset + TestFrame.StampLength; i < f.Length; i++)
            f[i] = (byte)i;
    }

    /// <summary>Unfolded sum of the UDP pseudo-header, header (checksum 0) and payload with seq = 0.</summary>
    private static ulong UdpSum(ReadOnlySpan<byte> f)
    {
        var ip = f.Slice(TestFrame.EthHeader, TestFrame.IpHeader);
        var udp = f[(TestFrame.EthHeader + TestFrame.IpHeader)..];
        ulong sum = Checksum.Add(0, ip.Slice(12, 8)); // source and destination address
        sum += 17;
        sum += (ulong)udp.Length;
        sum = Checksum.Add(sum, udp[..6]);
        sum = Checksum.Add(sum, udp.Slice(TestFrame.UdpHeader, 8)); // magic and stream; seq is added per frame
        return Checksum.Add(sum, udp[(TestFrame.UdpHeader + TestFrame.StampLength)..]);
    }

    /// <summary>Independent check: IPv4 header and UDP checksums of a whole frame are valid.</summary>
    public static bool HasValidChecksums(ReadOnlySpan<byte> f)
    {
        if (f.Length < TestFrame.PayloadOffset)
            return false;
        var ip = f.Slice(TestFrame.EthHeader, TestFrame.IpHeader);
        int udpLen = BinaryPrimitives.ReadUInt16BigEndian(f[(TestFrame.EthHeader + 24)..]);
        if (!Checksum.IsValid(ip) || TestFrame.EthHeader + TestFrame.IpHeader + udpLen > f.Length)
            return false;
        var udp = f.Slice(TestFrame.EthHeader + TestFrame.IpHeader, udpLen);
        ulong sum = Checksum.Add(0, ip.Slice(12, 8)) + 17 + (ulong)udpLen;
        return Checksum.Fold(Checksum.Add(sum, udp)) == 0xffff;
    }
}
