using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;
using XdpAot.Interop;
using XdpAot.Rings;

namespace XdpAot.Benchmarks;

/// <summary>
/// The ring primitives, one batch of 64 per operation, the other side played by plain index stores. Reported per
/// entry (OperationsPerInvoke).
/// </summary>
[MemoryDiagnoser]
public unsafe class RingBenchmarks
{
    private const int Batch = 64;
    private const uint Size = 2048;
    private static readonly xdp_ring_offset Offsets = new() { producer = 0, consumer = 64, flags = 128, desc = 192 };
    private RingSet _set = null!;
    private byte* _prodMap;
    private byte* _consMap;
    private ProducerRing _fill;
    private ConsumerRing _rx;

    [GlobalSetup]
    public void Setup()
    {
        _set = new RingSet();
        _prodMap = (byte*)NativeMemory.AllocZeroed(192 + Size * 16);
        _consMap = (byte*)NativeMemory.AllocZeroed(192 + Size * 16);
        RingSetup.InitProducer(_set.Fill, _prodMap, Offsets, Size);
        RingSetup.InitConsumer(_set.Rx, _consMap, Offsets, Size);
        _fill = new ProducerRing(_set.Fill);
        _rx = new ConsumerRing(_set.Rx);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _set.Dispose();
        NativeMemory.Free(_prodMap);
        NativeMemory.Free(_consMap);
    }

    /// <summary>Reserve 64 Fill slots, write an address in each, submit; the "kernel" then consumes them.</summary>
    [Benchmark(OperationsPerInvoke = Batch)]
    public uint ReserveSubmit()
    {
        uint n = _fill.Reserve(Batch, out uint index);
        for (uint i = 0; i < n; i++)
            _fill.Address(index + i) = (ulong)i << 12;
        _fill.Submit(n);
        *(uint*)(_prodMap + 64) += n; // the kernel's consumer index
        return n;
    }

    /// <summary>The "kernel" produces 64 RX descriptors; peek them, read each, release.</summary>
    [Benchmark(OperationsPerInvoke = Batch)]
    public ulong PeekRelease()
    {
        *(uint*)_consMap += Batch; // the kernel's producer index
        uint n = _rx.Peek(Batch, out uint index);
        ulong sum = 0;
        for (uint i = 0; i < n; i++)
            sum += _rx.Descriptor(index + i).addr;
        _rx.Release(n);
        return sum;
    }
}
