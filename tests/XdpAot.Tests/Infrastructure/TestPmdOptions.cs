namespace XdpAot.Tests.Infrastructure;

/// <summary>How <see cref="TestPmd.Start"/> runs dpdk-testpmd (non-interactive, statistics every second).</summary>
public sealed record TestPmdOptions
{
    /// <summary>--vdev arguments, in port order (see <see cref="Vdev"/>).</summary>
    public required IReadOnlyList<string> Vdevs { get; init; }

    /// <summary>--forward-mode: io, macswap, txonly, rxonly, …</summary>
    public string ForwardMode { get; init; } = "io";

    /// <summary>RX and TX queues per port (--rxq, --txq).</summary>
    public int Queues { get; init; } = 1;

    /// <summary>txonly's frame length (--txpkts).</summary>
    public int? TxPacketLength { get; init; }

    public int Burst { get; init; } = 32;

    /// <summary>Reserve 2 MiB hugepages for the run and use fd-backed memory (--in-memory --single-file-segments), as
    /// virtio_user needs. Otherwise --no-huge: enough for the vhost and tap PMDs, whose guest memory is the front-end's.</summary>
    public bool HugePages { get; init; }

    /// <summary>EAL memory (-m); default 512 MiB without hugepages, 128 MiB with (then this many MiB of pages, plus a margin, are reserved).</summary>
    public int? MemoryMiB { get; init; }

    /// <summary>Mbufs in the pool (--total-num-mbufs); testpmd's default is sized for many lcores and does not fit.</summary>
    public int TotalMbufs { get; init; } = 16384;

    /// <summary>Run inside this network namespace (ip netns exec), e.g. so a tap vdev is created there.</summary>
    public string? Namespace { get; init; }

    /// <summary>More EAL arguments (before "--").</summary>
    public IReadOnlyList<string> EalArgs { get; init; } = [];

    /// <summary>More testpmd arguments (after "--").</summary>
    public IReadOnlyList<string> AppArgs { get; init; } = [];
}
