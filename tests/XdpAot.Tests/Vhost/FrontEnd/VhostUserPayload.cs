using System.Buffers.Binary;

namespace XdpAot.Tests.Vhost.FrontEnd;

/// <summary>
/// Encoders (and the few decoders replies need) for every payload the front-end sends, byte for byte as
/// vhost-user.rst lays them out. Each returns a new array so tests can inspect or corrupt it before sending.
/// </summary>
public static class VhostUserPayload
{
    /// <summary>A bare u64 (features, status, ack, queue count, MTU).</summary>
    public static byte[] U64(ulong value)
    {
        var bytes = new byte[VhostUserLayout.U64Size];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, value);
        return bytes;
    }

    /// <summary>Vring state: u32 index, u32 num (SET_VRING_NUM, SET/GET_VRING_BASE, SET_VRING_ENABLE).</summary>
    public static byte[] VringState(uint index, uint num)
    {
        var bytes = new byte[VhostUserLayout.VringStateSize];
        BinaryPrimitives.WriteUInt32LittleEndian(bytes, index);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(4), num);
        return bytes;
    }

    /// <summary>Vring address: index, flags, then desc, used, avail (in that order) and log, as front-end user addresses.</summary>
    public static byte[] VringAddr(uint index, uint flags, ulong desc, ulong used, ulong avail, ulong log)
    {
        var bytes = new byte[VhostUserLayout.VringAddrSize];
        var s = bytes.AsSpan();
        BinaryPrimitives.WriteUInt32LittleEndian(s, index);
        BinaryPrimitives.WriteUInt32LittleEndian(s[4..], flags);
        BinaryPrimitives.WriteUInt64LittleEndian(s[VhostUserLayout.VringAddrDescOffset..], desc);
        BinaryPrimitives.WriteUInt64LittleEndian(s[VhostUserLayout.VringAddrUsedOffset..], used);
        BinaryPrimitives.WriteUInt64LittleEndian(s[VhostUserLayout.VringAddrAvailOffset..], avail);
        BinaryPrimitives.WriteUInt64LittleEndian(s[VhostUserLayout.VringAddrLogOffset..], log);
        return bytes;
    }

    /// <summary>SET_VRING_KICK/CALL/ERR: the vring index in bits 0-7, bit 8 when no fd is attached.</summary>
    public static byte[] VringFile(uint index, bool noFd) =>
        U64((index & VhostUserLayout.VringIndexMask) | (noFd ? VhostUserLayout.VringNoFd : 0));

    /// <summary>SET_MEM_TABLE: u32 nregions, u32 padding, then 32 bytes per region.</summary>
    public static byte[] MemoryTable(IReadOnlyList<MemoryRegionDescription> regions)
    {
        var bytes = new byte[VhostUserLayout.MemoryTableHeaderSize + VhostUserLayout.MemoryRegionSize * regions.Count];
        BinaryPrimitives.WriteUInt32LittleEndian(bytes, (uint)regions.Count);
        for (int i = 0; i < regions.Count; i++)
            WriteRegion(bytes.AsSpan(VhostUserLayout.MemoryTableHeaderSize + VhostUserLayout.MemoryRegionSize * i), regions[i]);
        return bytes;
    }

    /// <summary>ADD_MEM_REG / REM_MEM_REG: u64 padding, then one region.</summary>
    public static byte[] SingleRegion(MemoryRegionDescription region)
    {
        var bytes = new byte[VhostUserLayout.SingleRegionSize];
        WriteRegion(bytes.AsSpan(8), region);
        return bytes;
    }

    /// <summary>SET_LOG_BASE: u64 mmap_size, u64 mmap_offset.</summary>
    public static byte[] Log(ulong mmapSize, ulong mmapOffset)
    {
        var bytes = new byte[VhostUserLayout.LogSize];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, mmapSize);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(8), mmapOffset);
        return bytes;
    }

    private static void WriteRegion(Span<byte> s, MemoryRegionDescription r)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(s, r.GuestPhysAddr);
        BinaryPrimitives.WriteUInt64LittleEndian(s[8..], r.MemorySize);
        BinaryPrimitives.WriteUInt64LittleEndian(s[16..], r.UserspaceAddr);
        BinaryPrimitives.WriteUInt64LittleEndian(s[24..], r.MmapOffset);
    }

    /// <summary>Reads a u64 reply, naming the request if the payload has the wrong size.</summary>
    public static ulong ReadU64(ReadOnlySpan<byte> payload, VhostUserRequest request)
    {
        if (payload.Length != VhostUserLayout.U64Size)
            throw new InvalidDataException($"{request} reply: expected an 8-byte u64 payload, got {payload.Length} bytes");
        return BinaryPrimitives.ReadUInt64LittleEndian(payload);
    }

    /// <summary>Reads a vring-state reply (GET_VRING_BASE), naming the request if the size is wrong.</summary>
    public static (uint Index, uint Num) ReadVringState(ReadOnlySpan<byte> payload, VhostUserRequest request)
    {
        if (payload.Length != VhostUserLayout.VringStateSize)
            throw new InvalidDataException($"{request} reply: expected an 8-byte vring state, got {payload.Length} bytes");
        return (BinaryPrimitives.ReadUInt32LittleEndian(payload), BinaryPrimitives.ReadUInt32LittleEndian(payload[4..]));
    }
}
