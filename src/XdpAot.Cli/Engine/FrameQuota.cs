namespace XdpAot.Cli.Engine;

/// <summary>
/// <c>--count N</c> shared by the threads of one stage: each takes up to a batch before it works and settles what
/// it used and what it did not, so the total is exact with any number of threads. Two atomics per batch.
/// </summary>
internal sealed class FrameQuota(long total)
{
    private long _remaining = total;
    private long _done;

    public long Total { get; } = total;

    /// <summary>Up to <paramref name="batch"/> frames to work on now; 0 when others hold the rest (or all is done).</summary>
    public int Take(int batch)
    {
        while (true)
        {
            long left = Volatile.Read(ref _remaining);
            if (left <= 0)
                return 0;
            int n = (int)Math.Min(left, batch);
            if (Interlocked.CompareExchange(ref _remaining, left - n, left) == left)
                return n;
        }
    }

    /// <summary>Settles a <see cref="Take"/>: <paramref name="used"/> frames done, the rest back to the pool.</summary>
    public void Settle(int taken, int used)
    {
        if (taken > used)
            Interlocked.Add(ref _remaining, taken - used);
        if (used > 0)
            Interlocked.Add(ref _done, used);
    }

    /// <summary>All <see cref="Total"/> frames are done (not merely taken).</summary>
    public bool Done => Volatile.Read(ref _done) >= Total;
}
