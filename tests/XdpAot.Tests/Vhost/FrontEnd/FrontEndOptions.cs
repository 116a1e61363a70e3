namespace XdpAot.Tests.Vhost.FrontEnd;

/// <summary>How the front-end tells the back-end about guest RAM.</summary>
public enum MemoryTableMode
{
    /// <summary>ADD_MEM_REG per region when CONFIGURE_MEM_SLOTS is negotiated (as QEMU does), else SET_MEM_TABLE.</summary>
    Auto,
    SetMemTable,
    AddMemReg,
}

/// <summary>Settings of a <see cref="VirtioNetFrontEnd"/>, fixed when it is created.</summary>
public sealed record FrontEndOptions
{
    public static readonly FrontEndOptions Default = new();

    public GuestRamLayout Layout { get; init; } = GuestRamLayout.Single();

    /// <summary>Read timeout of the channel, and the default wait of <see cref="VirtioNetFrontEnd.ReceiveFrames"/>.</summary>
    public TimeSpan Timeout { get; init; } = VhostUserChannel.DefaultTimeout;

    /// <summary>With REPLY_ACK negotiated, set NEED_REPLY on every request without a reply body and check the ack.</summary>
    public bool UseReplyAck { get; init; } = true;

    public MemoryTableMode MemoryTable { get; init; } = MemoryTableMode.Auto;

    /// <summary>Descriptors per indirect table.</summary>
    public int IndirectCapacity { get; init; } = 16;

    /// <summary>Bytes per TX buffer slot (header + frame must fit).</summary>
    public int TxSlotSize { get; init; } = 4096;

    /// <summary>Bytes per RX buffer slot (the largest buffer PostRxBuffers may post).</summary>
    public int RxSlotSize { get; init; } = 4096;

    /// <summary>Region for rings and indirect tables.</summary>
    public int RingRegion { get; init; }

    /// <summary>Region for packet buffers; -1 means the last one (with <see cref="GuestRamLayout.WithGap"/>, the far one).</summary>
    public int BufferRegion { get; init; } = -1;

    /// <summary>Fill RX buffers with this byte before posting them (so bytes a device did not write stand out); null leaves them.</summary>
    public byte? RxPoison { get; init; }

    /// <summary>The used ring's alignment (4; 4096 gives the legacy layout).</summary>
    public ulong UsedAlign { get; init; } = SplitRing.UsedAlign;
}
