namespace XdpAot.Tests.Vhost.FrontEnd;

/// <summary>
/// Queue pair k of a virtio-net device: the RX queue (vring 2k), the TX queue (vring 2k+1), their buffer slots,
/// which buffer each chain in flight uses, and a frame being merged from several RX buffers (MRG_RXBUF).
/// </summary>
public sealed class NetQueuePair : IDisposable
{
    internal NetQueuePair(GuestRam ram, int index, int queueSize, FrontEndOptions options)
    {
        Index = index;
        int bufferRegion = options.BufferRegion < 0 ? ram.RegionCount - 1 : options.BufferRegion;
        Rx = new DriverQueue(ram, 2 * index, queueSize, options.IndirectCapacity, options.UsedAlign, options.RingRegion);
        Tx = new DriverQueue(ram, 2 * index + 1, queueSize, options.IndirectCapacity, options.UsedAlign, options.RingRegion);
        RxSlots = new BufferSlots(ram, queueSize, options.RxSlotSize, bufferRegion);
        TxSlots = new BufferSlots(ram, queueSize, options.TxSlotSize, bufferRegion);
        RxPosted = new (ulong Gpa, int Size)?[queueSize];
        TxPosted = new ulong?[queueSize];
    }

    public int Index { get; }

    public DriverQueue Rx { get; }

    public DriverQueue Tx { get; }

    public BufferSlots RxSlots { get; }

    public BufferSlots TxSlots { get; }

    /// <summary>RX buffer by head: its GPA and posted size.</summary>
    internal (ulong Gpa, int Size)?[] RxPosted { get; }

    /// <summary>TX buffer by head.</summary>
    internal ulong?[] TxPosted { get; }

    /// <summary>The frame whose first buffer announced more num_buffers than have arrived yet.</summary>
    internal PartialFrame? Merging { get; set; }

    /// <summary>RX buffers posted and not yet returned.</summary>
    public int RxPostedCount => RxPosted.Count(p => p.HasValue);

    internal void Reset()
    {
        Rx.Reset();
        Tx.Reset();
        RxSlots.Reset();
        TxSlots.Reset();
        Array.Clear(RxPosted);
        Array.Clear(TxPosted);
        Merging = null;
    }

    public void Dispose()
    {
        Rx.Dispose();
        Tx.Dispose();
    }

    internal sealed class PartialFrame(VirtioNetHeader header, int buffers)
    {
        public VirtioNetHeader Header { get; } = header;
        public int Buffers { get; } = buffers;
        public List<byte> Bytes { get; } = [];
        public List<UsedElement> Used { get; } = [];
    }
}
