namespace XdpAot.Options;

/// <summary>
/// Every setting of a port, in one place. Parsed from QEMU's <c>-netdev af-xdp</c> syntax by
/// <see cref="PortOptionsParser"/> (shared by the C ABI, the CLI and the tests) and validated by <see cref="Validate"/>.
/// </summary>
public sealed record PortOptions
{
    /// <summary>Default frame size: one page, as QEMU and libxdp use.</summary>
    public const uint DefaultFrameSize = 4096;

    /// <summary>Default size of each of the four rings (libxdp's XSK_RING_*__DEFAULT_NUM_DESCS).</summary>
    public const uint DefaultRingSize = 2048;

    /// <summary>Interface to attach to (<c>ifname</c>).</summary>
    public required string IfName { get; init; }

    /// <summary>Forced attach mode (<c>mode=native|skb</c>); null tries native, then skb.</summary>
    public XdpMode? Mode { get; init; }

    /// <summary>Bind with XDP_COPY even where zero-copy is offered (<c>force-copy=on</c>).</summary>
    public bool ForceCopy { get; init; }

    /// <summary>Number of queues (<c>queues</c>), each with its own socket and UMEM.</summary>
    public int Queues { get; init; } = 1;

    /// <summary>First queue id (<c>start-queue</c>).</summary>
    public int StartQueue { get; init; }

    /// <summary>Load no program (<c>inhibit=on</c>): sockets come from <see cref="SockFds"/> or go into <see cref="MapPath"/>.</summary>
    public bool Inhibit { get; init; }

    /// <summary>Unbound AF_XDP socket fds made by a privileged helper, one per queue (<c>sock-fds=a:b</c>).</summary>
    public IReadOnlyList<int>? SockFds { get; init; }

    /// <summary>A pinned XSKMAP on bpffs to insert our sockets into (<c>map-path</c>, QEMU 10.1).</summary>
    public string? MapPath { get; init; }

    /// <summary>Key of queue 0 in <see cref="MapPath"/> (<c>map-start-index</c>, QEMU 10.1).</summary>
    public int? MapStartIndex { get; init; }

    /// <summary>Control plane (<c>loader=builtin|libxdp</c>).</summary>
    public LoaderKind Loader { get; init; } = LoaderKind.Builtin;

    /// <summary>Busy-poll budget (<c>busy-budget</c>); 0 disables busy polling.</summary>
    public int BusyBudget { get; init; }

    /// <summary>UMEM frame size in bytes (<c>frame-size</c>): 2048 or 4096.</summary>
    public uint FrameSize { get; init; } = DefaultFrameSize;

    /// <summary>Frames per queue (<c>frame-count</c>); null sizes the UMEM to fill all four rings.</summary>
    public uint? FrameCount { get; init; }

    /// <summary>RX ring size (<c>rx-size</c>).</summary>
    public uint RxSize { get; init; } = DefaultRingSize;

    /// <summary>TX ring size (<c>tx-size</c>).</summary>
    public uint TxSize { get; init; } = DefaultRingSize;

    /// <summary>Fill ring size (<c>fill-size</c>).</summary>
    public uint FillSize { get; init; } = DefaultRingSize;

    /// <summary>Completion ring size (<c>comp-size</c>).</summary>
    public uint CompletionSize { get; init; } = DefaultRingSize;

    /// <summary>QEMU's netdev id (<c>id</c>); kept for messages only.</summary>
    public string? Id { get; init; }

    /// <summary>Frames per queue actually used: <see cref="FrameCount"/> or the sum of the ring sizes.</summary>
    public uint EffectiveFrameCount => FrameCount ?? RxSize + TxSize + FillSize + CompletionSize;

    /// <summary>UMEM bytes per queue.</summary>
    public ulong UmemBytesPerQueue => (ulong)EffectiveFrameCount * FrameSize;

    /// <summary>
    /// Checks the combinations QEMU checks (and ours); throws <see cref="XdpException"/> (-EINVAL) naming the option.
    /// Checks that need the interface (queue counts, fds) happen when the port opens.
    /// </summary>
    public PortOptions Validate()
    {
        if (string.IsNullOrEmpty(IfName))
            throw Invalid("'ifname' is required");
        if (IfName.Length >= 16)
            throw Invalid($"ifname='{IfName}' is longer than 15 characters");
        if (Queues < 1)
            throw Invalid($"queues={Queues}: must be at least 1");
        if (StartQueue < 0)
            throw Invalid($"start-queue={StartQueue}: must not be negative");
        if (BusyBudget < 0)
            throw Invalid($"busy-budget={BusyBudget}: must not be negative");
        if (Inhibit)
        {
            if (SockFds is null && MapPath is null)
                throw Invalid("inhibit=on requires 'sock-fds' or 'map-path'");
            if (SockFds is not null && MapPath is not null)
                throw Invalid("'sock-fds' and 'map-path' are mutually exclusive");
        }
        else
        {
            if (SockFds is not null)
                throw Invalid("'sock-fds' requires inhibit=on");
            if (MapPath is not null)
                throw Invalid("'map-path' requires inhibit=on");
        }
        if (MapStartIndex is not null && MapPath is null)
            throw Invalid("'map-start-index' requires 'map-path'");
        if (MapStartIndex is < 0)
            throw Invalid($"map-start-index={MapStartIndex}: must not be negative");
        if (SockFds is not null && SockFds.Count != Queues)
            throw Invalid($"sock-fds has {SockFds.Count} fd(s) but queues={Queues}: give exactly one fd per queue");
        if (Loader == LoaderKind.Libxdp && Inhibit)
            throw Invalid("loader=libxdp cannot be combined with inhibit=on");
        if (FrameSize is not (2048 or 4096))
            throw Invalid($"frame-size={FrameSize}: must be 2048 or 4096");
        CheckRing("rx-size", RxSize);
        CheckRing("tx-size", TxSize);
        CheckRing("fill-size", FillSize);
        CheckRing("comp-size", CompletionSize);
        if (FrameCount is { } n && n < 2)
            throw Invalid($"frame-count={n}: must be at least 2");
        return this;
    }

    private static void CheckRing(string name, uint size)
    {
        if (size < 2 || (size & (size - 1)) != 0 || size > 1u << 20)
            throw Invalid($"{name}={size}: must be a power of two between 2 and 1048576");
    }

    private static XdpException Invalid(string message) => new(-Interop.Errno.EINVAL, message);
}
