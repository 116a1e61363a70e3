using System.Runtime.InteropServices;
using XdpAot.Ports;
using XdpAot.Vhost.Virtio;

namespace XdpAot.Vhost.Bridge;

/// <summary>
/// The data path of one queue pair, without a thread: one <see cref="Pass"/> moves a batch each way. Guest TX chains
/// are gathered into UMEM frames (<see cref="GuestTxSource"/>) and sent; received frames are written into the guest's
/// RX buffers (<see cref="GuestRxHandler"/>); the guest is interrupted once per batch, when it asked to be. Backpressure
/// never loses a frame inside the bridge: a full AF_XDP TX ring leaves the guest's chains in its avail ring, a guest
/// without RX buffers leaves frames in the AF_XDP RX ring. Its counters and scratch live in unmanaged memory of its
/// own, so nothing here allocates. <see cref="PairWorker"/> runs it on a thread; tests and the instruction gate call
/// it directly.
/// </summary>
public sealed unsafe class PairMover : IDisposable
{
    private readonly BridgeCounters* _counters;
    private readonly Segment* _pieces;
    private readonly RxScratch* _scratch;

    /// <summary>Allocates the counters and the scratch a pass needs.</summary>
    public PairMover()
    {
        // Counters on cache lines of their own: the control thread reads them while the worker writes.
        _counters = (BridgeCounters*)NativeMemory.AlignedAlloc((nuint)((sizeof(BridgeCounters) + 127) & ~63), 64);
        NativeMemory.Clear(_counters, (nuint)sizeof(BridgeCounters));
        _pieces = (Segment*)NativeMemory.AlignedAlloc((nuint)(ChainReader.MaxSegments * sizeof(Segment)), 64);
        _scratch = (RxScratch*)NativeMemory.AlignedAlloc((nuint)sizeof(RxScratch), 64);
    }

    /// <summary>A copy of the counters (each whole; see <see cref="BridgeCounters"/>).</summary>
    public BridgeCounters Counters => *_counters;

    internal BridgeCounters* CountersPointer => _counters;

    /// <summary>The last pass found the AF_XDP TX ring full, with guest chains waiting.</summary>
    public bool TxBlocked { get; private set; }

    /// <summary>The guest had no RX buffers for a frame; it waits for the guest to post some.</summary>
    public bool RxStarved { get; set; }

    /// <summary>Forget the waiting states (a new plan).</summary>
    public void ResetWaits()
    {
        TxBlocked = false;
        RxStarved = false;
    }

    /// <summary>Clears <see cref="TxBlocked"/>: look at the TX ring again (room may have appeared).</summary>
    public void RetryTx() => TxBlocked = false;

    /// <summary>One pass over everything the plan holds; returns the frames and chains moved.</summary>
    public int Pass(PairPlan plan)
    {
        int work = 0;
        if (plan.Tx is { } tx)
            work += MoveGuestTx(plan, tx);
        var ports = plan.RxPorts;
        for (int i = 0; i < ports.Length; i++)
        {
            var port = ports[i];
            work += plan.DropRx ? DropWire(port) : MoveWireRx(plan, port);
            // A queue handed over from a pair that sent on it: its last frames still complete, and their UMEM frames
            // must come back to its pool, or its Fill ring runs dry.
            if (port != plan.TxPort && port.TxOutstanding != 0)
                port.Flush();
        }
        if (plan.TxPort is { } txPort && txPort.TxOutstanding != 0)
            txPort.Flush();
        return work;
    }

    /// <summary>Guest TX → AF_XDP: one batch, gathered straight into UMEM frames.</summary>
    private int MoveGuestTx(PairPlan plan, SplitQueue tx)
    {
        uint available = tx.Available();
        if (available == 0)
        {
            if (tx.Broken)
                NoteBroken(tx);
            return 0;
        }
        uint batch = available < Queue.MaxBatch ? available : Queue.MaxBatch;
        if (!plan.TxEnabled || plan.TxPort is null)
        {
            // Started but disabled: the spec says process and discard, so the guest's buffers come back.
            for (uint i = 0; i < batch; i++)
                tx.AddUsed(tx.Pop(), 0);
            _counters->TxDiscarded += batch;
            Notify(tx);
            return (int)batch;
        }
        var port = plan.TxPort;
        var source = new GuestTxSource(tx, _pieces, _counters, plan.HeaderLength, batch);
        ulong bytesBefore = port.Counters.TxBytes;
        int sent = port.Send(ref source, (int)batch);
        if (source.Taken == 0)
        {
            TxBlocked = true;
            _counters->TxBlocked++;
            return 0;
        }
        _counters->TxFrames += (ulong)sent;
        _counters->TxBytes += port.Counters.TxBytes - bytesBefore;
        Notify(tx);
        port.Flush();
        return (int)source.Taken;
    }

    /// <summary>AF_XDP → guest RX: one batch; a frame the guest has no room for stays queued.</summary>
    private int MoveWireRx(PairPlan plan, Queue port)
    {
        if (plan.Rx is not { } rx || !plan.RxEnabled)
            return 0;
        if (RxStarved)
        {
            // Refused last time for want of buffers: try again only once the guest has posted some.
            if (rx.Available() == 0)
            {
                if (rx.Broken)
                    NoteBroken(rx);
                return 0;
            }
            RxStarved = false;
        }
        var handler = new GuestRxHandler(rx, _pieces, _scratch, _counters, plan.HeaderLength, plan.MergeRxBuffers);
        int taken = port.Receive(ref handler);
        if (handler.Starved)
            RxStarved = true;
        _counters->RxBytes += handler.Bytes;
        if (handler.Used != 0)
            Notify(rx);
        return taken;
    }

    private struct Dropper : IFrameHandler
    {
        public readonly bool OnFrame(ReadOnlySpan<byte> frame) => true;
    }

    /// <summary>No guest ring takes frames: drop what arrives (counted), so a guest that comes later gets fresh ones.</summary>
    private int DropWire(Queue port)
    {
        var d = new Dropper();
        int n = port.Receive(ref d);
        _counters->RxNoGuest += (ulong)n;
        return n;
    }

    private void Notify(SplitQueue ring)
    {
        if (ring.PublishAndNotify())
            _counters->GuestCalls++;
    }

    private void NoteBroken(SplitQueue ring)
    {
        if (!ring.BreakCounted)
        {
            ring.BreakCounted = true;
            _counters->BrokenRings++;
        }
    }

    /// <summary>Counts a kick read from a guest's eventfd.</summary>
    internal void CountKick() => _counters->Kicks++;

    /// <summary>Counts a wake-up from a sleep.</summary>
    internal void CountWakeup() => _counters->Wakeups++;

    /// <summary>Frees the counters and scratch.</summary>
    public void Dispose()
    {
        NativeMemory.AlignedFree(_counters);
        NativeMemory.AlignedFree(_pieces);
        NativeMemory.AlignedFree(_scratch);
    }
}
