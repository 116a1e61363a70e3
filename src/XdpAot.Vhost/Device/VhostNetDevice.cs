using XdpAot.Ports;
using XdpAot.Vhost.Bridge;
using XdpAot.Vhost.Protocol;
using XdpAot.Vhost.Virtio;

namespace XdpAot.Vhost.Device;

/// <summary>Why <see cref="VhostNetDevice.Serve"/> returned.</summary>
public enum SessionEnd
{
    /// <summary>The front-end closed the connection.</summary>
    Closed,

    /// <summary>The wake fd was signalled (we are stopping).</summary>
    Stopped,

    /// <summary>The front-end broke the protocol, or a request failed that it asked no acknowledgement for.</summary>
    Error,
}

/// <summary>
/// A vhost-user-net device over the AF_XDP queues of a <see cref="Port"/>: guest queue pair k is AF_XDP queue k,
/// served by its own <see cref="PairWorker"/> thread. The device outlives connections: <see cref="Serve"/> runs one
/// front-end connection to its end and leaves the port and the workers ready for the next. What it offers is fixed at
/// construction and never changes between connections (front-ends cache features across a reconnect).
/// </summary>
public sealed class VhostNetDevice : IDisposable
{
    /// <summary>The most memory regions (GET_MAX_MEM_SLOTS); a linear search over them stays cheap.</summary>
    public const int MaxMemSlots = 32;

    /// <summary>Room the kernel keeps before a received frame in a copy-mode UMEM frame (XDP_PACKET_HEADROOM).</summary>
    private const uint XdpHeadroom = 256;

    /// <summary>Ethernet header and one VLAN tag: the bytes a frame has beyond its MTU.</summary>
    private const uint L2Overhead = 18;

    private readonly Queue[] _queues;
    private readonly DeviceOptions _options;
    private readonly PairWorker[] _workers;
    private bool _started;
    private int _connections;

    /// <summary>A device on a port's queues.</summary>
    public VhostNetDevice(Port port, DeviceOptions options) : this(port.Queues, options)
    {
    }

    /// <summary>
    /// Checks the options against the queues (MTU, MAC) and creates one worker per AF_XDP queue; <see cref="Start"/>
    /// starts them. The queues stay the caller's to close, after this device is disposed.
    /// </summary>
    public VhostNetDevice(IReadOnlyList<Queue> queues, DeviceOptions options)
    {
        if (queues.Count == 0)
            throw new ArgumentException("a vhost-user-net device needs at least one AF_XDP queue", nameof(queues));
        _queues = [.. queues];
        _options = options;
        uint frameSize = _queues[0].FrameSize;
        MaxMtu = (ushort)Math.Min(ushort.MaxValue, frameSize - XdpHeadroom - L2Overhead);
        if (options.Mtu is { } mtu && (mtu < 68 || mtu > MaxMtu))
            throw new XdpException(-XdpAot.Interop.Errno.EINVAL,
                $"--mtu {mtu}: {_queues[0].IfName} carries frames of up to {frameSize - XdpHeadroom} bytes with frame-size={frameSize}, so the MTU can be 68..{MaxMtu}");
        if (options.Mac is { Length: not 6 })
            throw new XdpException(-XdpAot.Interop.Errno.EINVAL, "--mac: a MAC address has 6 bytes");
        if (options.Mtu is { } offered)
            MaxMtu = offered;
        Features = OfferedFeatures(options, _queues.Length);
        ProtocolFeatures = OfferedProtocolFeatures(options);
        _workers = new PairWorker[_queues.Length];
        for (int k = 0; k < _workers.Length; k++)
        {
            int? cpu = options.Cpus is { Length: > 0 } cpus ? cpus[k % cpus.Length] : null;
            _workers[k] = new PairWorker(k, cpu, options.Wait, options.SpinMicroseconds);
        }
    }

    /// <summary>Virtio features offered (GET_FEATURES).</summary>
    public ulong Features { get; }

