using System.Runtime.InteropServices;
using XdpAot.Ports;

namespace XdpAot.Native;

/// <summary>
/// What an <c>xdpaot_port *</c> is: a GC handle to this object, which owns the <see cref="Port"/> and keeps its
/// queues in an array for the per-call lookup (no interface dispatch, no lock: the array never changes).
/// </summary>
/// <remarks>
/// A handle is valid from <c>xdpaot_open</c> until <c>xdpaot_close</c>. Using it after close, or closing it twice,
/// is the caller's bug, as with <c>free()</c>; NULL is always recognised.
/// </remarks>
internal sealed unsafe class PortHandle
{
    private readonly Port _port;
    private readonly Queue[] _queues;

    private PortHandle(Port port)
    {
        _port = port;
        _queues = [.. port.Queues];
    }

    /// <summary>Wraps an open port; the handle owns it from now on.</summary>
    public static XdpaotPort* Create(Port port) =>
        (XdpaotPort*)GCHandle<PortHandle>.ToIntPtr(new GCHandle<PortHandle>(new PortHandle(port)));

    /// <summary>The port's queues, or null for NULL.</summary>
    public static Queue[]? QueuesOf(XdpaotPort* p) => p == null ? null : Target(p)._queues;

    /// <summary>Queue <paramref name="q"/> of the port, or null for a NULL port or an index out of range.</summary>
    public static Queue? QueueOf(XdpaotPort* p, uint q) => QueuesOf(p) is { } queues && q < (uint)queues.Length ? queues[q] : null;

    /// <summary>Frees the handle, then closes the port (detach, sockets, UMEM).</summary>
    public static void Close(XdpaotPort* p)
    {
        var handle = GCHandle<PortHandle>.FromIntPtr((nint)p);
        var port = handle.Target._port;
        handle.Dispose();
        port.Dispose();
    }

    private static PortHandle Target(XdpaotPort* p) => GCHandle<PortHandle>.FromIntPtr((nint)p).Target;
}
