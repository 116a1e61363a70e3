using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using XdpAot.Frames;
using XdpAot.Ports;
using XdpAot.Tests.Fakes;

namespace XdpAot.Gate;

/// <summary>
/// The hot loops the gate counts, each split into a driver (the fake kernel's part: deliver or complete frames,
/// not counted) and a <c>…Step</c> method (our part: what a VMM's I/O thread runs per batch, counted by callgrind's
/// <c>--toggle-collect</c>). perf/gate/c/gate.c has the same loops in C with the same parameters: rings of 2048,
/// frames of 4096 bytes, 4 × 2048 UMEM frames, batches of 64, 64-byte frames, no wake-ups asked for.
/// </summary>
internal sealed unsafe class Loops : IDisposable
{
    private const int Batch = Queue.MaxBatch;
    private const uint RingSize = 2048;
    private const uint FrameSize = 4096;
    private const uint FrameCount = 4 * RingSize;
    private const int FrameLength = 64;

    private readonly FakeQueue _fq = new(RingSize, FrameSize, FrameCount);
    private readonly byte* _frame = (byte*)NativeMemory.Alloc(FrameLength);
    private RxHandler _handler;

    public Loops()
    {
        for (int i = 0; i < FrameLength; i++)
            _frame[i] = (byte)(i * 7 + 1);
        _frame[12] = 0x08; // IPv4
        _frame[13] = 0x00;
    }

    /// <summary>What the loops did, folded like the C reference's check value.</summary>
    public ulong Check
    {
        get
        {
            ref readonly var s = ref _fq.Queue.Counters;
            return _handler.Check + s.RxPackets + s.TxPackets + s.RxBytes + s.TxBytes;
        }
    }

    private ReadOnlySpan<byte> Frame => new(_frame, FrameLength);

    public ulong Rx(ulong frames)
    {
        ulong done = 0;
        while (done < frames)
        {
            DeliverBatch();
            done += (ulong)RxStep(_fq.Queue, ref _handler);
        }
        return done;
    }

    public ulong Tx(ulong frames)
    {
        ulong done = 0;
        while (done < frames)
        {
            int want = frames - done < Batch ? (int)(frames - done) : Batch;
            done += (ulong)TxStep(_fq.Queue, _frame, FrameLength, want);
            _fq.Kernel.Transmit(int.MaxValue);
        }
        return done;
    }

    public ulong TxBatch(ulong frames)
    {
        ulong done = 0;
        while (done < frames)
        {
            int want = frames - done < Batch ? (int)(frames - done) : Batch;
            done += (ulong)TxBatchStep(_fq.Queue, _frame, FrameLength, want);
            _fq.Kernel.Transmit(int.MaxValue);
        }
        return done;
    }

    public ulong Reflect(ulong frames)
    {
        ulong done = 0;
        while (done < frames)
        {
            DeliverBatch();
            done += (ulong)ReflectStep(_fq.Queue);
            _fq.Kernel.Transmit(int.MaxValue);
        }
        return done;
    }

    private void DeliverBatch()
    {
        for (int i = 0; i < Batch; i++)
        {
            if (!_fq.Kernel.Deliver(Frame))
                break;
        }
    }

    // ---- the counted steps ----------------------------------------------------------------------------------

    /// <summary>rx: one receive batch; the handler reads the EtherType's first byte of each frame.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static int RxStep(Queue q, ref RxHandler handler) => q.Receive(ref handler);

    /// <summary>tx: <paramref name="count"/> frames sent one at a time (copied into the UMEM), then a flush.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static int TxStep(Queue q, byte* frame, int length, int count)
    {
        int sent = 0;
        while (sent < count && q.Send(new ReadOnlySpan<byte>(frame, length)) != 0)
            sent++;
        q.Flush();
        return sent;
    }

    /// <summary>tx-batch: up to <paramref name="count"/> frames in one batched send, then a flush.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static int TxBatchStep(Queue q, byte* frame, int length, int count)
    {
        var source = new CopySource(frame, length);
        int sent = q.Send(ref source, count);
        q.Flush();
        return sent;
    }

    /// <summary>reflect (l2fwd): receive, swap the MACs in place, send the same UMEM frames back, flush.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static int ReflectStep(Queue q)
    {
        var swap = new MacSwapper();
        int sent = q.Reflect(ref swap);
        q.Flush();
        return sent;
    }

    public void Dispose()
    {
        _fq.Dispose();
        NativeMemory.Free(_frame);
    }

    /// <summary>The batched send's source: the same frame each time (Send's max says how many).</summary>
    private readonly struct CopySource(byte* frame, int length) : IFrameSource
    {
        // As the C side's memcpy(dst, frame, len): the length is known good, so the span is made without a check.
        public int Next(Span<byte> umemFrame) => FrameCopy.Copy(MemoryMarshal.CreateReadOnlySpan(ref *frame, length), umemFrame);
    }

    /// <summary>The reflect rewriter: l2fwd's MAC swap.</summary>
    private struct MacSwapper : IFrameRewriter
    {
        public bool Rewrite(Span<byte> frame)
        {
            MacSwap.Swap(frame);
            return true;
        }
    }

    /// <summary>The receive handler: touches each frame as a VMM's copy to a guest would start to.</summary>
    private struct RxHandler : IFrameHandler
    {
        public ulong Check;

        public bool OnFrame(ReadOnlySpan<byte> frame)
        {
            if (frame.Length >= 14)
                Check += frame[12];
            return true;
        }
    }
}
