using System.Runtime.CompilerServices;
using XdpAot.Ports;

namespace XdpAot.Vhost.Virtio;

/// <summary>
/// Walks one descriptor chain and translates it into pieces of our own memory, checking everything on the way: the
/// head and every <c>next</c> against their table, a budget of descriptors equal to the table size (so a loop or an
/// over-long chain ends), indirect tables (negotiated, not nested, not with NEXT, a whole number of entries, no
/// larger than the queue, inside one region), every buffer against the memory regions (a buffer that crosses from
/// one region into the next becomes two pieces), the direction, and the total length. Every descriptor is copied
/// into a local once: the guest may rewrite the table while we read it. Nothing else walks descriptors.
/// </summary>
public static unsafe class ChainReader
{
    /// <summary>The most pieces a chain may become (DPDK bounds its iovecs the same way).</summary>
    public const int MaxSegments = 256;

    /// <summary>The spec's limit on a chain's total length: a driver "MUST NOT add a descriptor chain longer than 2^32 bytes".</summary>
    public const ulong MaxChainBytes = 1ul << 32;

    /// <summary>
    /// Reads the chain at <paramref name="head"/> into <paramref name="pieces"/> (room for
    /// <see cref="MaxSegments"/>). <paramref name="deviceWritable"/>: a receive chain (every buffer must be
    /// WRITE) or a transmit chain (none may be). Stops with <see cref="ChainStatus.TooLong"/> past
    /// <paramref name="maxBytes"/>.
    /// </summary>
    public static ChainStatus Read(SplitQueue queue, uint head, bool deviceWritable, Segment* pieces, ulong maxBytes,
        out int count, out ulong bytes)
    {
        count = 0;
        bytes = 0;
        uint size = queue.Size;
        if (head >= size)
            return ChainStatus.HeadOutOfRange;
        var memory = queue.Memory;
        VirtqDesc* table = queue.Descriptors;
        uint tableSize = size;
        uint index = head;
        uint budget = size;
        bool inIndirect = false;
        ushort wantWrite = deviceWritable ? VirtqDesc.Write : (ushort)0;
        if (maxBytes > MaxChainBytes)
            maxBytes = MaxChainBytes;
        while (true)
        {
            if (budget == 0)
                return ChainStatus.TooManyDescriptors;
            budget--;
            VirtqDesc d = Unsafe.ReadUnaligned<VirtqDesc>(table + index);
            if ((d.Flags & VirtqDesc.Indirect) != 0)
            {
                if (!queue.IndirectAllowed)
                    return ChainStatus.IndirectNotNegotiated;
                if (inIndirect)
                    return ChainStatus.NestedIndirect;
                if ((d.Flags & VirtqDesc.Next) != 0)
                    return ChainStatus.IndirectWithNext;
                if (d.Len == 0 || d.Len % (uint)sizeof(VirtqDesc) != 0)
                    return ChainStatus.IndirectBadLength;
                uint entries = d.Len / (uint)sizeof(VirtqDesc);
                if (entries > size)
                    return ChainStatus.IndirectTooLarge;
                byte* t = memory.MapGuestRange(d.Addr, d.Len);
                if (t is null)
                    return ChainStatus.IndirectOutsideMemory;
                // The WRITE flag of the descriptor that points at a table is ignored (virtio 1.2 §2.7.5.3.2).
                table = (VirtqDesc*)t;
                tableSize = entries;
                index = 0;
                budget = entries;
                inIndirect = true;
                continue;
            }
            if ((d.Flags & VirtqDesc.Write) != wantWrite)
                return ChainStatus.WrongDirection;
            bytes += d.Len;
            if (bytes > maxBytes)
                return ChainStatus.TooLong;
            ulong addr = d.Addr;
            ulong left = d.Len;
            // Nothing is read from an empty buffer, but its address is still checked (CVE-2020-10725 came from one).
            if (left == 0 && !memory.TryMapGuest(addr, 1, out _, out _))
                return ChainStatus.OutsideMemory;
            while (left != 0)
            {
                if (!memory.TryMapGuest(addr, left, out byte* host, out ulong piece) || addr + piece < addr)
                    return ChainStatus.OutsideMemory;
                if (count == MaxSegments)
                    return ChainStatus.TooManySegments;
                pieces[count++] = new Segment(host, (nuint)piece);
                addr += piece;
                left -= piece;
            }
            if ((d.Flags & VirtqDesc.Next) == 0)
                return ChainStatus.Ok;
            index = d.NextIndex;
            if (index >= tableSize)
                return ChainStatus.NextOutOfRange;
        }
    }
}
