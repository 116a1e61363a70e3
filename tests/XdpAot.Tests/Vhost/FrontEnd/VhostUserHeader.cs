using System.Buffers.Binary;

namespace XdpAot.Tests.Vhost.FrontEnd;

/// <summary>The 12-byte vhost-user message header: u32 request, u32 flags, u32 size (payload bytes that follow).</summary>
public readonly record struct VhostUserHeader(uint Request, uint Flags, uint Size)
{
    /// <summary>A request header as the front-end sends it: version 1, NEED_REPLY if asked.</summary>
    public static VhostUserHeader ForRequest(VhostUserRequest request, int payloadSize, bool needReply) =>
        new((uint)request, VhostUserFlags.Version | (needReply ? VhostUserFlags.NeedReply : 0), (uint)payloadSize);

    public uint Version => Flags & VhostUserFlags.VersionMask;

    public bool IsReply => (Flags & VhostUserFlags.Reply) != 0;

    public bool NeedsReply => (Flags & VhostUserFlags.NeedReply) != 0;

    public void Write(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(destination, Request);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[4..], Flags);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[8..], Size);
    }

    public byte[] ToBytes()
    {
        var bytes = new byte[VhostUserLayout.HeaderSize];
        Write(bytes);
        return bytes;
    }

    public static VhostUserHeader Read(ReadOnlySpan<byte> source) => new(
        BinaryPrimitives.ReadUInt32LittleEndian(source),
        BinaryPrimitives.ReadUInt32LittleEndian(source[4..]),
        BinaryPrimitives.ReadUInt32LittleEndian(source[8..]));

    /// <summary>The request name when it is one we know, else the number.</summary>
    public string RequestName => Enum.IsDefined((VhostUserRequest)Request) ? ((VhostUserRequest)Request).ToString() : $"request {Request}";
}
