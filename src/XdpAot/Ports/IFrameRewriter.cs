namespace XdpAot.Ports;

/// <summary>
/// Changes received frames in place for <see cref="Queue.Reflect{TRewriter}"/> (l2fwd: swap the MAC addresses).
/// Implement it on a struct so the call is specialized and inlined: no boxing, no interface dispatch per frame.
/// </summary>
public interface IFrameRewriter
{
    /// <summary>
    /// Rewrites one received frame in place; it is then sent, unchanged in length, from the same UMEM frame. Return
    /// false to drop it instead (the frame goes back to the free pool).
    /// </summary>
    bool Rewrite(Span<byte> frame);
}
