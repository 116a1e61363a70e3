using BenchmarkDotNet.Attributes;
using XdpAot.Umem;

namespace XdpAot.Benchmarks;

/// <summary>The LIFO free-frame stack: 64 pops then 64 pushes per operation, reported per frame.</summary>
[MemoryDiagnoser]
public class FramePoolBenchmarks
{
    private const int Batch = 64;
    private readonly ulong[] _frames = new ulong[Batch];
    private FramePool _pool = null!;

    [GlobalSetup]
    public void Setup()
    {
        _pool = new FramePool(8192);
        _pool.AddAll(8192, 4096);
    }

    [GlobalCleanup]
    public void Cleanup() => _pool.Dispose();

    [Benchmark(OperationsPerInvoke = Batch)]
    public void PopPush()
    {
        var frames = _frames;
        for (int i = 0; i < frames.Length; i++)
            frames[i] = _pool.Pop();
        for (int i = frames.Length - 1; i >= 0; i--)
            _pool.Push(frames[i]);
    }
}
