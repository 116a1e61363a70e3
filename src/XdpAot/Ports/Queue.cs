using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using XdpAot.Interop;
using XdpAot.Frames;
using XdpAot.Options;
using XdpAot.Rings;
using XdpAot.Sockets;
using XdpAot.Umem;

namespace XdpAot.Ports;

/// <summary>
/// One AF_XDP queue of a <see cref="Port"/>: its UMEM, frame pool, the four rings and the socket. The data path
/// lives here. A queue belongs to one thread at a time; different queues may run on different threads.
/// </summary>
/// <remarks>
/// Every UMEM frame is always in exactly one place: the free pool, the Fill ring, the RX ring, the TX ring or
/// the Completion ring (<see cref="CountFrames"/>). Received frames go back to the pool when taken and the Fill
/// ring is topped up from the pool; sent frames come from the pool and return to it through the Completion ring.
/// </remarks>
public sealed unsafe partial class Queue : IDisposable
{
    /// <summary>Largest batch one receive or reap call handles, as in QEMU and DPDK.</summary>
    public const int MaxBatch = 64;

    private readonly UmemArea _umem;
    private readonly FramePool _pool;
    private readonly RingSet _ringSet;
    private readonly IQueueSocket _socket;
    private readonly ProducerRing _fill;
    private readonly ProducerRing _tx;
    private readonly ConsumerRing _rx;
    private readonly ConsumerRing _comp;
    private readonly byte* _area;
    private readonly ulong _frameMask;
    private readonly uint _frameSize;
    private readonly bool _busyPoll;
    private QueueStatistics _stats;
    private ulong _txCompleted;
    private uint _peeked;
    // Frames the Fill ring may never take from the pool, so that a UMEM smaller than the four rings (frame-count=)
    // still leaves frames to transmit with: QEMU likewise keeps some back for TX.
    private readonly uint _txReserve;
    private bool _disposed;

    internal Queue(string ifName, int queueId, UmemArea umem, FramePool pool, RingSet rings, IQueueSocket socket,
        XdpMode? attachMode, bool busyPoll)
    {
        IfName = ifName;
        QueueId = queueId;
        _umem = umem;
        _pool = pool;
        _ringSet = rings;
        _socket = socket;
        _fill = new ProducerRing(rings.Fill);
        _tx = new ProducerRing(rings.Tx);
        _rx = new ConsumerRing(rings.Rx);
        _comp = new ConsumerRing(rings.Completion);
        _area = umem.Base;
        _frameSize = umem.FrameSize;
        _frameMask = ~(ulong)(umem.FrameSize - 1);
        AttachMode = attachMode;
        _busyPoll = busyPoll;
        _txReserve = Math.Min(rings.Tx->size, umem.FrameCount / 2);
        TopUpFill(look: true);
    }

    /// <summary>Interface name.</summary>
    public string IfName { get; }

    /// <summary>The interface queue id this socket is bound to.</summary>
    public int QueueId { get; }

    /// <summary>The AF_XDP socket: poll it for POLLIN/POLLOUT (see <see cref="Wants"/>).</summary>
    public int Fd => _socket.Fd;

    /// <summary>The XDP attach mode in use, or null when the program is not ours (inhibit=on).</summary>
    public XdpMode? AttachMode { get; internal set; }

    /// <summary>True when the socket is bound in zero-copy mode (XDP_OPTIONS_ZEROCOPY).</summary>
    public bool ZeroCopy => _socket.ZeroCopy;

    /// <summary>True when busy polling was enabled on the socket.</summary>
    public bool BusyPoll => _busyPoll;

    /// <summary>Size of one UMEM frame: the largest frame <see cref="Send(ReadOnlySpan{byte})"/> accepts.</summary>
    public uint FrameSize => _frameSize;

    /// <summary>Frames in this queue's UMEM.</summary>
    public uint FrameCount => _umem.FrameCount;

    /// <summary>Frames submitted for transmission and not yet reaped from the Completion ring.</summary>
    public uint TxOutstanding => (uint)(_stats.TxPackets - _txCompleted);

