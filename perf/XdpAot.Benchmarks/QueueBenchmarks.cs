using BenchmarkDotNet.Attributes;
using XdpAot.Frames;
using XdpAot.Ports;
using XdpAot.Tests.Fakes;

namespace XdpAot.Benchmarks;

/// <summary>
/// Frames through <see cref="Queue"/> against the unit tests' fake kernel, 64 per operation, reported per frame. The
/// fake kernel's own work is included (it copies each received frame in, and moves each sent descriptor to the
/// Completion ring); perf/gate counts the queue's part alone, in instructions.
/// </summary>
[MemoryDiagnoser]
public unsafe class QueueBenchmarks
{
    private const int Batch = Queue.MaxBatch;

    [Params(64, 1500)]
    public int FrameLength { get; set; }

    private FakeQueue _fq = null!;
    private byte[] _frame = null!;
    private byte[] _guest = null!;

    [GlobalSetup]
    public void Setup()
    {
        _fq = new FakeQueue(ringSize: 2048, frameSize: 4096, frameCount: 8192);
        _frame = new byte[FrameLength];
        new Random(1).NextBytes(_frame);
        _guest = new byte[4096];
    }

    [GlobalCleanup]
    public void Cleanup() => _fq.Dispose();

    /// <summary>Copy in: <see cref="Queue.Send(ReadOnlySpan{byte})"/> one frame at a time, then a flush.</summary>
    [Benchmark(OperationsPerInvoke = Batch)]
    public int SendCopy()
    {
        var q = _fq.Queue;
        int sent = 0;
        for (int i = 0; i < Batch; i++)
            sent += q.Send(_frame) != 0 ? 1 : 0;
        _fq.Kernel.Transmit(Batch);
        q.Flush();
        return sent;
    }

    /// <summary>Copy in, batched: <see cref="Queue.Send{TSource}"/> with one reserve and one submit, then a flush.</summary>
    [Benchmark(OperationsPerInvoke = Batch)]
    public int SendBatchCopy()
    {
        var q = _fq.Queue;
        fixed (byte* f = _frame)
        {
            var source = new CopySource(f, _frame.Length);
            int sent = q.Send(ref source, Batch);
            _fq.Kernel.Transmit(Batch);
            q.Flush();
            return sent;
        }
    }

    /// <summary>Copy out: <see cref="Queue.Receive{THandler}"/> into a "guest" buffer (the kernel's copy in included).</summary>
    [Benchmark(OperationsPerInvoke = Batch)]
    public int ReceiveCopy()
    {
        for (int i = 0; i < Batch; i++)
            _fq.Kernel.Deliver(_frame);
        var h = new CopyOut(_guest);
        return _fq.Queue.Receive(ref h);
    }

    /// <summary>Zero copy: <see cref="Queue.Reflect{TRewriter}"/> with the MAC swap (the kernel's copy in included).</summary>
    [Benchmark(OperationsPerInvoke = Batch)]
    public int ReflectMacSwap()
    {
        for (int i = 0; i < Batch; i++)
            _fq.Kernel.Deliver(_frame);
        var swap = new SwapMacs();
        int n = _fq.Queue.Reflect(ref swap);
        _fq.Kernel.Transmit(Batch);
        _fq.Queue.Flush();
        return n;
    }

    /// <summary>The same with the 16-byte shuffle (<see cref="MacSwap.SwapVector(ref byte)"/>) instead of MacSwap.Swap's scalar path.</summary>
    [Benchmark(OperationsPerInvoke = Batch)]
    public int ReflectMacSwapSimd()
    {
        for (int i = 0; i < Batch; i++)
            _fq.Kernel.Deliver(_frame);
        var swap = new SwapMacsSimd();
        int n = _fq.Queue.Reflect(ref swap);
        _fq.Kernel.Transmit(Batch);
        _fq.Queue.Flush();
        return n;
    }

    private struct SwapMacsSimd : IFrameRewriter
    {
        public bool Rewrite(Span<byte> frame)
        {
            MacSwap.SwapVector(ref System.Runtime.InteropServices.MemoryMarshal.GetReference(frame));
            return true;
        }
    }

    private readonly struct CopySource(byte* frame, int length) : IFrameSource
    {
        public int Next(Span<byte> umemFrame) => FrameCopy.Copy(new ReadOnlySpan<byte>(frame, length), umemFrame);
    }

    private readonly struct CopyOut(byte[] guest) : IFrameHandler
    {
        public bool OnFrame(ReadOnlySpan<byte> frame)
        {
            FrameCopy.Copy(frame, guest);
            return true;
        }
    }

    private struct SwapMacs : IFrameRewriter
    {
        public bool Rewrite(Span<byte> frame)
        {
            MacSwap.Swap(frame);
            return true;
        }
    }
}
