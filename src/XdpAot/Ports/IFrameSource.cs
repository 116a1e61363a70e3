namespace XdpAot.Ports;

/// <summary>
/// Supplies frames to the batched <see cref="Queue.Send{TSource}"/>. Implement it on a struct so the call is
/// specialized and inlined: no boxing, no interface dispatch per frame.
/// </summary>
public interface IFrameSource
{
    /// <summary>
    /// Writes the next frame into <paramref name="frame"/> (a whole UMEM frame: <see cref="Queue.FrameSize"/> bytes)
    /// and returns its length, or returns 0 when there is nothing more to send. The memory is the UMEM itself, so
    /// a frame can be gathered straight from wherever it lives (guest buffers) without a staging copy.
    /// </summary>
    int Next(Span<byte> frame);
}
