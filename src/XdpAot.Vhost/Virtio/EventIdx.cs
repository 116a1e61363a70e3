namespace XdpAot.Vhost.Virtio;

/// <summary>VIRTIO_RING_F_EVENT_IDX arithmetic on the free-running 16-bit ring indexes.</summary>
public static class EventIdx
{
    /// <summary>
    /// True when moving an index from <paramref name="old"/> to <paramref name="current"/> passed the other side's
    /// <paramref name="eventIdx"/>, i.e. it asked to be notified for an entry in (old, current]. All arithmetic is
    /// modulo 2^16, so it holds across wrap-around.
    /// </summary>
    public static bool NeedsEvent(ushort eventIdx, ushort current, ushort old) =>
        (ushort)(current - eventIdx - 1) < (ushort)(current - old);
}
