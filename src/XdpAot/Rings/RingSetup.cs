using XdpAot.Interop;

namespace XdpAot.Rings;

/// <summary>
/// Points libxdp-layout ring structs at ring memory: the kernel's mmapped rings in production, plain memory in
/// the unit tests' fake kernel. The initial cached values match libxdp's <c>xsk_socket__create</c>.
/// </summary>
public static unsafe class RingSetup
{
    /// <summary>Initializes a producer ring (Fill, TX) from a mapping and the offsets the kernel reported.</summary>
    public static void InitProducer(xsk_ring_prod* ring, byte* map, in xdp_ring_offset offsets, uint size)
    {
        ring->producer = (uint*)(map + offsets.producer);
        ring->consumer = (uint*)(map + offsets.consumer);
        ring->ring = map + offsets.desc;
        ring->flags = (uint*)(map + offsets.flags);
        ring->mask = size - 1;
        ring->size = size;
        ring->cached_prod = *ring->producer;
        // Everything the kernel has not consumed plus one lap is free to produce into.
        ring->cached_cons = *ring->consumer + size;
    }

    /// <summary>Initializes a consumer ring (RX, Completion) from a mapping and the offsets the kernel reported.</summary>
    public static void InitConsumer(xsk_ring_cons* ring, byte* map, in xdp_ring_offset offsets, uint size)
    {
        ring->producer = (uint*)(map + offsets.producer);
        ring->consumer = (uint*)(map + offsets.consumer);
        ring->ring = map + offsets.desc;
        ring->flags = (uint*)(map + offsets.flags);
        ring->mask = size - 1;
        ring->size = size;
        ring->cached_prod = *ring->producer;
        ring->cached_cons = *ring->consumer;
    }

    /// <summary>Bytes to map for a ring of <paramref name="size"/> entries of <paramref name="entrySize"/> bytes.</summary>
    public static nuint MapLength(in xdp_ring_offset offsets, uint size, uint entrySize) =>
        (nuint)(offsets.desc + (ulong)size * entrySize);

    /// <summary>True for a power of two that the kernel accepts as a ring size.</summary>
    public static bool IsValidSize(uint size) => size >= 1 && (size & (size - 1)) == 0;
}
