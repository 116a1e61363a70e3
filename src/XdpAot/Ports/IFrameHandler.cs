namespace XdpAot.Ports;

/// <summary>
/// Receives frames from <see cref="Queue.Receive{THandler}"/>. Implement it on a struct so the call is
/// specialized and inlined: no boxing, no interface dispatch per frame.
/// </summary>
public interface IFrameHandler
{
    /// <summary>
    /// Handles one frame, valid only during the call. Return false to refuse it: it stays queued, and the
    /// receive call stops and delivers it first next time (QEMU's backpressure when the guest has no buffers).
    /// </summary>
    bool OnFrame(ReadOnlySpan<byte> frame);
}
