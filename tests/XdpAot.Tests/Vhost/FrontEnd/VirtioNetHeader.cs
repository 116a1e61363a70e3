using System.Buffers.Binary;

namespace XdpAot.Tests.Vhost.FrontEnd;

/// <summary>The virtio-net header that precedes every frame in a virtqueue buffer.</summary>
public readonly record struct VirtioNetHeader(
    byte Flags = 0,
    byte GsoType = VirtioNetHdr.GsoNone,
    ushort HdrLen = 0,
    ushort GsoSize = 0,
    ushort CsumStart = 0,
    ushort CsumOffset = 0,
    ushort NumBuffers = 0)
{
    /// <summary>Writes the first <paramref name="length"/> bytes (12, or 10 for the legacy header).</summary>
    public void Write(Span<byte> destination, int length = VirtioNetHdr.Size)
    {
        CheckLength(length);
        destination[VirtioNetHdr.FlagsOffset] = Flags;
        destination[VirtioNetHdr.GsoTypeOffset] = GsoType;
        BinaryPrimitives.WriteUInt16LittleEndian(destination[VirtioNetHdr.HdrLenOffset..], HdrLen);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[VirtioNetHdr.GsoSizeOffset..], GsoSize);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[VirtioNetHdr.CsumStartOffset..], CsumStart);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[VirtioNetHdr.CsumOffsetOffset..], CsumOffset);
        if (length == VirtioNetHdr.Size)
            BinaryPrimitives.WriteUInt16LittleEndian(destination[VirtioNetHdr.NumBuffersOffset..], NumBuffers);
    }

    /// <summary>Reads a header of <paramref name="length"/> bytes; NumBuffers is 0 for the legacy header.</summary>
    public static VirtioNetHeader Read(ReadOnlySpan<byte> source, int length = VirtioNetHdr.Size)
    {
        CheckLength(length);
        return new VirtioNetHeader(
            source[VirtioNetHdr.FlagsOffset],
            source[VirtioNetHdr.GsoTypeOffset],
            BinaryPrimitives.ReadUInt16LittleEndian(source[VirtioNetHdr.HdrLenOffset..]),
            BinaryPrimitives.ReadUInt16LittleEndian(source[VirtioNetHdr.GsoSizeOffset..]),
            BinaryPrimitives.ReadUInt16LittleEndian(source[VirtioNetHdr.CsumStartOffset..]),
            BinaryPrimitives.ReadUInt16LittleEndian(source[VirtioNetHdr.CsumOffsetOffset..]),
            length == VirtioNetHdr.Size ? BinaryPrimitives.ReadUInt16LittleEndian(source[VirtioNetHdr.NumBuffersOffset..]) : (ushort)0);
    }

    private static void CheckLength(int length)
    {
        if (length != VirtioNetHdr.Size && length != VirtioNetHdr.LegacySize)
            throw new ArgumentOutOfRangeException(nameof(length), length, "a virtio-net header is 12 bytes (10 for legacy)");
    }
}