    /// <summary>Our counters (the XDP_STATISTICS part is read by <see cref="GetStatistics"/>).</summary>
    public ref readonly QueueStatistics Counters => ref _stats;

    // ---- receive -------------------------------------------------------------------------------------------
    //
    // The per-frame loops below keep ring bases, masks, the UMEM base and the free-stack pointer in locals and
    // update counters once per batch: every store through a pointer (a ring slot, the free stack) would otherwise
    // make the JIT reload each of them from the heap, since it cannot prove the store did not change them.

    /// <summary>
    /// Hands up to <paramref name="max"/> received frames to <paramref name="handler"/>, stopping at the first it
    /// refuses (that frame stays queued). Returns the number of frames taken. The handler must not throw; it may
    /// send on this queue (and flush it), but not receive from it.
    /// </summary>
    [SkipLocalsInit]
    public int Receive<THandler>(ref THandler handler, int max = MaxBatch) where THandler : struct, IFrameHandler, allows ref struct
    {
        CancelPeek();
        // Available now, taken after the loop: the batch size and first index need no register during the loop.
        uint n = _rx.Available(ClampBatch(max));
        if (n == 0)
        {
            WakeRxIfNeeded();
            return 0;
        }
        uint index = _rx.NextIndex;
        // The frames taken are collected here, not pushed to the pool in the loop: the handler may send on this
        // queue, which pops (and reaps, which pushes).
        ulong* taken = stackalloc ulong[MaxBatch];
        ulong* free = taken;
        byte* area = _area;
        ulong offsetMask = _frameSize - 1;
        ulong limit = FastPathLimit;
        ulong bytes = 0;
        uint first = FirstRun(index, _rx.Mask, n);
        uint second = n - first;
        xdp_desc* d = _rx.Descriptors + (index & _rx.Mask);
        xdp_desc* end = d + first;
        while (true)
        {
            do
            {
                ulong addr = d->addr;
                ulong offset = addr & offsetMask;
                ulong lengthAndOptions = LengthAndOptions(d);
                if (offset + lengthAndOptions >= limit)
                {
                    if (!IsWholeFrame(d, offset, limit))
                    {
                        limit = DropFrame(d, limit);
                        goto Free;
                    }
                    lengthAndOptions = d->len; // a whole frame with an option bit we do not care about
                }
                // Past the test, lengthAndOptions is the length.
                if (!handler.OnFrame(MemoryMarshal.CreateReadOnlySpan(ref area[addr], (int)lengthAndOptions)))
                    goto Stop;
                bytes += lengthAndOptions;
            Free:
                *free = addr - offset;
                free++;
            }
            while (++d != end);
            if (second == 0)
                break;
            d = _rx.Descriptors;
            end = d + second;
            second = 0;
        }
    Stop:
        uint consumed = (uint)(free - taken);
        uint delivered = consumed - TakeDrops();
        _inDroppedPacket = limit == 0;
        _stats.RxPackets += delivered;
        _stats.RxBytes += bytes;
        // A refused frame and those after it stay in the ring, to be delivered first next time.
        _rx.Take(consumed);
        _rx.Release(consumed);
        RefillFill(taken, consumed);
        return (int)delivered;
    }

    // The receive loops test each descriptor with one compare: offset-in-frame + (length | options << 32) < limit,
    // with limit = frame size + 1. A whole frame without options passes. The rest take the slow branch: an option
    // bit we do not care about (delivered after all), a bad length, or any fragment of a multi-buffer packet (the
    // kernel sends those only to sockets bound with XDP_USE_SG): dropped, and the packet counted once. While the
    // fragments of a dropped packet are still coming, limit is 0 and nothing passes.

    /// <summary>
    /// The loops over a batch of ring entries go in at most two runs of adjacent entries: up to the end of the ring,
    /// then from its start. A loop over a run walks one pointer, with no index to mask and no ring base to keep in
    /// a register. Returns the length of the first run.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint FirstRun(uint index, uint mask, uint count)
    {
        uint toEnd = mask + 1 - (index & mask);
        return count < toEnd ? count : toEnd;
    }

