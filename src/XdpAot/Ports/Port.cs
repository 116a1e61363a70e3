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
    private XdpMode? _mode;
    private bool _active;
    private bool _deactivated;
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

    /// <summary>
    /// The XDP attach mode of our program, kept after <see cref="Deactivate"/>; null when the program is not ours
    /// (inhibit=on) or before <see cref="Activate"/>.
    /// </summary>
    public XdpMode? Mode => _mode;

    /// <summary>The queues, in queue-id order.</summary>
    public IReadOnlyList<Queue> Queues => _queues;

    /// <summary>Warnings from opening (e.g. busy polling refused by the kernel).</summary>
    public IReadOnlyList<string> Warnings { get; private init; } = [];

    /// <summary>Whether traffic is steered to the queues (<see cref="Activate"/> has run).</summary>
    public bool IsActive => _active;

    /// <summary>Opens a port from QEMU-syntax options (<c>ifname=eth0,queues=2,…</c>).</summary>
    public static Port Open(string options) => Open(PortOptionsParser.Parse(options));

    /// <summary>
    /// Opens a port and steers traffic to it. On failure everything taken so far (sockets, UMEM, maps, program,
    /// link) is released and an <see cref="XdpException"/> names the interface, queue and option.
    /// </summary>
    public static Port Open(PortOptions options) => Open(options, activate: true);

    /// <summary>
    /// Opens a port; with <paramref name="activate"/> false, traffic is not steered to it until
    /// <see cref="Activate"/>. The sockets are bound and their Fill rings stocked either way, so a caller can start
    /// the threads that poll the queues first: once the program is live, frames arrive at the full rate at once, and
    /// a burst longer than the Fill ring would otherwise be dropped before the threads run (attaching takes
    /// milliseconds). With <c>loader=libxdp</c> the program is attached with the sockets, so this changes nothing.
    /// </summary>
    public static Port Open(PortOptions options, bool activate)
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
            var port = new Port(o, ifIndex, plane, [.. queues]) { Warnings = warnings };
            if (activate)
                port.Activate();
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

    /// <summary>
    /// Steers traffic to the queues: adds them to the XSKMAP and attaches the program (or adds them to someone
    /// else's map). Does nothing if already active; a port is activated once. On failure the port stays open and
    /// inactive; dispose it.
    /// </summary>
    public void Activate()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_active)
            return;
        if (_deactivated)
            throw new InvalidOperationException($"{IfName}: the port was deactivated; open a new one");
        try
        {
            _plane.Activate(_queues);
        }
        catch
        {
            _plane.Deactivate(); // map entries already added
            throw;
        }
        _active = true;
        // Kept after Deactivate: it says how the port ran.
        _mode = _plane.Mode;
        foreach (var q in _queues)
            q.AttachMode = _mode;
    }

    /// <summary>
    /// Stops steering traffic to the queues (detaches our program, removes our map entries) but keeps them open:
    /// what is already in their RX rings can still be read, and nothing more arrives to be dropped while the
    /// threads that poll them wind down. <see cref="Dispose"/> does this too.
    /// </summary>
    public void Deactivate()
    {
        if (_disposed || _deactivated)
            return;
        _deactivated = true;
        _active = false;
        _plane.Deactivate();
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
