using System.Runtime.InteropServices;
using XdpAot.Interop;
using XdpAot.Ports;
using XdpAot.Rings;
using XdpAot.Sockets;
using XdpAot.Tests.Fakes;
using XdpAot.Umem;

namespace XdpAot.Tests.Core;

/// <summary>
/// A <see cref="Queue"/> on a <see cref="FakeKernel"/>, like <see cref="FakeQueue"/>, that also lets a test look at
/// the rings themselves: which UMEM address a descriptor points at (zero-copy checks), and descriptors the fake
/// kernel would never produce (bad lengths, option bits).
/// </summary>
internal sealed unsafe class DataPathHarness : IDisposable
{
    private sealed class NoSocket : IQueueSocket
    {
        public int Fd => -1;
        public bool ZeroCopy => false;
        public void Dispose() { }
    }

    private readonly RingSet _rings;
    private readonly FramePool _pool;

    public DataPathHarness(uint ringSize = 64, uint frameSize = 2048, uint? frameCount = null, uint? txSize = null)
    {
        Umem = UmemArea.Map(frameSize, frameCount ?? ringSize * 4);
        var pool = _pool = new FramePool(Umem.FrameCount);
        pool.AddAll(Umem.FrameCount, Umem.FrameSize);
        _rings = new RingSet();
        Kernel = new FakeKernel(_rings, Umem.Base, ringSize, ringSize, ringSize, txSize ?? ringSize);
        Queue = new Queue("fake0", 0, Umem, pool, _rings, new NoSocket(), null, busyPoll: false);
    }

    public Queue Queue { get; }
    public FakeKernel Kernel { get; }
    public UmemArea Umem { get; }
    public uint FrameCount => Umem.FrameCount;

    /// <summary>The UMEM addresses of the RX descriptors the queue has not consumed yet, oldest first.</summary>
    public ulong[] PendingRxAddresses()
    {
        var r = _rings.Rx;
        var a = new ulong[*r->producer - *r->consumer];
        for (uint i = 0; i < a.Length; i++)
            a[i] = ((xdp_desc*)r->ring)[(*r->consumer + i) & r->mask].addr;
        return a;
    }

    /// <summary>The TX descriptors submitted and not yet consumed by the fake kernel, oldest first.</summary>
    public xdp_desc[] PendingTx()
    {
        var r = _rings.Tx;
        var a = new xdp_desc[*r->producer - *r->consumer];
        for (uint i = 0; i < a.Length; i++)
            a[i] = ((xdp_desc*)r->ring)[(*r->consumer + i) & r->mask];
        return a;
    }

    /// <summary>Produces an RX descriptor of any shape into the next Fill frame, without copying anything.</summary>
    public bool DeliverRaw(uint offset, uint length, uint options = 0)
    {
        var fill = _rings.Fill;
        var rx = _rings.Rx;
        if (*fill->producer == *fill->consumer || *rx->producer - *rx->consumer >= rx->size)
            return false;
        ulong addr = ((ulong*)fill->ring)[*fill->consumer & fill->mask];
        Volatile.Write(ref *fill->consumer, *fill->consumer + 1);
        ((xdp_desc*)rx->ring)[*rx->producer & rx->mask] = new xdp_desc { addr = addr + offset, len = length, options = options };
        Volatile.Write(ref *rx->producer, *rx->producer + 1);
        return true;
    }

    public void AssertAllFramesAccountedFor() => Assert.Equal(FrameCount, Queue.CountFrames().Total);

    /// <summary>
    /// Stronger than the count: every UMEM frame is in exactly one place (pool, Fill, RX, TX, Completion), none twice
    /// and none missing. Call only between data-path calls.
    /// </summary>
    public void AssertEveryFrameOnce()
    {
        var seen = new List<ulong>();
        ulong frameMask = ~(ulong)(Umem.FrameSize - 1);
        for (uint i = 1; i <= _pool.Count; i++)
            seen.Add(_pool.Top[-(int)i]);
        var fill = _rings.Fill;
        for (uint i = *fill->consumer; i != *fill->producer; i++)
            seen.Add(((ulong*)fill->ring)[i & fill->mask]);
        var rx = _rings.Rx;
        for (uint i = *rx->consumer; i != *rx->producer; i++)
            seen.Add(((xdp_desc*)rx->ring)[i & rx->mask].addr & frameMask);
        var tx = _rings.Tx;
        for (uint i = *tx->consumer; i != *tx->producer; i++)
            seen.Add(((xdp_desc*)tx->ring)[i & tx->mask].addr & frameMask);
        var comp = _rings.Completion;
        for (uint i = *comp->consumer; i != *comp->producer; i++)
            seen.Add(((ulong*)comp->ring)[i & comp->mask] & frameMask);
        var expected = Enumerable.Range(0, (int)FrameCount).Select(f => (ulong)f * Umem.FrameSize);
        Assert.Equal(expected, seen.Order());
    }

    public void Dispose()
    {
        Queue.Dispose();
        Kernel.Dispose();
    }
}

/// <summary>Test frames: recognisable bytes, and the l2fwd MAC swap as the tests expect it.</summary>
internal static class TestFrames
{
    public static byte[] Make(int n, int length = 60)
    {
        var f = new byte[length];
        for (int i = 0; i < length; i++)
            f[i] = (byte)(n * 31 + i * 7 + 1);
        return f;
    }

    public static byte[] Swapped(byte[] frame)
    {
        var e = (byte[])frame.Clone();
        Array.Copy(frame, 6, e, 0, 6);
        Array.Copy(frame, 0, e, 6, 6);
        return e;
    }
}
