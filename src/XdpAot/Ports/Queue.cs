using System.Runtime.CompilerServices;
using XdpAot.Interop;
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
    private uint _txOutstanding;
    private uint _peeked;
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
        RefillFill();
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
    public uint TxOutstanding => _txOutstanding;

    /// <summary>Our counters (the XDP_STATISTICS part is read by <see cref="GetStatistics"/>).</summary>
    public ref readonly QueueStatistics Counters => ref _stats;

    // ---- receive -------------------------------------------------------------------------------------------

    /// <summary>
    /// Hands up to <paramref name="max"/> received frames to <paramref name="handler"/>, stopping at the first it
    /// refuses (that frame stays queued). Returns the number of frames taken.
    /// </summary>
    public int Receive<THandler>(ref THandler handler, int max = MaxBatch) where THandler : struct, IFrameHandler, allows ref struct
    {
        CancelPeek();
        uint n = _rx.Peek(ClampBatch(max), out uint index);
        if (n == 0)
        {
            WakeRxIfNeeded();
            return 0;
        }
        uint consumed = 0;
        int delivered = 0;
        for (; consumed < n; consumed++)
        {
            ref readonly xdp_desc d = ref _rx.Descriptor(index + consumed);
            if (!IsWholeFrame(in d) || _inDroppedPacket)
            {
                DropDescriptor(in d);
                continue;
            }
            if (!handler.OnFrame(new ReadOnlySpan<byte>(_area + d.addr, (int)d.len)))
                break;
            _stats.RxPackets++;
            _stats.RxBytes += d.len;
            _pool.Push(d.addr & _frameMask);
            delivered++;
        }
        // A refused frame and those after it go back to the ring, unconsumed, to be delivered first next time.
        _rx.Cancel(n - consumed);
        _rx.Release(consumed);
        RefillFill();
        return delivered;
    }

    /// <summary>
    /// Drops a descriptor that cannot be delivered as one frame: a bad length, or any fragment of a multi-buffer
    /// packet (the kernel sends those only to sockets bound with XDP_USE_SG). The packet is counted once.
    /// </summary>
    private void DropDescriptor(in xdp_desc d)
    {
        if (!_inDroppedPacket)
            _stats.RxOversize++;
        _inDroppedPacket = (d.options & IfXdp.XDP_PKT_CONTD) != 0;
        _pool.Push(d.addr & _frameMask);
    }

    private bool _inDroppedPacket;

    /// <summary>
    /// Zero-copy receive: fills <paramref name="frames"/> with pointers into the UMEM, valid until
    /// <see cref="ReleasePeeked"/>. Peeking again before a release returns the same frames first.
    /// </summary>
    public int Peek(Span<FrameRef> frames)
    {
        CancelPeek();
        uint n = _rx.Peek((uint)Math.Min(frames.Length, int.MaxValue), out uint index);
        if (n == 0)
        {
            WakeRxIfNeeded();
            return 0;
        }
        for (uint i = 0; i < n; i++)
        {
            ref readonly xdp_desc d = ref _rx.Descriptor(index + i);
            // A descriptor that is not a whole frame is shown with length 0 and counted when released.
            frames[(int)i] = new FrameRef(_area + d.addr, IsWholeFrame(in d) ? d.len : 0);
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
        for (uint i = 0; i < (uint)count; i++)
        {
            ref readonly xdp_desc d = ref _rx.Descriptor(_peekIndex + i);
            if (IsWholeFrame(in d) && !_inDroppedPacket)
            {
                _stats.RxPackets++;
                _stats.RxBytes += d.len;
                _pool.Push(d.addr & _frameMask);
            }
            else
            {
                DropDescriptor(in d);
            }
        }
        _rx.Cancel(_peeked - (uint)count);
        _rx.Release((uint)count);
        _peeked = 0;
        RefillFill();
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
    private bool IsWholeFrame(in xdp_desc d) =>
        (d.options & IfXdp.XDP_PKT_CONTD) == 0 && d.len <= _frameSize && (d.addr & ~_frameMask) + d.len <= _frameSize;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint ClampBatch(int max) => max <= 0 ? 0 : max > MaxBatch ? MaxBatch : (uint)max;

    /// <summary>
    /// With nothing to receive: in busy-poll mode drive the queue from here; otherwise wake the kernel only if it
    /// asked to be woken because the Fill ring ran dry.
    /// </summary>
    private void WakeRxIfNeeded()
    {
        RefillFill();
        if (_busyPoll || _fill.NeedsWakeup)
            Libc.RecvFrom(_socket.Fd, null, 0, Libc.MSG_DONTWAIT, null, null);
    }

    /// <summary>Tops the Fill ring up from the pool.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void RefillFill()
    {
        uint want = _pool.Count;
        if (want == 0)
            return;
        uint free = _fill.Free(want);
        if (free < want)
            want = free;
        if (want == 0 || _fill.Reserve(want, out uint index) == 0)
            return;
        for (uint i = 0; i < want; i++)
            _fill.Address(index + i) = _pool.Pop();
        _fill.Submit(want);
    }

    // ---- transmit ------------------------------------------------------------------------------------------

    /// <summary>
    /// Copies a frame into a UMEM frame and puts it on the TX ring. Returns its length; 0 when the TX ring or the
    /// pool is full (wait for POLLOUT, then call again); a frame larger than a UMEM frame is dropped, counted in
    /// TxOversize and reported as sent (QEMU's behaviour). The kernel is not kicked here: see <see cref="Flush"/>.
    /// </summary>
    public int Send(ReadOnlySpan<byte> frame)
    {
        if ((uint)frame.Length > _frameSize)
        {
            _stats.TxOversize++;
            return frame.Length;
        }
        if (!TryReserveTx(out uint index, out ulong addr))
            return 0;
        fixed (byte* src = frame)
            Unsafe.CopyBlockUnaligned(_area + addr, src, (uint)frame.Length);
        CommitTx(index, addr, (uint)frame.Length);
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
        if (!TryReserveTx(out uint index, out ulong addr))
            return 0;
        byte* dst = _area + addr;
        for (int i = 0; i < segments.Length; i++)
        {
            Unsafe.CopyBlockUnaligned(dst, segments[i].Data, (uint)segments[i].Length);
            dst += segments[i].Length;
        }
        CommitTx(index, addr, (uint)total);
        return (int)total;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool TryReserveTx(out uint index, out ulong addr)
    {
        if (_pool.Count == 0 || _tx.Free(1) == 0)
            ReapCompletions();
        if (_pool.Count == 0 || _tx.Reserve(1, out index) == 0)
        {
            _stats.TxFull++;
            index = 0;
            addr = 0;
            return false;
        }
        addr = _pool.Pop();
        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void CommitTx(uint index, ulong addr, uint length)
    {
        ref xdp_desc d = ref _tx.Descriptor(index);
        d.addr = addr;
        d.len = length;
        d.options = 0;
        _tx.Submit(1);
        _txOutstanding++;
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
        if (_txOutstanding != 0 && (_tx.NeedsWakeup || _busyPoll))
            KickTx();
        ReapCompletions();
        return (int)_txOutstanding;
    }

    /// <summary>Wakes the kernel's TX path (sendto with MSG_DONTWAIT); benign errors are ignored.</summary>
    public void KickTx() => Libc.SendTo(_socket.Fd, null, 0, Libc.MSG_DONTWAIT, null, 0);

    /// <summary>Returns sent frames from the Completion ring to the pool; returns how many.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int ReapCompletions()
    {
        uint total = 0;
        uint n;
        while ((n = _comp.Peek(MaxBatch, out uint index)) != 0)
        {
            for (uint i = 0; i < n; i++)
                _pool.Push(_comp.Address(index + i) & _frameMask);
            _comp.Release(n);
            total += n;
        }
        _txOutstanding -= total;
        return (int)total;
    }

    /// <summary>
    /// The poll events to wait for: POLLIN always, POLLOUT while frames are pending or the kernel asked for a TX
    /// wake-up (polling for POLLOUT also drives copy-mode TX).
    /// </summary>
    public short Wants()
    {
        short events = Libc.POLLIN;
        if (_txOutstanding != 0)
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

/// <summary>A received frame inside the UMEM (zero-copy receive).</summary>
public readonly unsafe struct FrameRef
{
    /// <summary>Creates a reference.</summary>
    public FrameRef(byte* data, uint length)
    {
        Data = data;
        Length = length;
    }

    /// <summary>First byte of the frame.</summary>
    public byte* Data { get; }

    /// <summary>Frame length (0 for a descriptor that could not be delivered).</summary>
    public uint Length { get; }

    /// <summary>The frame as a span.</summary>
    public ReadOnlySpan<byte> Span => new(Data, (int)Length);
}

/// <summary>One piece of a gathered frame (a C iovec).</summary>
[System.Runtime.InteropServices.StructLayout(System.Runtime.InteropServices.LayoutKind.Sequential)]
public readonly unsafe struct Segment
{
    /// <summary>Creates a segment.</summary>
    public Segment(byte* data, nuint length)
    {
        Data = data;
        Length = length;
    }

    /// <summary>First byte.</summary>
    public byte* Data { get; }

    /// <summary>Length in bytes.</summary>
    public nuint Length { get; }
}
