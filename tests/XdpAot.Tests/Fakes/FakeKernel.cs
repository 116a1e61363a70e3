using System.Runtime.InteropServices;
using XdpAot.Interop;
using XdpAot.Rings;

namespace XdpAot.Tests.Fakes;

/// <summary>
/// Plays the kernel's side of the four rings in plain memory: consumes the Fill ring to "receive" frames into
/// the RX ring, and consumes the TX ring into the Completion ring. Lets ring and queue logic run without a socket.
/// </summary>
public sealed unsafe class FakeKernel : IDisposable
{
    // Offsets inside each ring block, as a kernel would report them: indices on their own cache lines.
    private static readonly xdp_ring_offset Offsets = new() { producer = 0, consumer = 64, flags = 128, desc = 192 };
    private readonly List<nint> _blocks = [];
    private readonly byte* _umem;
    private readonly RingSet _rings;

    public FakeKernel(RingSet rings, byte* umem, uint fillSize, uint compSize, uint rxSize, uint txSize)
    {
        _rings = rings;
        _umem = umem;
        RingSetup.InitProducer(rings.Fill, Block(fillSize, sizeof(ulong)), Offsets, fillSize);
        RingSetup.InitConsumer(rings.Completion, Block(compSize, sizeof(ulong)), Offsets, compSize);
        RingSetup.InitConsumer(rings.Rx, Block(rxSize, (uint)sizeof(xdp_desc)), Offsets, rxSize);
        RingSetup.InitProducer(rings.Tx, Block(txSize, (uint)sizeof(xdp_desc)), Offsets, txSize);
    }

    private byte* Block(uint entries, uint entrySize)
    {
        var p = (byte*)NativeMemory.AllocZeroed((nuint)(Offsets.desc + (ulong)entries * entrySize));
        _blocks.Add((nint)p);
        return p;
    }

    /// <summary>Sets or clears XDP_RING_NEED_WAKEUP on the Fill and TX rings.</summary>
    public bool NeedWakeup
    {
        set
        {
            *_rings.Fill->flags = value ? 1u : 0u;
            *_rings.Tx->flags = value ? 1u : 0u;
        }
    }

    /// <summary>Frames waiting in the Fill ring.</summary>
    public uint FillAvailable => Volatile.Read(ref *_rings.Fill->producer) - *_rings.Fill->consumer;

    /// <summary>Takes <paramref name="count"/> Fill entries without delivering anything, as a zero-copy driver stocks its own ring.</summary>
    public void TakeFill(uint count)
    {
        if (count > FillAvailable)
            throw new InvalidOperationException($"the Fill ring holds {FillAvailable} entries, not {count}");
        Volatile.Write(ref *_rings.Fill->consumer, *_rings.Fill->consumer + count);
    }

    /// <summary>"Receives" a frame: takes a Fill address, copies the bytes there, produces an RX descriptor.</summary>
    public bool Deliver(ReadOnlySpan<byte> frame, uint headroom = 0, uint options = 0)
    {
        var fill = _rings.Fill;
        var rx = _rings.Rx;
        if (FillAvailable == 0)
            return false;
        if (*rx->producer - Volatile.Read(ref *rx->consumer) >= rx->size)
            return false;
        uint fc = *fill->consumer;
        ulong addr = ((ulong*)fill->ring)[fc & fill->mask];
        Volatile.Write(ref *fill->consumer, fc + 1);
        frame.CopyTo(new Span<byte>(_umem + addr + headroom, frame.Length));
        uint rp = *rx->producer;
        ((xdp_desc*)rx->ring)[rp & rx->mask] = new xdp_desc { addr = addr + headroom, len = (uint)frame.Length, options = options };
        Volatile.Write(ref *rx->producer, rp + 1);
        return true;
    }

    /// <summary>"Transmits": consumes up to <paramref name="max"/> TX descriptors, hands their bytes to <paramref name="sent"/>, completes them.</summary>
    public int Transmit(int max, List<byte[]>? sent = null)
    {
        var tx = _rings.Tx;
        var comp = _rings.Completion;
        int n = 0;
        while (n < max && Volatile.Read(ref *tx->producer) != *tx->consumer)
        {
            if (*comp->producer - Volatile.Read(ref *comp->consumer) >= comp->size)
                break;
            uint tc = *tx->consumer;
            xdp_desc d = ((xdp_desc*)tx->ring)[tc & tx->mask];
            sent?.Add(new ReadOnlySpan<byte>(_umem + d.addr, (int)d.len).ToArray());
            Volatile.Write(ref *tx->consumer, tc + 1);
            uint cp = *comp->producer;
            ((ulong*)comp->ring)[cp & comp->mask] = d.addr;
            Volatile.Write(ref *comp->producer, cp + 1);
            n++;
        }
        return n;
    }

    public void Dispose()
    {
        foreach (var b in _blocks)
            NativeMemory.Free((void*)b);
        _blocks.Clear();
    }
}
