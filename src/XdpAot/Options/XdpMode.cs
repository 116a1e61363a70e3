namespace XdpAot.Options;

/// <summary>How the XDP program is attached to the interface.</summary>
public enum XdpMode
{
    /// <summary>Driver (native) mode: XDP_FLAGS_DRV_MODE.</summary>
    Native,

    /// <summary>Generic (skb) mode: XDP_FLAGS_SKB_MODE; works on every interface.</summary>
    Skb,
}

/// <summary>Which control plane creates the sockets and the program.</summary>
public enum LoaderKind
{
    /// <summary>Our own: bpf() and a BPF link, no libxdp or libbpf at run time.</summary>
    Builtin,

    /// <summary>libxdp's xsk API (loaded lazily), sharing the interface through libxdp's dispatcher.</summary>
    Libxdp,
}
