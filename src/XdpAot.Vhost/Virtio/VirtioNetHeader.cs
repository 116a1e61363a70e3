using System.Runtime.InteropServices;

// Names and layouts are the specification's own (see its tables); documenting each again would only repeat them.
#pragma warning disable CS1591

namespace XdpAot.Vhost.Virtio;

/// <summary>
/// <c>struct virtio_net_hdr</c> with num_buffers: 12 bytes when VERSION_1 or MRG_RXBUF is negotiated, the first 10
/// otherwise (legacy). Copied into a local before any field is looked at: the guest can rewrite it under us.
/// </summary>
[StructLayout(LayoutKind.Sequential, Pack = 1, Size = 12)]
public struct VirtioNetHeader
{
    public byte Flags;
    public byte GsoType;
    public ushort HdrLen;
    public ushort GsoSize;
    public ushort CsumStart;
    public ushort CsumOffset;
    public ushort NumBuffers;

    /// <summary>The header with num_buffers.</summary>
    public const uint Size = 12;

    /// <summary>The legacy header, without num_buffers.</summary>
    public const uint LegacySize = 10;

    /// <summary>Offset of num_buffers.</summary>
    public const uint NumBuffersOffset = 10;

    public const byte FlagNeedsCsum = 1;
    public const byte FlagDataValid = 2;
    public const byte GsoNone = 0;

    /// <summary>The header length for a set of negotiated features (virtio 1.2 §5.1.6).</summary>
    public static uint LengthFor(ulong features) =>
        VirtioFeature.Has(features, VirtioFeature.Version1) || VirtioFeature.Has(features, VirtioFeature.NetMrgRxBuf)
            ? Size
            : LegacySize;
}
