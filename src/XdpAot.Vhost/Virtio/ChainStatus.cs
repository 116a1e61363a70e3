namespace XdpAot.Vhost.Virtio;

/// <summary>Why a descriptor chain was refused (the chain is then completed with length 0 and counted).</summary>
public enum ChainStatus
{
    /// <summary>A usable chain.</summary>
    Ok,

    /// <summary>The head from the avail ring is not below the queue size.</summary>
    HeadOutOfRange,

    /// <summary>A <c>next</c> index is not below the size of its table.</summary>
    NextOutOfRange,

    /// <summary>More descriptors than the table holds: a loop, or a chain longer than the ring.</summary>
    TooManyDescriptors,

    /// <summary>INDIRECT without INDIRECT_DESC negotiated.</summary>
    IndirectNotNegotiated,

    /// <summary>INDIRECT inside an indirect table.</summary>
    NestedIndirect,

    /// <summary>INDIRECT and NEXT on the same descriptor.</summary>
    IndirectWithNext,

    /// <summary>An indirect table whose length is 0 or not a multiple of 16.</summary>
    IndirectBadLength,

    /// <summary>An indirect table with more entries than the queue size.</summary>
    IndirectTooLarge,

    /// <summary>An indirect table not wholly inside one memory region.</summary>
    IndirectOutsideMemory,

    /// <summary>A buffer outside every memory region (or wrapping around the address space).</summary>
    OutsideMemory,

    /// <summary>A device-writable buffer on a transmit queue, or a read-only one on a receive queue.</summary>
    WrongDirection,

    /// <summary>More pieces than a chain may have (each descriptor, split where it crosses a region).</summary>
    TooManySegments,

    /// <summary>More bytes than the caller takes (a transmitted frame larger than a UMEM frame).</summary>
    TooLong,

    /// <summary>Shorter than the virtio-net header (plus an Ethernet header, for transmit).</summary>
    TooShort,

    /// <summary>A virtio-net header asking for an offload that was not negotiated.</summary>
    BadHeader,
}
