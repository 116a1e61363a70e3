using XdpAot.Options;
using XdpAot.Ports;
using XdpAot.Rings;
using XdpAot.Sockets;
using XdpAot.Umem;

namespace XdpAot.ControlPlane;

/// <summary>
/// Who creates the sockets and steers traffic into them: our built-in loader, libxdp, a privileged helper's
/// fds (<c>inhibit=on,sock-fds=</c>) or someone else's pinned XSKMAP (<c>inhibit=on,map-path=</c>). The data
/// path is the same for all of them.
/// </summary>
internal abstract class QueueControlPlane : IDisposable
{
    /// <summary>Makes the socket of the <paramref name="index"/>-th queue of the port (interface queue <paramref name="queueId"/>).</summary>
    public abstract IQueueSocket CreateSocket(int index, int queueId, UmemArea umem, RingSet rings);

    /// <summary>Starts steering traffic to the queues, now that their Fill rings are populated.</summary>
    public abstract void Activate(IReadOnlyList<Queue> queues);

    /// <summary>Stops steering traffic (detach the program, remove map entries); the sockets close after this.</summary>
    public abstract void Deactivate();

    /// <summary>The attach mode of our program, when we attached one.</summary>
    public abstract XdpMode? Mode { get; }

    /// <summary>Releases what is left (map fds, libraries) after the queues are closed.</summary>
    public abstract void Dispose();

    /// <summary>Builds the control plane that <paramref name="o"/> asks for.</summary>
    public static QueueControlPlane For(PortOptions o, uint ifIndex, uint mapEntries) => o switch
    {
        { Inhibit: true, SockFds: not null } => new SockFdsControlPlane(o, ifIndex),
        { Inhibit: true, MapPath: not null } => new PinnedMapControlPlane(o, ifIndex),
        { Loader: LoaderKind.Libxdp } => new LibxdpControlPlane(o, ifIndex),
        _ => new BuiltinControlPlane(o, ifIndex, mapEntries),
    };

    /// <summary>The socket settings common to our own socket setup paths.</summary>
    protected static XskSocket.Config SocketConfig(PortOptions o, uint ifIndex, int queueId) =>
        new(o.IfName, ifIndex, queueId, o.RxSize, o.TxSize, o.FillSize, o.CompletionSize, o.ForceCopy, o.BusyBudget);
}
