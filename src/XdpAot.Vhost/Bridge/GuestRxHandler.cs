using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using XdpAot.Ports;
using XdpAot.Vhost.Virtio;

namespace XdpAot.Vhost.Bridge;

/// <summary>
/// Takes frames from <see cref="Queue.Receive{THandler}"/> and writes each, behind a virtio-net header, into the
/// guest's RX buffers: one chain, or with MRG_RXBUF as many as it takes (num_buffers says how many; every buffer but
/// the last is filled). With too few buffers available, the buffers taken are put back and the frame is refused: it
/// stays in the AF_XDP RX ring until the guest posts more. A frame that can never fit (larger than a non-mergeable
/// buffer, or needing more than <see cref="MaxBuffers"/>) is dropped and counted, never truncated; a malformed chain
/// is completed with length 0, as is every buffer already taken for the frame in hand, which is dropped.
/// </summary>
internal unsafe struct GuestRxHandler : IFrameHandler
{
    /// <summary>The most buffers one frame may take with MRG_RXBUF.</summary>
    public const int MaxBuffers = 64;

    private readonly SplitQueue _ring;
    private readonly Segment* _pieces;
    private readonly RxScratch* _scratch;
    private readonly BridgeCounters* _counters;
    private readonly uint _headerLength;
    private readonly bool _merge;
    private uint _available;

    public GuestRxHandler(SplitQueue ring, Segment* pieces, RxScratch* scratch, BridgeCounters* counters, uint headerLength, bool merge)
    {
        _ring = ring;
        _pieces = pieces;
        _scratch = scratch;
        _counters = counters;
        _headerLength = headerLength;
        _merge = merge;
        _available = 0;
        Starved = false;
        Used = 0;
        Bytes = 0;
    }

    /// <summary>A frame was refused for want of buffers.</summary>
    public bool Starved;

    /// <summary>Chains completed (delivered frames' buffers and refused chains).</summary>
    public uint Used;

    /// <summary>Frame bytes delivered.</summary>
    public ulong Bytes;

    public bool OnFrame(ReadOnlySpan<byte> frame)
    {
        fixed (byte* data = &MemoryMarshal.GetReference(frame))
            return _merge ? Merged(data, (uint)frame.Length) : Single(data, (uint)frame.Length);
    }

    /// <summary>Without MRG_RXBUF: one chain per frame, which must hold header and frame.</summary>
    private bool Single(byte* data, uint length)
    {
        if (!TakeHead(out uint head))
            return Refuse(0);
        var status = ChainReader.Read(_ring, head, deviceWritable: true, _pieces, ulong.MaxValue, out int count, out ulong room);
        if (status != ChainStatus.Ok)
        {
            Complete(head, 0);
            _counters->Refused[(int)status]++;
            return true; // the frame is dropped with the chain: nothing else was taken for it
        }
        if (room < _headerLength + (ulong)length)
        {
            Complete(head, 0);
            _counters->RxTooBig++;
            return true;
        }
        if (count == 1)
        {
            WriteWhole(_pieces->Data, data, length);
        }
        else
        {
            var w = new PieceWriter(_pieces, count);
            WriteHeader(ref w, out _, out _, 1);
            w.Write(data, length);
        }
        Complete(head, _headerLength + length);
        _counters->RxFrames++;
        Bytes += length;
        return true;
    }

