using XdpAot.ControlPlane;
using XdpAot.Devices;
using XdpAot.Interop;
using XdpAot.Options;
using XdpAot.Rings;
using XdpAot.Sockets;
using XdpAot.Umem;

namespace XdpAot.Ports;

/// <summary>
/// AF_XDP sockets on <c>queues</c> consecutive queues of one interface, each with its own UMEM and rings
/// (<see cref="Queue"/>), plus whatever steers traffic to them. What QEMU's <c>-netdev af-xdp</c> opens.
/// </summary>
public sealed class Port : IDisposable
{
    private readonly QueueControlPlane _plane;
    private readonly Queue[] _queues;
    private bool _disposed;

    private Port(PortOptions options, uint ifIndex, QueueControlPlane plane, Queue[] queues)
    {
        Options = options;
        IfIndex = ifIndex;
        _plane = plane;
        _queues = queues;
    }

    /// <summary>The options the port was opened with.</summary>
    public PortOptions Options { get; }

    /// <summary>Interface name.</summary>
    public string IfName => Options.IfName;

    /// <summary>Interface index.</summary>
    public uint IfIndex { get; }

    /// <summary>The XDP attach mode in use; null when the program is not ours (inhibit=on).</summary>
    public XdpMode? Mode => _plane.Mode;

    /// <summary>The queues, in queue-id order.</summary>
    public IReadOnlyList<Queue> Queues => _queues;

    /// <summary>Warnings from opening (e.g. busy polling refused by the kernel).</summary>
    public IReadOnlyList<string> Warnings { get; private init; } = [];

    /// <summary>Opens a port from QEMU-syntax options (<c>ifname=eth0,queues=2,…</c>).</summary>
    public static Port Open(string options) => Open(PortOptionsParser.Parse(options));

    /// <summary>
    /// Opens a port. On failure everything taken so far (sockets, UMEM, maps, program, link) is released and an
    /// <see cref="XdpException"/> names the interface, queue and option.
    /// </summary>
    public static Port Open(PortOptions options)
    {
        var o = options.Validate();
        uint ifIndex = NetDevice.IndexOf(o.IfName);
        var channels = NetDevice.GetChannels(o.IfName);
        uint active = channels?.Active ?? 1;
        if ((ulong)o.StartQueue + (ulong)o.Queues > active)
            throw new XdpException(-Errno.EINVAL, o.Queues == 1
                ? $"start-queue={o.StartQueue} is out of range: '{o.IfName}' has {active} queue(s)"
                : $"start-queue={o.StartQueue} with queues={o.Queues} needs queues {o.StartQueue}..{o.StartQueue + o.Queues - 1} but '{o.IfName}' has {active} queue(s)");
        MemoryLimits.EnsureUmemFits(o.IfName, o.UmemBytesPerQueue, o.Queues, o.EffectiveFrameCount, o.FrameSize);

        uint mapEntries = Math.Max(channels?.Max ?? 1, (uint)(o.StartQueue + o.Queues));
        var plane = QueueControlPlane.For(o, ifIndex, mapEntries);
        var queues = new List<Queue>(o.Queues);
        var warnings = new List<string>();
        try
        {
            for (int i = 0; i < o.Queues; i++)
                queues.Add(OpenQueue(o, plane, i, o.StartQueue + i, warnings));
            plane.Activate(queues);
            var port = new Port(o, ifIndex, plane, [.. queues]) { Warnings = warnings };
            foreach (var q in queues)
                q.AttachMode = plane.Mode;
            return port;
        }
        catch
        {
            plane.Deactivate();
            foreach (var q in queues)
                q.Dispose();
            plane.Dispose();
            throw;
        }
    }

    private static Queue OpenQueue(PortOptions o, QueueControlPlane plane, int index, int queueId, List<string> warnings)
    {
        var umem = UmemArea.Map(o.FrameSize, o.EffectiveFrameCount);
        var pool = new FramePool(umem.FrameCount);
        var rings = new RingSet();
        IQueueSocket socket;
        try
        {
            socket = plane.CreateSocket(index, queueId, umem, rings);
        }
        catch
        {
            rings.Dispose();
            pool.Dispose();
            umem.Dispose();
            throw;
        }
        if (socket is XskSocket { BusyPollWarning: { } warning })
            warnings.Add(warning);
        pool.AddAll(umem.FrameCount, umem.FrameSize);
        bool busy = o.BusyBudget > 0 && socket is not XskSocket { BusyPollWarning: not null };
        return new Queue(o.IfName, queueId, umem, pool, rings, socket, null, busy);
    }

    /// <summary>Detaches (program, map entries), then closes every queue.</summary>
    public void Dispose()
    {
        if (_disposed)
            return;
        _disposed = true;
        _plane.Deactivate();
        foreach (var q in _queues)
            q.Dispose();
        _plane.Dispose();
    }
}
