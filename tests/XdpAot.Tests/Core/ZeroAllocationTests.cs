using XdpAot.Ports;
using XdpAot.Tests.Fakes;

namespace XdpAot.Tests.Core;

public class ZeroAllocationTests
{
    private struct Count : IFrameHandler
    {
        public long Frames;

        public bool OnFrame(ReadOnlySpan<byte> frame)
        {
            Frames += frame[0] >= 0 ? 1 : 0;
            return true;
        }
    }

    [Fact]
    public void Steady_state_data_path_allocates_nothing_over_a_million_frames()
    {
        using var fq = new FakeQueue(ringSize: 256);
        var q = fq.Queue;
        var k = fq.Kernel;
        var h = new Count();
        byte[] frame = new byte[64];
        Loop(q, k, ref h, frame, 10_000); // warm up: JIT, tiering
        h.Frames = 0;
        long before = GC.GetAllocatedBytesForCurrentThread();
        Loop(q, k, ref h, frame, 1_000_000);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(1_000_000, h.Frames);
        Assert.Equal(0, allocated);
    }

    private static void Loop(Queue q, FakeKernel k, ref Count h, byte[] frame, int frames)
    {
        int received = 0;
        while (received < frames)
        {
            for (int i = 0; i < 64; i++)
            {
                if (!k.Deliver(frame))
                    break;
            }
            int n = q.Receive(ref h);
            received += n;
            for (int i = 0; i < n; i++)
                q.Send(frame);
            k.Transmit(64);
            q.Flush();
        }
    }
}
