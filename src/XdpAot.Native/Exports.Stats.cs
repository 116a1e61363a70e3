using System.Runtime.InteropServices;

namespace XdpAot.Native;

internal static unsafe partial class Exports
{
    /// <summary>
    /// Reads the counters of one queue. Set out->size to sizeof(xdpaot_stats) first: the library fills the
    /// counters that fit in out->size bytes (so a program built against an older, shorter xdpaot_stats keeps
    /// working), leaves the bytes after them untouched, and sets out->size to the bytes it filled. Same thread
    /// rule as the data path: call it from the thread that drives the queue.
    /// </summary>
    /// <returns>0, or -EINVAL for a NULL port or out, a queue out of range, or out->size below 16.</returns>
    [UnmanagedCallersOnly(EntryPoint = "xdpaot_get_stats")]
    public static int GetStats(XdpaotPort* p, uint q, XdpaotStats* @out)
    {
        var queue = PortHandle.QueueOf(p, q);
        if (queue is null || @out == null || @out->Size < XdpaotStats.MinSize)
            return -Errno.EINVAL;
        try
        {
            var all = XdpaotStats.From(queue.GetStatistics());
            // Whole counters only: they start at offset 8 and are 8 bytes each.
            uint size = Math.Min(@out->Size, all.Size);
            size -= (size - sizeof(ulong)) % sizeof(ulong);
            Buffer.MemoryCopy((byte*)&all + sizeof(ulong), (byte*)@out + sizeof(ulong), size - sizeof(ulong), size - sizeof(ulong));
            @out->Size = size;
            return 0;
        }
        catch (Exception e)
        {
            return Errno.Of(e);
        }
    }
}
