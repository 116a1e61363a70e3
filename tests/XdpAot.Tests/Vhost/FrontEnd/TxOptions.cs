namespace XdpAot.Tests.Vhost.FrontEnd;

/// <summary>Where the virtio-net header goes in a TX chain.</summary>
public enum TxHeaderLayout
{
    /// <summary>Header and the first piece of data in one descriptor (what Linux does with ANY_LAYOUT/VERSION_1).</summary>
    WithData,
    /// <summary>Header alone in the first descriptor (the legacy layout).</summary>
    OwnDescriptor,
    /// <summary>The header itself split over two descriptors, so a device has to gather it.</summary>
    Split,
}

/// <summary>How <see cref="VirtioNetFrontEnd.Send"/> lays out a frame.</summary>
public sealed record TxOptions
{
    public static readonly TxOptions Default = new();

    public TxHeaderLayout HeaderLayout { get; init; } = TxHeaderLayout.WithData;

    /// <summary>The frame's bytes split into this many descriptors (at least 1, at most the frame length).</summary>
    public int DataPieces { get; init; } = 1;

    /// <summary>Put the chain in an indirect table (needs INDIRECT_DESC).</summary>
    public bool Indirect { get; init; }

    /// <summary>The header to send; all zero (no offloads) when null.</summary>
    public VirtioNetHeader? Header { get; init; }

    /// <summary>Publish and kick right away; false leaves the chain unpublished until <see cref="VirtioNetFrontEnd.FlushTx"/>.</summary>
    public bool Publish { get; init; } = true;

    /// <summary>Kick even if the device asked not to be kicked.</summary>
    public bool ForceKick { get; init; }
}
