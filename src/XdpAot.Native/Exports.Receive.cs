using System.Runtime.InteropServices;
using XdpAot.Native.Header;
using XdpAot.Ports;

namespace XdpAot.Native;

internal static unsafe partial class Exports
{
    /// <summary>
    /// Receives up to max frames, handing each to fn (QEMU's fd read handler delivering to the guest). fn returns
    /// 0 to take the frame, or non-zero to refuse it: a refused frame stays queued, is delivered first by the
    /// next receive call, and this call stops. Frames are counted in rx_packets once, when taken.
    /// </summary>
    /// <param name="p">The port.</param>
    /// <param name="q">Queue index.</param>
    /// <param name="fn">
    /// Called once per frame with ctx, the frame (valid only during the call) and its length. Return 0 to take the
    /// frame; non-zero to refuse it: it stays queued for the next call and recv stops. It must not call into the
    /// library for the same queue.
    /// </param>
    /// <param name="ctx">Passed to fn unchanged.</param>
    /// <param name="max">Most frames to take; any number (taken in batches of 64).</param>
    /// <returns>Frames taken, or -EINVAL for a NULL port or fn, or a queue out of range.</returns>
    [UnmanagedCallersOnly(EntryPoint = "xdpaot_recv")]
    public static int Recv(XdpaotPort* p, uint q,
        [CCallback("xdpaot_rx_fn", "void *ctx", "const void *frame", "uint32_t len")] delegate* unmanaged<void*, void*, uint, int> fn,
        void* ctx, uint max)
    {
        var queue = PortHandle.QueueOf(p, q);
        if (queue is null || fn == null)
            return -Errno.EINVAL;
        try
        {
            var handler = new RxCallback(fn, ctx);
            int limit = max > int.MaxValue ? int.MaxValue : (int)max;
            int taken = 0;
            while (taken < limit)
            {
                int batch = Math.Min(limit - taken, Queue.MaxBatch);
                int n = queue.Receive(ref handler, batch);
                taken += n;
                if (n < batch)
                    break;   // the queue ran dry, or fn refused a frame
            }
            return taken;
        }
        catch (Exception e)
        {
            return Errno.Of(e);
        }
    }

    /// <summary>
    /// Zero-copy receive: fills out with up to max frames that stay in the port's memory until
    /// xdpaot_recv_release. Peeking again (or calling xdpaot_recv) before a release puts the peeked frames back:
    /// the next peek returns the same frames first.
    /// </summary>
    /// <param name="p">The port.</param>
    /// <param name="q">Queue index.</param>
    /// <param name="out">Array of max frames; may be NULL when max is 0.</param>
    /// <param name="max">Size of out.</param>
    /// <returns>Frames peeked, or -EINVAL.</returns>
    [UnmanagedCallersOnly(EntryPoint = "xdpaot_recv_peek")]
    public static int RecvPeek(XdpaotPort* p, uint q, XdpaotFrame* @out, uint max)
    {
        var queue = PortHandle.QueueOf(p, q);
        if (queue is null || (@out == null && max != 0))
            return -Errno.EINVAL;
        try
        {
            // XdpaotFrame is laid out like FrameRef (a pointer, then a 32-bit length), so the core fills out directly.
            return queue.Peek(new Span<FrameRef>(@out, max > int.MaxValue ? int.MaxValue : (int)max));
        }
        catch (Exception e)
        {
            return Errno.Of(e);
        }
    }

    /// <summary>
    /// Consumes the first n frames of the last peek (they count in rx_packets); the others stay queued and come
    /// first on the next peek or receive.
    /// </summary>
    /// <returns>0, or -EINVAL when n is more than the frames peeked (nothing is released then).</returns>
    [UnmanagedCallersOnly(EntryPoint = "xdpaot_recv_release")]
    public static int RecvRelease(XdpaotPort* p, uint q, uint n)
    {
        var queue = PortHandle.QueueOf(p, q);
        if (queue is null || n > int.MaxValue)
            return -Errno.EINVAL;
        try
        {
            return queue.ReleasePeeked((int)n) ? 0 : -Errno.EINVAL;
        }
        catch (Exception e)
        {
            return Errno.Of(e);
        }
    }
}
