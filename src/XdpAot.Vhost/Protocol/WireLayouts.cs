using System.Runtime.InteropServices;

// Names and layouts are the specification's own (see its tables); documenting each again would only repeat them.
#pragma warning disable CS1591

namespace XdpAot.Vhost.Protocol;

// The message layouts, in machine byte order as the spec says. Sizes are checked by MessageRules before a payload
// is read as one of these, and by a unit test against the spec's table.

/// <summary>The 12-byte header of every message.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct MessageHeader
{
    public uint Request;
    public uint Flags;
    public uint Size;

    public const int Length = 12;

    /// <summary>Bits 0-1: the protocol version, 1.</summary>
    public const uint VersionMask = 0x3;
    public const uint Version = 0x1;

    /// <summary>Set on every reply.</summary>
    public const uint ReplyFlag = 0x4;

    /// <summary>The front-end wants an ack (REPLY_ACK).</summary>
    public const uint NeedReplyFlag = 0x8;

    /// <summary>Bits nothing defines: a message with any of them set is refused.</summary>
    public const uint ReservedMask = ~0xfu;
}

/// <summary>SET_VRING_NUM, SET_VRING_BASE, GET_VRING_BASE, SET_VRING_ENABLE: a ring index and a number.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct VringStatePayload
{
    public uint Index;
    public uint Num;
}

/// <summary>SET_VRING_ADDR: note the order, desc, used, avail.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct VringAddrPayload
{
    public uint Index;
    public uint Flags;
    public ulong Desc;
    public ulong Used;
    public ulong Avail;
    public ulong Log;

    /// <summary>VHOST_VRING_F_LOG: log used-ring writes (migration; not offered).</summary>
    public const uint FlagLog = 1;
}

/// <summary>One memory region description.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct MemoryRegionPayload
{
    public ulong GuestPhysAddr;
    public ulong MemorySize;
    public ulong UserAddr;
    public ulong MmapOffset;
}

/// <summary>SET_MEM_TABLE's head; <see cref="Count"/> regions follow.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct MemoryTablePayload
{
    public uint Count;
    public uint Padding;

    /// <summary>SET_MEM_TABLE carries at most this many regions.</summary>
    public const int MaxRegions = 8;
}

/// <summary>ADD_MEM_REG and REM_MEM_REG: 8 bytes of padding, then one region.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct SingleRegionPayload
{
    public ulong Padding;
    public MemoryRegionPayload Region;
}

/// <summary>GET_CONFIG / SET_CONFIG: the head; <see cref="Size"/> bytes of config space follow.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct ConfigPayload
{
    public uint Offset;
    public uint Size;
    public uint Flags;

    public const int HeadLength = 12;
}

/// <summary>SET_VRING_KICK / CALL / ERR: bits 0-7 the ring, bit 8 "no fd" (poll instead).</summary>
public static class VringFdPayload
{
    public const ulong IndexMask = 0xff;
    public const ulong NoFdFlag = 0x100;
}
