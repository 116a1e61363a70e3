using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using XdpAot.Ports;
using XdpAot.Vhost.Virtio;

namespace XdpAot.Vhost.Bridge;

/// <summary>
/// Feeds the batched <see cref="Queue.Send{TSource}"/> from a guest TX ring: each call takes the next chain, checks
/// it and its virtio-net header, and gathers the frame from guest memory straight into the UMEM frame the queue
/// reserved (no staging copy). A chain that cannot be sent (malformed, too large for a frame, a header asking for an
/// offload not negotiated) is completed with length 0 and counted, and the next one is tried. Every chain taken is
/// completed at once: its bytes are in the UMEM by then.
/// </summary>
internal unsafe struct GuestTxSource : IFrameSource
{
    /// <summary>Ethernet header: a shorter frame is not one (and AF_XDP would refuse it).</summary>
    private const uint MinFrame = 14;

    private readonly SplitQueue _ring;
    private readonly Segment* _pieces;
    private readonly BridgeCounters* _counters;
    private readonly uint _headerLength;
    private uint _budget;

    public GuestTxSource(SplitQueue ring, Segment* pieces, BridgeCounters* counters, uint headerLength, uint budget)
    {
        _ring = ring;
        _pieces = pieces;
        _counters = counters;
        _headerLength = headerLength;
        _budget = budget;
        Taken = 0;
    }

    /// <summary>Chains taken from the avail ring (sent or refused).</summary>
    public uint Taken;

    public int Next(Span<byte> frame)
    {
        while (_budget != 0)
        {
            _budget--;
            uint head = _ring.Pop();
            Taken++;
            var status = ChainReader.Read(_ring, head, deviceWritable: false, _pieces, _headerLength + (ulong)frame.Length,
                out int count, out ulong bytes);
            if (status == ChainStatus.Ok)
                status = CheckHeader(count, bytes);
            if (status != ChainStatus.Ok)
            {
                _ring.AddUsed(head, 0);
                _counters->Refused[(int)status]++;
                continue;
            }
            uint length = (uint)(bytes - _headerLength);
            byte* dst = (byte*)Unsafe.AsPointer(ref MemoryMarshal.GetReference(frame));
            if (count == 1)
                Unsafe.CopyBlockUnaligned(dst, _pieces->Data + _headerLength, length); // header and frame in one descriptor
            else
                Pieces.Gather(_pieces, count, _headerLength, dst, length);
            _ring.AddUsed(head, 0);
            return (int)length;
        }
        return 0;
    }

    /// <summary>
    /// The header, copied out of guest memory (it may span descriptors): no offload is negotiated, so a header that
    /// asks for checksum completion or segmentation cannot be honoured and the frame is refused rather than sent
    /// wrong. Other flag bits are ignored, as the spec requires.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private readonly ChainStatus CheckHeader(int count, ulong bytes)
    {
        if (bytes < _headerLength + MinFrame)
            return ChainStatus.TooShort;
        // Only flags and gso_type matter without offloads; each is read once.
        byte flags, gso;
        if (_pieces->Length >= 2)
        {
            flags = _pieces->Data[0];
            gso = _pieces->Data[1];
        }
        else
        {
            VirtioNetHeader header;
            Pieces.Gather(_pieces, count, 0, (byte*)&header, 2);
            flags = header.Flags;
            gso = header.GsoType;
        }
        if (gso != VirtioNetHeader.GsoNone || (flags & VirtioNetHeader.FlagNeedsCsum) != 0)
            return ChainStatus.BadHeader;
        return ChainStatus.Ok;
    }
}
