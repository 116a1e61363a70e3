using XdpAot.Tests.Fakes;
using XdpAot.Tests.Vhost.FrontEnd;
using XdpAot.Vhost.Bridge;
using XdpAot.Vhost.Memory;
using XdpAot.Vhost.Virtio;

namespace XdpAot.Tests.Vhost.Bridge;

/// <summary>The bridge's data path on one thread, with a guest and a kernel played by the test: the hot-path rules.</summary>
public class PairMoverTests
{
    /// <summary>
    /// A guest that keeps both rings full without allocating: descriptor i of each ring is buffer i for good, and a
    /// used head goes straight back on the avail ring.
    /// </summary>
    private sealed unsafe class SteadyGuest : IDisposable
    {
        private const int Size = 256, Buffer = 2048;
        private readonly ushort[] _lastUsed = new ushort[2];
        private readonly ushort[] _avail = new ushort[2];

        public SteadyGuest(int frameLength)
        {
            Ram = GuestRam.Create(GuestRamLayout.Single(8 * GuestRamLayout.MiB));
            Table = new MemoryTable(8);
            Table.Replace(Ram.Regions.Select(r => MemoryRegion.Map(r.Gpa, r.Size, r.UserAddress, r.MmapOffset, r.Fd)).ToList());
            Rx = new DriverQueue(Ram, 0, Size, indirectCapacity: 0);
            Tx = new DriverQueue(Ram, 1, Size, indirectCapacity: 0);
            ulong rxBuffers = Ram.Alloc(Size * Buffer, 64), txBuffers = Ram.Alloc(Size * Buffer, 64);
            for (int i = 0; i < Size; i++)
            {
                Rx.WriteDescriptor(i, rxBuffers + (ulong)(i * Buffer), Buffer, VirtqDesc.Write, 0);
                ulong tx = txBuffers + (ulong)(i * Buffer);
                Ram.Span(tx, 12).Clear();
                Ram.Span(tx + 12, frameLength).Fill((byte)i);
                Tx.WriteDescriptor(i, tx, (uint)(12 + frameLength), 0, 0);
            }
            RxRing = Map(Rx);
            TxRing = Map(Tx);
            for (int q = 0; q < 2; q++)
                Post(q, Size);
        }

        public GuestRam Ram { get; }
        public MemoryTable Table { get; }
        public DriverQueue Rx { get; }
        public DriverQueue Tx { get; }
        public SplitQueue RxRing { get; }
        public SplitQueue TxRing { get; }

        private SplitQueue Map(DriverQueue q) => SplitQueue.Map(Table.View, Size, Ram.UserAddress(q.DescGpa), Ram.UserAddress(q.AvailGpa),
            Ram.UserAddress(q.UsedGpa), 0, eventIdx: true, indirect: false, out _)!;

        /// <summary>Re-posts whatever the device used since last time; returns how many chains it used.</summary>
        public int Recycle(int q)
        {
            var ring = q == 0 ? Rx : Tx;
            ushort used = ring.UsedIdx;
            int n = (ushort)(used - _lastUsed[q]);
            _lastUsed[q] = used;
            Post(q, n);
            return n;
        }

        private void Post(int q, int n)
        {
            var ring = q == 0 ? Rx : Tx;
            for (int i = 0; i < n; i++)
            {
                ushort slot = _avail[q];
                ring.SetAvailRing(slot & (Size - 1), (ushort)(slot & (Size - 1)));
                _avail[q]++;
            }
            ring.SetAvailIdx(_avail[q]);
        }

        public void Dispose()
        {
            Rx.Dispose();
            Tx.Dispose();
            Table.Dispose();
            Ram.Dispose();
        }
    }

    [Fact]
    public void A_million_frames_each_way_through_the_bridge_allocate_nothing()
    {
        using var guest = new SteadyGuest(frameLength: 60);
        using var wire = new FakeQueue(ringSize: 256, frameSize: 2048, frameCount: 1024);
        using var mover = new PairMover();
        var plan = new PairPlan
        {
            Rx = guest.RxRing, RxEnabled = true, Tx = guest.TxRing, TxEnabled = true,
            TxPort = wire.Queue, RxPorts = [wire.Queue], MergeRxBuffers = true,
        };
        byte[] frame = new byte[60];
        Run(mover, plan, guest, wire, frame, 20_000, out _, out _); // warm up: JIT, tiering
        long before = GC.GetAllocatedBytesForCurrentThread();
        Run(mover, plan, guest, wire, frame, 1_000_000, out long toGuest, out long toWire);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(toGuest >= 1_000_000 && toWire >= 1_000_000, $"{toGuest} to the guest, {toWire} to the wire");
        Assert.Equal(0, allocated);
        var c = mover.Counters;
        Assert.Equal(0ul, c.RefusedTotal + c.RxTooBig + c.RxNoGuest);
    }

    private static void Run(PairMover mover, PairPlan plan, SteadyGuest guest, FakeQueue wire, byte[] frame, long frames,
        out long toGuest, out long toWire)
    {
        toGuest = toWire = 0;
        while (toGuest < frames || toWire < frames)
        {
            for (int i = 0; i < 64 && wire.Kernel.Deliver(frame); i++)
            {
            }
            mover.Pass(plan);
            toWire += wire.Kernel.Transmit(64);
            toGuest += guest.Recycle(0);
            guest.Recycle(1);
        }
    }

    [Fact]
    public void A_disabled_tx_ring_is_drained_into_the_used_ring_without_touching_af_xdp()
    {
        using var guest = new SteadyGuest(frameLength: 60);
        using var wire = new FakeQueue(ringSize: 256, frameSize: 2048, frameCount: 1024);
        using var mover = new PairMover();
        var plan = new PairPlan { Tx = guest.TxRing, TxEnabled = false };
        Assert.Equal(64, mover.Pass(plan));
        Assert.Equal(0, wire.Kernel.Transmit(64));
        Assert.Equal(64, guest.Tx.UsedIdx);
        Assert.Equal(64ul, mover.Counters.TxDiscarded);
    }
}
