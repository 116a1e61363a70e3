using System.Runtime.InteropServices;

namespace XdpAot.Vhost.Virtio;

/// <summary>
/// A split-ring descriptor (<c>struct virtq_desc</c>, 16 bytes, little-endian). It lives in guest memory, which the
/// guest may rewrite at any time: copy it into a local once and use only the copy.
/// </summary>
[StructLayout(LayoutKind.Sequential, Size = 16)]
public struct VirtqDesc
{
    /// <summary>Guest-physical address of the buffer (or of an indirect table).</summary>
    public ulong Addr;

    /// <summary>Length in bytes.</summary>
    public uint Len;

    /// <summary><see cref="Next"/>, <see cref="Write"/>, <see cref="Indirect"/>.</summary>
    public ushort Flags;

    /// <summary>The next descriptor's index when <see cref="Flags"/> has NEXT.</summary>
    public ushort NextIndex;

    /// <summary>The chain continues at <see cref="NextIndex"/>.</summary>
    public const ushort Next = 1;

    /// <summary>The device writes this buffer (receive); otherwise it only reads it (transmit).</summary>
    public const ushort Write = 2;

    /// <summary>The buffer is a table of descriptors.</summary>
    public const ushort Indirect = 4;
}

/// <summary>
/// Sizes and offsets of the three parts of a split virtqueue of N entries (virtio 1.2 §2.7). The trailing event
/// fields (<c>used_event</c>, <c>avail_event</c>) are always counted: QEMU and virtio_user always allocate them,
/// and we only touch them with EVENT_IDX.
/// </summary>
public static class SplitRingLayout
{
    /// <summary>The largest queue size the spec allows.</summary>
    public const uint MaxQueueSize = 32768;

    /// <summary>Alignment of the descriptor table.</summary>
    public const uint DescAlignment = 16;

    /// <summary>Alignment of the avail ring.</summary>
    public const uint AvailAlignment = 2;

    /// <summary>Alignment of the used ring.</summary>
    public const uint UsedAlignment = 4;

    /// <summary>avail: <c>le16 flags; le16 idx; le16 ring[N]; le16 used_event</c>.</summary>
    public static ulong AvailBytes(uint size) => 6 + 2ul * size;

    /// <summary>used: <c>le16 flags; le16 idx; struct { le32 id; le32 len; } ring[N]; le16 avail_event</c>.</summary>
    public static ulong UsedBytes(uint size) => 6 + 8ul * size;

    /// <summary>The descriptor table.</summary>
    public static ulong DescBytes(uint size) => 16ul * size;

    /// <summary>avail.flags: the driver does not want interrupts (without EVENT_IDX).</summary>
    public const ushort AvailNoInterrupt = 1;

    /// <summary>used.flags: the device does not want kicks (without EVENT_IDX).</summary>
    public const ushort UsedNoNotify = 1;

    /// <summary>A valid split-ring size: a power of two, 1..32768.</summary>
    public static bool IsValidSize(uint size) => size != 0 && size <= MaxQueueSize && (size & (size - 1)) == 0;
}