    /// <summary>With MRG_RXBUF: as many chains as the frame needs, the header (with num_buffers) in the first.</summary>
    private bool Merged(byte* data, uint length)
    {
        uint taken = 0;
        nuint copied = 0;
        byte* numBuffers0 = null, numBuffers1 = null;
        ushort* heads = _scratch->Heads;
        uint* lengths = _scratch->Lengths;
        while (copied < length || taken == 0)
        {
            if (taken == MaxBuffers)
                return Drop(taken, ref _counters->RxTooBig);
            if (!TakeHead(out uint head))
                return Refuse(taken);
            heads[taken] = (ushort)head;
            lengths[taken] = 0;
            taken++;
            var status = ChainReader.Read(_ring, head, deviceWritable: true, _pieces, ulong.MaxValue, out int count, out ulong room);
            if (status == ChainStatus.Ok && taken == 1 && room < _headerLength)
                status = ChainStatus.TooShort;
            if (status != ChainStatus.Ok)
                return Drop(taken, ref _counters->Refused[(int)status]);
            if (taken == 1 && count == 1 && room >= _headerLength + (ulong)length)
            {
                // The common case (Linux posts one-descriptor buffers of 1.5 KB or more): the whole frame in one piece.
                WriteWhole(_pieces->Data, data, length);
                Complete(head, _headerLength + length);
                _counters->RxFrames++;
                Bytes += length;
                return true;
            }
            var w = new PieceWriter(_pieces, count);
            uint used = 0;
            if (taken == 1)
            {
                WriteHeader(ref w, out numBuffers0, out numBuffers1, 1);
                used = _headerLength;
            }
            nuint n = w.Write(data + copied, length - copied);
            copied += n;
            lengths[taken - 1] = used + (uint)n;
        }
        // num_buffers is known only now; it may straddle two descriptors.
        *numBuffers0 = (byte)taken;
        *numBuffers1 = (byte)(taken >> 8);
        for (uint i = 0; i < taken; i++)
            Complete(heads[i], lengths[i]);
        _counters->RxFrames++;
        Bytes += length;
        return true;
    }

    /// <summary>Header (num_buffers 1) and frame into one contiguous buffer the caller checked is large enough.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private readonly void WriteWhole(byte* dst, byte* data, uint length)
    {
        // flags, gso_type, hdr_len, gso_size, csum_start: 0; then csum_offset 0 and num_buffers 1 (little-endian).
        Unsafe.WriteUnaligned(dst, 0ul);
        if (_headerLength == VirtioNetHeader.Size)
            Unsafe.WriteUnaligned(dst + 8, 1u << 16);
        else
            Unsafe.WriteUnaligned(dst + 8, (ushort)0);
        Unsafe.CopyBlockUnaligned(dst + _headerLength, data, length);
    }

    /// <summary>Writes the header: no offload flags, no GSO; remembers where num_buffers' two bytes went.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private readonly void WriteHeader(ref PieceWriter w, out byte* numBuffers0, out byte* numBuffers1, ushort numBuffers)
    {
        VirtioNetHeader header = default;
        header.NumBuffers = numBuffers;
        byte* h = (byte*)&header;
        w.Write(h, VirtioNetHeader.NumBuffersOffset);
        if (_headerLength == VirtioNetHeader.Size)
        {
            numBuffers0 = w.Cursor;
            w.Write(h + 10, 1);
            numBuffers1 = w.Cursor;
            w.Write(h + 11, 1);
        }
        else
        {
            // A legacy header has no num_buffers: point the patch at a byte of our own.
            numBuffers0 = numBuffers1 = &_scratch->Sink;
        }
    }

    /// <summary>Puts back the <paramref name="taken"/> heads of a frame that did not fit what the guest posted so far.</summary>
    private bool Refuse(uint taken)
    {
        _ring.Unpop(taken);
        _available += taken;
        Starved = true;
        _counters->RxStarved++;
        return false;
    }

    /// <summary>Drops the frame: every chain taken for it is completed with length 0.</summary>
    private bool Drop(uint taken, ref ulong counter)
    {
        for (uint i = 0; i < taken; i++)
            Complete(_scratch->Heads[i], 0);
        counter++;
        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Complete(uint head, uint length)
    {
        _ring.AddUsed(head, length);
        Used++;
    }

    /// <summary>The next head, reading avail.idx only when the heads seen last time are used up.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool TakeHead(out uint head)
    {
        if (_available == 0)
        {
            _available = _ring.Available();
            if (_available == 0)
            {
                head = 0;
                return false;
            }
        }
        _available--;
        head = _ring.Pop();
        return true;
    }
}

/// <summary>A worker's scratch for one merged frame: the heads it took and what went into each.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct RxScratch
{
    public fixed ushort Heads[GuestRxHandler.MaxBuffers];
    public fixed uint Lengths[GuestRxHandler.MaxBuffers];
    public byte Sink;
}
