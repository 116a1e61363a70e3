using XdpAot.Ports;
using XdpAot.Vhost.Virtio;

namespace XdpAot.Vhost.Bridge;

/// <summary>
/// What one queue-pair worker works on until the next change: the guest's two rings of its pair (each may be
/// absent: not started), whether each is enabled, the AF_XDP queue the guest's transmissions go out on, and the AF_XDP
/// queues whose frames it delivers into the pair's RX ring. Made by the control thread while the worker is paused,
/// never changed afterwards: handing a worker a new plan is the only way the control thread talks to it.
/// </summary>
public sealed class PairPlan
{
    /// <summary>A plan with nothing to do: the worker sleeps until the next one.</summary>
    public static PairPlan Idle(int pair) => new() { Pair = pair };

    /// <summary>The guest queue pair (rx vring 2k, tx vring 2k+1).</summary>
    public int Pair { get; init; }

    /// <summary>The guest's RX ring, when started.</summary>
    public SplitQueue? Rx { get; init; }

    /// <summary>Frames may be put into <see cref="Rx"/>.</summary>
    public bool RxEnabled { get; init; }

    /// <summary>The RX ring's kick eventfd (the guest posted buffers), or -1.</summary>
    public int RxKickFd { get; init; } = -1;

    /// <summary>The guest's TX ring, when started.</summary>
    public SplitQueue? Tx { get; init; }

    /// <summary>Frames from <see cref="Tx"/> are sent; a started but disabled TX ring is emptied without sending.</summary>
    public bool TxEnabled { get; init; }

    /// <summary>The TX ring's kick eventfd, or -1.</summary>
    public int TxKickFd { get; init; } = -1;

    /// <summary>The AF_XDP queue that carries this pair's transmissions, when this worker owns it.</summary>
    public Queue? TxPort { get; init; }

    /// <summary>AF_XDP queues owned by this worker whose received frames go into <see cref="Rx"/>.</summary>
    public Queue[] RxPorts { get; init; } = [];

    /// <summary>No guest ring can take frames: drain <see cref="RxPorts"/> and count the frames as dropped.</summary>
    public bool DropRx { get; init; }

    /// <summary>virtio-net header length (12, or 10 for a legacy driver).</summary>
    public uint HeaderLength { get; init; } = VirtioNetHeader.Size;

    /// <summary>MRG_RXBUF negotiated: a frame may span several RX buffers.</summary>
    public bool MergeRxBuffers { get; init; }

    /// <summary>True when there is nothing at all to do.</summary>
    public bool IsIdle => Rx is null && Tx is null && RxPorts.Length == 0;
}