    /// <summary>The descriptor's length (low 32 bits) and options (high 32 bits), in one load where that is possible.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong LengthAndOptions(xdp_desc* d) =>
        BitConverter.IsLittleEndian ? Unsafe.ReadUnaligned<ulong>(&d->len) : d->len | (ulong)d->options << 32;

    /// <summary>The one-compare test's limit at the start of a batch.</summary>
    private ulong FastPathLimit
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => _inDroppedPacket ? 0 : _frameSize + 1ul;
    }

    /// <summary>The slow branch's verdict: a whole frame, not part of a packet being dropped.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool IsWholeFrame(xdp_desc* d, ulong offset, ulong limit) =>
        limit != 0 && (d->options & IfXdp.XDP_PKT_CONTD) == 0 && offset + d->len <= _frameSize;

    /// <summary>Drops a descriptor, counting its packet once; returns the limit for the next descriptor.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ulong DropFrame(xdp_desc* d, ulong limit)
    {
        _drops++;
        if (limit != 0)
            _stats.RxOversize++;
        return (d->options & IfXdp.XDP_PKT_CONTD) != 0 ? 0 : _frameSize + 1ul;
    }

    /// <summary>Descriptors dropped by the current batch's loop: a field, not a local, so it takes no register there.</summary>
    private uint _drops;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private uint TakeDrops()
    {
        uint drops = _drops;
        _drops = 0;
        return drops;
    }

    private bool _inDroppedPacket;

    /// <summary>
    /// Zero-copy receive: fills <paramref name="frames"/> with pointers into the UMEM, valid until
    /// <see cref="ReleasePeeked"/>. Peeking again before a release returns the same frames first.
    /// </summary>
    public int Peek(Span<FrameRef> frames)
    {
        CancelPeek();
        uint n = _rx.Peek((uint)frames.Length, out uint index);
        if (n == 0)
        {
            WakeRxIfNeeded();
            return 0;
        }
        xdp_desc* ring = _rx.Descriptors;
        uint mask = _rx.Mask;
        byte* area = _area;
        ulong offsetMask = _frameSize - 1;
        ulong limit = _frameSize + 1ul;
        ref FrameRef f = ref MemoryMarshal.GetReference(frames);
        for (uint i = 0; i < n; i++)
        {
            xdp_desc* d = ring + ((index + i) & mask);
            ulong addr = d->addr;
            ulong lengthAndOptions = LengthAndOptions(d);
            // A descriptor that is not a whole frame is shown with length 0, and dropped and counted when released.
            uint length = (addr & offsetMask) + lengthAndOptions < limit || IsWholeFrame(d, addr & offsetMask, limit)
                ? (uint)lengthAndOptions
                : 0;
            Unsafe.Add(ref f, i) = new FrameRef(area + addr, length);
        }
        _peeked = n;
        _peekIndex = index;
        return (int)n;
    }

    private uint _peekIndex;

    /// <summary>Consumes the first <paramref name="count"/> peeked frames; the rest stay queued. False if more than were peeked.</summary>
    public bool ReleasePeeked(int count)
    {
        if (count < 0 || (uint)count > _peeked)
            return false;
        uint n = (uint)count;
        ulong* free = _pool.PushSlots(n);
        uint index = _peekIndex;
        xdp_desc* ring = _rx.Descriptors;
        uint mask = _rx.Mask;
        ulong offsetMask = _frameSize - 1;
        ulong limit = FastPathLimit;
        ulong bytes = 0;
        for (uint i = 0; i < n; i++)
        {
            xdp_desc* d = ring + ((index + i) & mask);
            ulong addr = d->addr;
            ulong offset = addr & offsetMask;
            ulong lengthAndOptions = LengthAndOptions(d);
            if (offset + lengthAndOptions >= limit && !IsWholeFrame(d, offset, limit))
                limit = DropFrame(d, limit);
            else
                bytes += (uint)lengthAndOptions;
            free[i] = addr - offset;
        }
        _inDroppedPacket = limit == 0;
        _pool.Pushed(n);
        _stats.RxPackets += n - TakeDrops();
        _stats.RxBytes += bytes;
        _rx.Cancel(_peeked - n);
        _rx.Release(n);
        _peeked = 0;
        TopUpFill(look: true);
        return true;
    }

    /// <summary>Frames peeked and not yet released.</summary>
    public int Peeked => (int)_peeked;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void CancelPeek()
    {
        if (_peeked != 0)
        {
            _rx.Cancel(_peeked);
            _peeked = 0;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint ClampBatch(int max) => max <= 0 ? 0 : max > MaxBatch ? MaxBatch : (uint)max;

    /// <summary>
    /// With nothing to receive: tops the Fill ring up if the pool held it back last time; in busy-poll mode drives
    /// the queue from here; otherwise wakes the kernel only if it asked to be woken because the Fill ring ran dry.
    /// </summary>
    private void WakeRxIfNeeded()
    {
        // An empty RX ring is polled in a tight loop. Looking at the Fill ring's consumer index on every pass pulls a
        // line that the kernel writes on its receive path over to this core each time (rx-only on veth lost ~5% of its
        // rate to it), so look only when the pool was what stopped the last top-up and has grown since (frames sent
        // and completed, e.g. in reflect). Room the kernel made by taking frames shows up as frames in RX, and
        // taking those looks again.
        if (_fillShort && _pool.Count > _txReserve)
            TopUpFill(look: true);
        if (_busyPoll || _fill.NeedsWakeup)
            Libc.RecvFrom(_socket.Fd, null, 0, Libc.MSG_DONTWAIT, null, null);
    }

    /// <summary>
    /// Puts frames just taken from the RX ring back on the Fill ring, the last one first, as pushing them to the pool
    /// and refilling from it would (the most recently used frame is the warmest), but with one copy instead of two;
    /// those the Fill ring has no room for go to the pool. Then tops the Fill ring up from the pool.
    /// </summary>
    private void RefillFill(ulong* taken, uint count)
    {
        uint n = _fill.ReserveUpTo(count, out uint index);
        if (n != 0)
        {
            CopyReversed(taken + count, _fill.Addresses, index & _fill.Mask, _fill.Mask, n);
            _fill.Submit(n);
        }
        if (n < count)
            _pool.PushRange(taken, count - n);
        // The reserve above has just looked at the kernel's index if it had to: one look per batch, as libxdp.
        TopUpFill(look: false);
    }

    /// <summary>
    /// Tops the Fill ring up from the pool (all but the TX reserve), most recently freed (cache-warm) frame first: the
    /// order of repeated <see cref="FramePool.Pop"/>s. With <paramref name="look"/>, reads the kernel's consumer
    /// index when the room last seen is not enough; otherwise uses only the room last seen.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void TopUpFill(bool look)
    {
        uint spare = _pool.Count > _txReserve ? _pool.Count - _txReserve : 0;
        uint n = look ? _fill.ReserveUpTo(spare, out uint index) : _fill.ReserveUpToCached(spare, out index);
        // The pool, not the ring, set the limit: the ring may still have room when the pool grows.
        _fillShort = n == spare;
        if (n == 0)
            return;
        CopyReversed(_pool.Top, _fill.Addresses, index & _fill.Mask, _fill.Mask, n);
        _pool.Popped(n);
        _fill.Submit(n);
    }

    /// <summary>The last top-up of the Fill ring gave all the pool could spare (see <see cref="TopUpFill"/>).</summary>
    private bool _fillShort;

    /// <summary>
    /// Writes <paramref name="top"/>[-1], [-2], … [-n] into ring slots <paramref name="slot"/>, slot + 1, … (wrapping):
    /// in two runs, one up to the end of the ring and one from its start.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void CopyReversed(ulong* top, ulong* ring, uint slot, uint mask, uint n)
    {
        uint run = FirstRun(slot, mask, n);
        CopyReversedRun(top, ring + slot, run);
        CopyReversedRun(top - run, ring, n - run);
    }

    /// <summary>Writes <paramref name="top"/>[-1], [-2], … [-n] to <paramref name="dst"/>[0], [1], … [n-1].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CopyReversedRun(ulong* top, ulong* dst, uint n)
    {
        if (Sse2.IsSupported)
        {
            // Two frames per step: load [-2], [-1], swap the halves (pshufd), store to [0], [1].
            for (uint pairs = n / 2; pairs != 0; pairs--, dst += 2, top -= 2)
                Sse2.Store((uint*)dst, Sse2.Shuffle(Sse2.LoadVector128((uint*)(top - 2)), 0b01_00_11_10));
            n &= 1;
        }
        for (; n != 0; n--)
            *dst++ = *--top;
    }

    // ---- transmit ------------------------------------------------------------------------------------------

    /// <summary>
    /// Copies a frame into a UMEM frame and puts it on the TX ring. Returns its length; 0 when the TX ring or the
    /// pool is full (wait for POLLOUT, then call again); a frame larger than a UMEM frame is dropped, counted in
    /// TxOversize and reported as sent (QEMU's behaviour). The kernel is not kicked here: see <see cref="Flush"/>.
    /// </summary>
    public int Send(ReadOnlySpan<byte> frame)
    {
        // The common case inline and without a call, so it needs no saved registers: a small frame (16..64 bytes),
        // a frame in the pool and a TX slot free as last seen. Everything else takes SendAny.
        uint length = (uint)frame.Length;
        if (FrameCopy.IsSmall(length) && _pool.Count != 0 && _tx.HasRoom)
        {
            uint index = _tx.ReserveOne();
            ulong addr = _pool.Pop();
            FrameCopy.CopySmall(ref _area[addr], ref MemoryMarshal.GetReference(frame), length);
            CommitTx(index, addr, length);
            return frame.Length;
        }
        return SendAny(frame);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private int SendAny(ReadOnlySpan<byte> frame)
    {
        uint length = (uint)frame.Length;
        if (length > _frameSize)
        {
            _stats.TxOversize++;
            return frame.Length;
        }
        if (_pool.Count == 0 || _tx.Free(1) == 0)
        {
            if (!MakeTxRoom())
                return 0;
        }
        uint index = _tx.ReserveOne();
        ulong addr = _pool.Pop();
        FrameCopy.Copy(ref _area[addr], ref MemoryMarshal.GetReference(frame), length);
        CommitTx(index, addr, length);
        return frame.Length;
    }

    /// <summary>Gathers a frame from several segments (an iovec) into one UMEM frame; same results as <see cref="Send(ReadOnlySpan{byte})"/>.</summary>
    public int Send(ReadOnlySpan<Segment> segments)
    {
        ulong total = 0;
        for (int i = 0; i < segments.Length; i++)
            total += segments[i].Length;
        if (total > _frameSize)
        {
            _stats.TxOversize++;
            return total > int.MaxValue ? int.MaxValue : (int)total;
        }
        if (_pool.Count == 0 || _tx.Free(1) == 0)
        {
            if (!MakeTxRoom())
                return 0;
        }
        uint index = _tx.ReserveOne();
        ulong addr = _pool.Pop();
        byte* dst = _area + addr;
        for (int i = 0; i < segments.Length; i++)
        {
            Unsafe.CopyBlockUnaligned(dst, segments[i].Data, (uint)segments[i].Length);
            dst += segments[i].Length;
        }
        CommitTx(index, addr, (uint)total);
        return (int)total;
    }

    /// <summary>
    /// Batched send: reserves up to <paramref name="max"/> TX slots (at most <see cref="MaxBatch"/>) at once and
    /// lets <paramref name="source"/> write one frame straight into each UMEM frame (no staging copy), then
    /// publishes them all with one ring update. Stops early when the source has no more. Returns the number of
    /// frames queued; 0 with nothing queued when the TX ring or the pool is full (counted in TxFull). The kernel is
    /// not kicked here: see <see cref="Flush"/>. The source must not throw, and must not use this queue (its TX
    /// slots and pool are held by the call).
    /// </summary>
    public int Send<TSource>(ref TSource source, int max = MaxBatch) where TSource : struct, IFrameSource, allows ref struct
    {
        uint want = ClampBatch(max);
        if (want == 0)
            return 0;
        if (_pool.Count < want || _tx.Free(want) < want)
            ReapCompletions();
        if (want > _pool.Count)
            want = _pool.Count;
        // Counted now, reserved after the loop for what was written: the count needs no register in the loop.
        uint n = _tx.Free(want);
        if (n > want)
            n = want;
        if (n == 0)
        {
            _stats.TxFull++;
            return 0;
        }
        uint index = _tx.NextIndex;
        uint first = FirstRun(index, _tx.Mask, n);
        ulong* top = _pool.Top;
        var run = WriteFrames(ref source, _tx.Descriptors + (index & _tx.Mask), first, top, _area, _frameSize);
        uint unwritten = run.Unwritten;
        ulong bytes = run.Bytes;
        if (unwritten == 0 && first != n)
        {
            run = WriteFrames(ref source, _tx.Descriptors, n - first, top - first, _area, _frameSize);
            unwritten = run.Unwritten;
            bytes += run.Bytes;
        }
        else
        {
            unwritten += n - first;
        }
        uint sent = n - unwritten;
        if (sent == 0)
            return 0;
        _pool.Popped(sent);
        _tx.Take(sent);
        _tx.Submit(sent);
        _stats.TxPackets += sent;
        _stats.TxBytes += bytes;
        return (int)sent;
    }

    /// <summary>
    /// Zero-copy reflect (l2fwd): takes up to <paramref name="max"/> received frames (at most
    /// <see cref="MaxBatch"/>, and no more than the TX ring can take now: the rest wait in RX), lets
    /// <paramref name="rewriter"/> change each in place, and puts the same UMEM frame on this queue's TX ring
    /// (it returns to the pool through the Completion ring). A frame the rewriter declines goes back to the pool.
    /// Returns the number of frames queued for sending. The kernel is not kicked here: see <see cref="Flush"/>.
    /// The rewriter must not throw, and must not use this queue (its TX slots and pool are held by the call).
    /// </summary>
    public int Reflect<TRewriter>(ref TRewriter rewriter, int max = MaxBatch) where TRewriter : struct, IFrameRewriter, allows ref struct
    {
        CancelPeek();
        uint want = ClampBatch(max);
        uint room = _tx.Free(want);
        uint n = _rx.Peek(room < want ? room : want, out uint rxIndex);
        if (n == 0)
        {
            WakeRxIfNeeded();
            return 0;
        }
        ulong* free = _pool.PushSlots(n); // frames dropped or declined; first, so no call precedes the loop
        _tx.Reserve(n, out uint txIndex); // cannot fail: room >= n
        byte* area = _area;
        ulong limit = FastPathLimit; // also gives the offset mask, limit - 2, while it is not 0: one register less
        ulong bytes = 0, declinedBytes = 0;
        uint freed = 0;
        // RX in at most two runs (see FirstRun); TX by one pointer that wraps at the end of its ring.
        uint first = FirstRun(rxIndex, _rx.Mask, n);
        uint second = n - first;
        xdp_desc* d = _rx.Descriptors + (rxIndex & _rx.Mask);
        xdp_desc* end = d + first;
        xdp_desc* t = _tx.Descriptors + (txIndex & _tx.Mask);
        xdp_desc* txEnd = _tx.Descriptors + _tx.Size;
        while (true)
        {
            do
            {
                ulong addr = d->addr;
                ulong lengthAndOptions = LengthAndOptions(d);
                if ((addr & (limit - 2)) + lengthAndOptions >= limit)
                {
                    if (!IsWholeFrame(d, addr & (_frameSize - 1), limit))
                    {
                        limit = DropFrame(d, limit);
                        free[freed++] = addr & _frameMask;
                        continue;
                    }
                    lengthAndOptions = d->len; // a whole frame with an option bit we do not care about
                }
                // Past the test, lengthAndOptions is the length.
                bytes += lengthAndOptions;
                if (!rewriter.Rewrite(MemoryMarshal.CreateSpan(ref area[addr], (int)lengthAndOptions)))
                {
                    declinedBytes += lengthAndOptions;
                    free[freed++] = addr & _frameMask;
                    continue;
                }
                t->addr = addr; // the same UMEM frame, offset included: no copy
                SetLengthAndOptions(t, (uint)lengthAndOptions);
                if (++t == txEnd)
                    t = _tx.Descriptors;
            }
            while (++d != end);
            if (second == 0)
                break;
            d = _rx.Descriptors;
            end = d + second;
            second = 0;
        }
        n = _rx.Held; // re-read rather than kept in a register through the loop
        uint sent = n - freed;
        _inDroppedPacket = limit == 0;
        _pool.Pushed(freed);
        _rx.Release(n);
        _tx.Cancel(freed);
        if (sent != 0)
            _tx.Submit(sent);
        _stats.RxPackets += n - TakeDrops();
        _stats.RxBytes += bytes;
        _stats.TxPackets += sent;
        _stats.TxBytes += bytes - declinedBytes;
        TopUpFill(look: true);
        return (int)sent;
    }

    /// <summary>Sets a TX descriptor's length and clears its options, in one store where that is possible.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void SetLengthAndOptions(xdp_desc* d, uint length)
    {
        if (BitConverter.IsLittleEndian)
        {
            Unsafe.WriteUnaligned<ulong>(&d->len, length);
        }
        else
        {
            d->len = length;
            d->options = 0;
        }
    }

    /// <summary>
    /// The one-frame sends' slow path, when the pool or the TX ring looked full: reaps completions and looks again.
    /// False (counted in TxFull) if there is still no frame or no slot.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private bool MakeTxRoom()
    {
        ReapCompletions();
        if (_pool.Count != 0 && _tx.Free(1) != 0)
            return true;
        _stats.TxFull++;
        return false;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void CommitTx(uint index, ulong addr, uint length)
    {
        xdp_desc* d = _tx.Descriptors + (index & _tx.Mask);
        d->addr = addr;
        SetLengthAndOptions(d, length);
        _tx.Submit(1);
        _stats.TxPackets++;
        _stats.TxBytes += length;
    }

    /// <summary>
    /// Kicks the kernel if it asked for a TX wake-up and frames are pending, reaps completions, and returns the
    /// frames still in flight.
    /// </summary>
    public int Flush()
    {
        ReapCompletions();
        if (TxOutstanding != 0 && (_tx.NeedsWakeup || _busyPoll))
        {
            KickTx();
            ReapCompletions(); // copy-mode TX completes inside the kick
        }
        return (int)TxOutstanding;
    }

    /// <summary>Wakes the kernel's TX path (sendto with MSG_DONTWAIT); benign errors are ignored.</summary>
    public void KickTx() => Libc.SendTo(_socket.Fd, null, 0, Libc.MSG_DONTWAIT, null, 0);

    /// <summary>Returns sent frames from the Completion ring to the pool; returns how many.</summary>
    public int ReapCompletions()
    {
        // Everything the kernel has completed, in one go: the pool has room for every frame of the UMEM.
        uint n = _comp.Peek(_comp.Size, out uint index);
        if (n == 0)
            return 0;
        ulong* free = _pool.PushSlots(n);
        ulong* ring = _comp.Addresses;
        uint first = FirstRun(index, _comp.Mask, n);
        CopyFrameStarts(ring + (index & _comp.Mask), free, first, _frameMask);
        CopyFrameStarts(ring, free + first, n - first, _frameMask);
        _pool.Pushed(n);
        _comp.Release(n);
        _txCompleted += n;
        return (int)n;
    }

    /// <summary>
    /// The batched send's loop over one run of descriptors: takes frames from below <paramref name="top"/> (the
    /// order of repeated pops) and asks the source to write one into each, stopping when it has no more. Returns
    /// the bytes written and how many descriptors were left unwritten. A static method of its own so that little has to be kept across
    /// the source's calls (it may call memmove): x64 keeps only five registers across a call.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static (ulong Bytes, uint Unwritten) WriteFrames<TSource>(ref TSource source, xdp_desc* d, uint count, ulong* top, byte* area, uint frameSize)
        where TSource : struct, IFrameSource, allows ref struct
    {
        xdp_desc* end = d + count;
        ulong bytes = 0;
        for (; d != end; d++)
        {
            ulong addr = *--top;
            d->addr = addr; // before the call: one value less to keep across it (the kernel sees nothing before Submit)
            int length = source.Next(MemoryMarshal.CreateSpan(ref area[addr], (int)frameSize));
            // 0: no more (or a length that cannot be a frame). Two tests, not one: a source that copied into the
            // span has just compared the length with frameSize, and the JIT then drops the second test.
            if (length <= 0 || (uint)length > frameSize)
                break;
            ulong length64 = (uint)length; // zero-extended once, for both uses
            if (BitConverter.IsLittleEndian)
                Unsafe.WriteUnaligned(&d->len, length64); // length, and options 0, in one store
            else
                SetLengthAndOptions(d, (uint)length);
            bytes += length64;
        }
        return (bytes, (uint)(end - d));
    }

    /// <summary>Copies <paramref name="n"/> UMEM addresses, each rounded down to its frame's start.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CopyFrameStarts(ulong* src, ulong* dst, uint n, ulong frameMask)
    {
        if (Sse2.IsSupported)
        {
            var mask = Vector128.Create(frameMask);
            for (uint pairs = n / 2; pairs != 0; pairs--, src += 2, dst += 2)
                Sse2.Store(dst, Sse2.And(Sse2.LoadVector128(src), mask));
            n &= 1;
        }
        for (; n != 0; n--)
            *dst++ = *src++ & frameMask;
    }

    /// <summary>
    /// The poll events to wait for: POLLIN always, POLLOUT while sent frames are pending (polling for POLLOUT is
    /// also what drives copy-mode TX, and POLLOUT then says there is room again).
    /// </summary>
    public short Wants()
    {
        short events = Libc.POLLIN;
        if (TxOutstanding != 0)
            events |= Libc.POLLOUT;
        return events;
    }

    // ---- accounting and statistics ------------------------------------------------------------------------

    /// <summary>Where every frame is now. Exact when no traffic is moving (the kernel moves frames concurrently).</summary>
    public FrameCounts CountFrames() => new(
        _pool.Count,
        _fill.Pending,
        _rx.Unreleased,
        _tx.Pending,
        _comp.Unreleased);

    /// <summary>Our counters plus the kernel's XDP_STATISTICS for this socket.</summary>
    public QueueStatistics GetStatistics()
    {
        var s = _stats;
        xdp_statistics k = default;
        uint len = (uint)sizeof(xdp_statistics);
        if (Libc.GetSockOpt(_socket.Fd, SysSocket.SOL_XDP, IfXdp.XDP_STATISTICS, &k, &len) == 0)
        {
            s.RxDropped = k.rx_dropped;
            s.RxInvalidDescs = k.rx_invalid_descs;
            s.TxInvalidDescs = k.tx_invalid_descs;
            s.RxRingFull = len >= 32 ? k.rx_ring_full : 0;
            s.RxFillRingEmptyDescs = len >= 40 ? k.rx_fill_ring_empty_descs : 0;
            s.TxRingEmptyDescs = len >= 48 ? k.tx_ring_empty_descs : 0;
        }
        return s;
    }

    /// <summary>The frame counts seen when the queue was closed (all frames accounted for if nothing leaked).</summary>
    public FrameCounts? CountsAtClose { get; private set; }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_disposed)
            return;
        _disposed = true;
        CancelPeek();
        ReapCompletions();
        CountsAtClose = CountFrames();
        _socket.Dispose();
        _umem.Dispose();
        _pool.Dispose();
        _ringSet.Dispose();
    }
}
