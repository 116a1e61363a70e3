using XdpAot.Ports;
using XdpAot.Rings;
using XdpAot.Sockets;
using XdpAot.Umem;

namespace XdpAot.Tests.Fakes;

/// <summary>A <see cref="Queue"/> wired to a <see cref="FakeKernel"/> instead of a socket.</summary>
public sealed unsafe class FakeQueue : IDisposable
{
    private sealed class NoSocket : IQueueSocket
    {
        public int Fd => -1;
        public bool ZeroCopy => false;
        public void Dispose() { }
    }

    public Queue Queue { get; }
    public FakeKernel Kernel { get; }

    public FakeQueue(uint ringSize = 64, uint frameSize = 2048, uint? frameCount = null)
    {
        var umem = UmemArea.Map(frameSize, frameCount ?? ringSize * 4);
        var pool = new FramePool(umem.FrameCount);
        pool.AddAll(umem.FrameCount, umem.FrameSize);
        var rings = new RingSet();
        Kernel = new FakeKernel(rings, umem.Base, ringSize, ringSize, ringSize, ringSize);
        Queue = new Queue("fake0", 0, umem, pool, rings, new NoSocket(), null, busyPoll: false);
    }

    public void Dispose()
    {
        Queue.Dispose();
        Kernel.Dispose();
    }
}
