using XdpAot.Frames;
using XdpAot.Ports;

namespace XdpAot.Tests.Core;

/// <summary>The zero-copy reflect and the batched send allocate nothing per frame (as ZeroAllocationTests for receive and send).</summary>
public unsafe class ZeroAllocationBatchTests
{
    private struct SwapMacs : IFrameRewriter
    {
        public bool Rewrite(Span<byte> frame)
        {
            MacSwap.Swap(frame);
            return true;
        }
    }

    private readonly struct Copy(byte* frame, int length) : IFrameSource
    {
        public int Next(Span<byte> umemFrame) => FrameCopy.Copy(new ReadOnlySpan<byte>(frame, length), umemFrame);
    }

    [Fact]
    public void Reflect_allocates_nothing_over_a_million_frames()
    {
        using var h = new DataPathHarness(ringSize: 256);
        byte[] frame = TestFrames.Make(1, 64);
        ReflectLoop(h, frame, 10_000);
        long before = GC.GetAllocatedBytesForCurrentThread();
        long reflected = ReflectLoop(h, frame, 1_000_000);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(reflected >= 1_000_000);
        Assert.Equal(0, allocated);
        h.AssertAllFramesAccountedFor();
    }

    private static long ReflectLoop(DataPathHarness h, byte[] frame, int frames)
    {
        long done = 0;
        var swap = new SwapMacs();
        while (done < frames)
        {
            for (int i = 0; i < 64 && h.Kernel.Deliver(frame); i++) { }
            done += h.Queue.Reflect(ref swap);
            h.Kernel.Transmit(64);
            h.Queue.Flush();
        }
        return done;
    }

    [Fact]
    public void Batched_send_allocates_nothing_over_a_million_frames()
    {
        using var h = new DataPathHarness(ringSize: 256);
        byte[] frame = TestFrames.Make(2, 64);
        fixed (byte* f = frame)
        {
            var source = new Copy(f, frame.Length);
            SendLoop(h, ref source, 10_000);
            long before = GC.GetAllocatedBytesForCurrentThread();
            long sent = SendLoop(h, ref source, 1_000_000);
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.True(sent >= 1_000_000);
            Assert.Equal(0, allocated);
        }
        h.AssertAllFramesAccountedFor();
    }

    private static long SendLoop(DataPathHarness h, ref Copy source, int frames)
    {
        long done = 0;
        while (done < frames)
        {
            done += h.Queue.Send(ref source);
            h.Kernel.Transmit(64);
            h.Queue.Flush();
        }
        return done;
    }
}
