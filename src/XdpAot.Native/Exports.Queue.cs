using System.Runtime.InteropServices;
using XdpAot.Native.Header;
using XdpAot.Ports;

namespace XdpAot.Native;

internal static unsafe partial class Exports
{
    /// <summary>Most segments one frame may come in, as writev() allows (IOV_MAX).</summary>
    private const int MaxSegments = 1024;

    /// <summary>The AF_XDP socket of a queue: poll it for the events xdpaot_wants returns.</summary>
    /// <returns>The fd (owned by the port: do not close it), or -EINVAL.</returns>
    [UnmanagedCallersOnly(EntryPoint = "xdpaot_queue_fd")]
    public static int QueueFd([CConst] XdpaotPort* p, uint q)
    {
        var queue = PortHandle.QueueOf(p, q);
        return queue is null ? -Errno.EINVAL : queue.Fd;
    }

    /// <summary>
    /// The poll events to wait for on xdpaot_queue_fd: POLLIN always, and POLLOUT while sent frames are pending
    /// (polling for POLLOUT is also what pushes them out in copy mode). Ask again after every send, receive or
    /// flush.
    /// </summary>
    /// <returns>POLLIN and/or POLLOUT, or -EINVAL.</returns>
    [UnmanagedCallersOnly(EntryPoint = "xdpaot_wants")]
    public static int Wants(XdpaotPort* p, uint q)
    {
        var queue = PortHandle.QueueOf(p, q);
        return queue is null ? -Errno.EINVAL : queue.Wants();
    }

    /// <summary>
    /// Sends one frame, gathered from iovcnt segments: copies it into a UMEM frame and puts it on the TX ring
    /// (QEMU's NetClient receive). The kernel is kicked lazily (see xdpaot_wants, xdpaot_flush). A frame larger
    /// than a UMEM frame is dropped and counted in tx_oversize, never truncated, and its size is returned, as
    /// QEMU does.
    /// </summary>
    /// <param name="p">The port.</param>
    /// <param name="q">Queue index.</param>
    /// <param name="iov">The frame's segments, starting with its Ethernet header.</param>
    /// <param name="iovcnt">Number of segments, 1 to 1024.</param>
    /// <returns>
    /// The frame's length; 0 when the queue is full (wait for POLLOUT, then send it again); -EINVAL for a NULL
    /// port or iov, a queue out of range, an iovcnt out of range, a NULL segment with a length, or an empty frame.
    /// </returns>
    [UnmanagedCallersOnly(EntryPoint = "xdpaot_send")]
    public static int Send(XdpaotPort* p, uint q, [CType("const struct iovec *")] Segment* iov, int iovcnt)
    {
        var queue = PortHandle.QueueOf(p, q);
        if (queue is null || iov == null || iovcnt <= 0 || iovcnt > MaxSegments)
            return -Errno.EINVAL;
        nuint total = 0;
        for (int i = 0; i < iovcnt; i++)
        {
            if (iov[i].Data == null && iov[i].Length != 0)
                return -Errno.EINVAL;
            total += iov[i].Length;
        }
        if (total == 0)
            return -Errno.EINVAL;
        try
        {
            return queue.Send(new ReadOnlySpan<Segment>(iov, iovcnt));
        }
        catch (Exception e)
        {
            return Errno.Of(e);
        }
    }

    /// <summary>
    /// Kicks the kernel if frames are pending and it asked to be woken, and reaps sent frames. Call it on POLLOUT,
    /// and until it returns 0 before xdpaot_close to drain the queue.
    /// </summary>
    /// <returns>Frames still in flight (sent, not yet completed by the kernel), or -EINVAL.</returns>
    [UnmanagedCallersOnly(EntryPoint = "xdpaot_flush")]
    public static int Flush(XdpaotPort* p, uint q)
    {
        var queue = PortHandle.QueueOf(p, q);
        if (queue is null)
            return -Errno.EINVAL;
        try
        {
            return queue.Flush();
        }
        catch (Exception e)
        {
            return Errno.Of(e);
        }
    }
}
