using XdpAot.Ports;

namespace XdpAot.Native;

/// <summary>
/// Hands received frames to the caller's <c>xdpaot_rx_fn</c>: a struct, so <see cref="Queue.Receive{THandler}"/>
/// is specialized for it and the only indirect call per frame is the C function itself.
/// </summary>
internal readonly unsafe struct RxCallback(delegate* unmanaged<void*, void*, uint, int> fn, void* ctx) : IFrameHandler
{
    /// <summary>Takes the frame when the callback returns 0; otherwise it stays queued and the receive stops.</summary>
    public bool OnFrame(ReadOnlySpan<byte> frame)
    {
        fixed (byte* data = frame)
            return fn(ctx, data, (uint)frame.Length) == 0;
    }
}