    /// <summary>Protocol features offered (GET_PROTOCOL_FEATURES).</summary>
    public ulong ProtocolFeatures { get; }

    /// <summary>Queue pairs (GET_QUEUE_NUM): one per AF_XDP queue of the port.</summary>
    public int QueuePairs => _workers.Length;

    /// <summary>The largest MTU accepted (NET_SET_MTU) and the one offered with --mtu.</summary>
    public ushort MaxMtu { get; }

    /// <summary>The AF_XDP queues, queue pair k's at index k.</summary>
    public IReadOnlyList<Queue> Queues => _queues;

    /// <summary>The workers, queue pair k's at index k.</summary>
    public IReadOnlyList<PairWorker> Workers => _workers;

    /// <summary>Connections served so far.</summary>
    public int Connections => _connections;

    /// <summary>Negotiation results of the current connection (null between connections).</summary>
    public (ulong Features, ulong ProtocolFeatures)? Negotiated { get; private set; }

    /// <summary>
    /// VERSION_1, INDIRECT_DESC, EVENT_IDX, MRG_RXBUF, PROTOCOL_FEATURES; MQ with more than one queue pair; MTU with
    /// --mtu, MAC with --mac. No offload: AF_XDP has none, and a guest must not hand us a partial checksum we would not
    /// finish. No packed rings, no logging (live migration), no IOMMU.
    /// </summary>
    /// <remarks>
    /// MQ needs a control queue, and a vhost-user-net front-end provides that itself (QEMU and virtio_user handle
    /// VIRTIO_NET_CTRL_MQ and turn it into SET_VRING_ENABLE; the control queue never reaches a back-end), so CTRL_VQ
    /// is not ours to offer. QEMU decides MQ for its own device; virtio_user takes it from us.
    /// </remarks>
    private static ulong OfferedFeatures(DeviceOptions o, int queuePairs)
    {
        ulong f = VirtioFeature.Bit(VirtioFeature.Version1) | VirtioFeature.Bit(VirtioFeature.RingIndirectDesc)
            | VirtioFeature.Bit(VirtioFeature.RingEventIdx) | VirtioFeature.Bit(VirtioFeature.NetMrgRxBuf)
            | VirtioFeature.Bit(VirtioFeature.ProtocolFeatures);
        if (queuePairs > 1)
            f |= VirtioFeature.Bit(VirtioFeature.NetMq);
        if (o.Mtu is not null)
            f |= VirtioFeature.Bit(VirtioFeature.NetMtu);
        if (o.Mac is not null)
            f |= VirtioFeature.Bit(VirtioFeature.NetMac);
        return f;
    }

    /// <summary>MQ, REPLY_ACK, NET_MTU, RESET_DEVICE, CONFIGURE_MEM_SLOTS, STATUS; CONFIG with --mac (there is nothing to report without it).</summary>
    private static ulong OfferedProtocolFeatures(DeviceOptions o)
    {
        ulong f = ProtocolFeature.Bit(ProtocolFeature.Mq) | ProtocolFeature.Bit(ProtocolFeature.ReplyAck)
            | ProtocolFeature.Bit(ProtocolFeature.NetMtu) | ProtocolFeature.Bit(ProtocolFeature.ResetDevice)
            | ProtocolFeature.Bit(ProtocolFeature.ConfigureMemSlots) | ProtocolFeature.Bit(ProtocolFeature.Status);
        if (o.Mac is not null)
            f |= ProtocolFeature.Bit(ProtocolFeature.Config);
        return f;
    }

