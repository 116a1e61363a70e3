namespace XdpAot.Vhost.Bridge;

/// <summary>What a queue-pair worker does when a pass finds nothing to move.</summary>
public enum WaitMode
{
    /// <summary>
    /// Event-driven (the default): spin briefly after activity, then ask the guest for kicks (EVENT_IDX or
    /// NO_NOTIFY cleared), look once more, and sleep in epoll on the kick eventfds and the AF_XDP sockets. An idle
    /// guest costs no CPU.
    /// </summary>
    Poll,

    /// <summary>Busy-poll every ring without sleeping, as DPDK's PMDs do: a core at 100%, lowest latency.</summary>
    Spin,

    /// <summary>Sleep 20 µs after a pass that found less than half a batch; the guest never kicks.</summary>
    Nap,
}
