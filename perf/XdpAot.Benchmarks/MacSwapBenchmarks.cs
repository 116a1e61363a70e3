using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;
using XdpAot.Frames;

namespace XdpAot.Benchmarks;

/// <summary>
/// MAC swap over 64 frames per operation, reported per frame: the 16-byte shuffle and the scalar 8+4-byte moves.
/// Frames 64 bytes apart stay in L1; frames 4096 bytes apart (UMEM frames) all map to one L1 set, so every first
/// touch misses, and there the scalar path wins (see MacSwap's remarks).
/// </summary>
[MemoryDiagnoser]
public unsafe class MacSwapBenchmarks
{
    private const int Frames = 64;
    private byte* _frames;

    [Params(64, 4096)]
    public int Stride { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _frames = (byte*)NativeMemory.AlignedAlloc((nuint)(Frames * Stride), 4096);
        new Random(1).NextBytes(new Span<byte>(_frames, Frames * Stride));
    }

    [GlobalCleanup]
    public void Cleanup() => NativeMemory.AlignedFree(_frames);

    [Benchmark(Baseline = true, OperationsPerInvoke = Frames)]
    public void Scalar()
    {
        for (int i = 0; i < Frames; i++)
            MacSwap.SwapScalar(_frames + i * Stride);
    }

    [Benchmark(OperationsPerInvoke = Frames)]
    public void Simd()
    {
        for (int i = 0; i < Frames; i++)
            MacSwap.SwapVector(_frames + i * Stride);
    }
}