    /// <summary>virtio_net_config: mac[6], status (LINK_UP), max_virtqueue_pairs, mtu, speed (unknown), duplex (unknown).</summary>
    internal byte[] ConfigSpace(ushort? mtu)
    {
        var c = new byte[24];
        _options.Mac?.CopyTo(c, 0);
        BitConverter.TryWriteBytes(c.AsSpan(6), (ushort)1);
        BitConverter.TryWriteBytes(c.AsSpan(8), (ushort)QueuePairs);
        BitConverter.TryWriteBytes(c.AsSpan(10), mtu ?? _options.Mtu ?? 1500);
        BitConverter.TryWriteBytes(c.AsSpan(12), uint.MaxValue);
        c[16] = 0xff;
        return c;
    }

    internal void Log(string text) => _options.Log?.Invoke(text);

    /// <summary>Starts the workers; until a front-end starts rings, each drains (and counts) what its queue receives.</summary>
    public void Start()
    {
        if (_started)
            return;
        _started = true;
        foreach (var w in _workers)
            w.Start();
        PauseWorkers();
        ResumeWorkers(IdlePlans());
    }

    private PairPlan[] IdlePlans()
    {
        var plans = new PairPlan[_workers.Length];
        for (int k = 0; k < plans.Length; k++)
            plans[k] = new PairPlan { Pair = k, RxPorts = [_queues[k]], DropRx = true };
        return plans;
    }

    internal void PauseWorkers()
    {
        foreach (var w in _workers)
            w.Pause();
    }

    internal void ResumeWorkers(PairPlan[] plans)
    {
        for (int k = 0; k < _workers.Length; k++)
            _workers[k].Resume(plans[k]);
    }

    /// <summary>
    /// Serves one front-end connection until it closes, breaks the protocol, or <paramref name="wakeFd"/> is signalled.
    /// Every request is checked (<see cref="MessageRules"/>) and answered as the spec says: a reply body where the
    /// request has one, an ack when the front-end asked for one (REPLY_ACK), and on a failure it asked no ack for, the
    /// connection is closed. When it returns, every ring is stopped and everything the connection brought is released.
    /// </summary>
    public SessionEnd Serve(MessageChannel channel, int wakeFd, out string? reason)
    {
        Start();
        _connections++;
        using var session = new VhostUserSession(this);
        try
        {
            while (true)
            {
                ReceiveResult got;
                Message m;
                try
                {
                    got = channel.Receive(wakeFd, out m);
                }
                catch (ProtocolException e)
                {
                    reason = e.Message;
                    return SessionEnd.Error;
                }
                if (got == ReceiveResult.Closed)
                {
                    reason = null;
                    return SessionEnd.Closed;
                }
                if (got == ReceiveResult.Woken)
                {
                    reason = null;
                    return SessionEnd.Stopped;
                }
                var outcome = session.Handle(m);
                Negotiated = (session.Features, session.ProtocolFeatures);
                m.CloseFds();
                try
                {
                    if (!Answer(channel, m, outcome, out reason))
                        return SessionEnd.Error;
                }
                catch (ProtocolException e)
                {
                    reason = e.Message;
                    return SessionEnd.Error;
                }
            }
        }
        finally
        {
            Negotiated = null;
        }
    }

    private bool Answer(MessageChannel channel, Message m, Outcome outcome, out string? reason)
    {
        reason = null;
        var request = m.Request;
        if (outcome.Body is { } body)
        {
            channel.Reply(request, body);
            return true;
        }
        if (!outcome.Ok)
            Log($"error: {outcome.Error}");
        if (m.NeedsReply && !MessageRules.HasReplyBody(request))
        {
            channel.Reply(request, outcome.Ok ? 0ul : 1ul);
            return true;
        }
        if (outcome.Ok)
            return true;
        reason = outcome.Error;
        return false;
    }

    /// <summary>All workers' counters added up.</summary>
    public BridgeCounters Totals()
    {
        var total = new BridgeCounters();
        foreach (var w in _workers)
            total.Add(w.Counters);
        return total;
    }

    /// <summary>Stops the workers (the queues are the caller's to close).</summary>
    public void Dispose()
    {
        foreach (var w in _workers)
            w.Dispose();
    }
}
