namespace XdpAot.Tests.Vhost.FrontEnd;

public sealed partial class VirtioNetFrontEnd
{
    /// <summary>
    /// Posts <paramref name="count"/> receive buffers of <paramref name="size"/> bytes to pair <paramref name="pair"/>'s RX
    /// queue, each one chain of <paramref name="descriptorsPerBuffer"/> writable descriptors (in an indirect table if
    /// <paramref name="indirect"/>), then publishes and kicks. Returns the heads.
    /// </summary>
    public ushort[] PostRxBuffers(int pair, int count, int size = 2048, int descriptorsPerBuffer = 1, bool indirect = false)
    {
        var p = Pair(pair);
        if (size < 1 || size > p.RxSlots.SlotSize)
            throw new ArgumentOutOfRangeException(nameof(size), size, $"pair {pair}: RX buffers are 1..{p.RxSlots.SlotSize} bytes (FrontEndOptions.RxSlotSize)");
        if (descriptorsPerBuffer < 1 || descriptorsPerBuffer > size)
            throw new ArgumentOutOfRangeException(nameof(descriptorsPerBuffer), descriptorsPerBuffer, $"pair {pair}: 1..{size} descriptors per {size}-byte buffer");
        RequireIndirect(indirect, $"pair {pair} RX buffers");
        var heads = new ushort[count];
        for (int i = 0; i < count; i++)
        {
            ulong gpa = p.RxSlots.Take();
            if (Options.RxPoison is byte poison)
                Ram.Span(gpa, size).Fill(poison);
            ushort head = p.Rx.AddChain(Pieces(gpa, size, descriptorsPerBuffer, writable: true), indirect);
            p.RxPosted[head] = (gpa, size);
            heads[i] = head;
        }
        p.Rx.Publish();
        p.Rx.Kick();
        return heads;
    }

    /// <summary>
    /// Sends <paramref name="frame"/> (an Ethernet frame, no header) on pair <paramref name="pair"/>'s TX queue behind a
    /// virtio-net header, laid out over descriptors as <paramref name="options"/> says. Reclaims completed TX chains
    /// first when the queue is short of descriptors. Returns the head.
    /// </summary>
    public ushort Send(int pair, ReadOnlySpan<byte> frame, TxOptions? options = null)
    {
        var o = options ?? TxOptions.Default;
        var p = Pair(pair);
        RequireIndirect(o.Indirect, $"pair {pair} TX");
        int h = HeaderLength;
        int total = h + frame.Length;
        if (total > p.TxSlots.SlotSize)
            throw new ArgumentException($"pair {pair}: a {frame.Length}-byte frame and its {h}-byte header exceed the {p.TxSlots.SlotSize}-byte TX slot (FrontEndOptions.TxSlotSize)", nameof(frame));
        if (o.DataPieces < 1 || (frame.Length > 0 && o.DataPieces > frame.Length))
            throw new ArgumentOutOfRangeException(nameof(options), o.DataPieces, $"pair {pair}: 1..{frame.Length} data pieces for a {frame.Length}-byte frame");
        var segments = TxSegments(0, h, frame.Length, o);
        if (p.Tx.FreeDescriptors < (o.Indirect ? 1 : segments.Length) || p.TxSlots.Free == 0)
            ReclaimTx(pair);
        ulong gpa = p.TxSlots.Take();
        var span = Ram.Span(gpa, total);
        (o.Header ?? default).Write(span, h);
        frame.CopyTo(span[h..]);
        for (int i = 0; i < segments.Length; i++)
            segments[i] = segments[i] with { Gpa = gpa + segments[i].Gpa };
        ushort head;
        try
        {
            head = p.Tx.AddChain(segments, o.Indirect);
        }
        catch
        {
            p.TxSlots.Give(gpa);
            throw;
        }
        p.TxPosted[head] = gpa;
        if (o.Publish)
            FlushTx(pair, o.ForceKick);
        return head;
    }

    /// <summary>Publishes the TX chains added so far and kicks (if the device wants it, or always with <paramref name="forceKick"/>).</summary>
    public bool FlushTx(int pair, bool forceKick = false)
    {
        var tx = Pair(pair).Tx;
        tx.Publish();
        return tx.Kick(forceKick);
    }

    /// <summary>Segments (offsets from the buffer start) for a header of <paramref name="h"/> bytes followed by <paramref name="frameLength"/> bytes.</summary>
    private static ChainSegment[] TxSegments(ulong start, int h, int frameLength, TxOptions o)
    {
        var header = o.HeaderLayout switch
        {
            TxHeaderLayout.Split => Pieces(start, h, 2, writable: false),
            TxHeaderLayout.OwnDescriptor => Pieces(start, h, 1, writable: false),
            _ => [],
        };
        if (frameLength == 0)
            return header.Length > 0 ? header : Pieces(start, h, 1, writable: false);
        var data = Pieces(start + (ulong)h, frameLength, o.DataPieces, writable: false);
        if (header.Length == 0)
            data[0] = new ChainSegment(start, data[0].Length + (uint)h);
        return [.. header, .. data];
    }

    /// <summary>[gpa, gpa+length) cut into <paramref name="pieces"/> contiguous segments, the last taking the remainder.</summary>
    private static ChainSegment[] Pieces(ulong gpa, int length, int pieces, bool writable)
    {
        var segments = new ChainSegment[pieces];
        int each = length / pieces;
        for (int i = 0; i < pieces; i++)
        {
            int len = i == pieces - 1 ? length - each * (pieces - 1) : each;
            segments[i] = new ChainSegment(gpa + (ulong)(each * i), (uint)len, writable);
        }
        return segments;
    }

    private void RequireIndirect(bool indirect, string what)
    {
        if (indirect && !Has(VirtioFeature.IndirectDesc))
            throw new InvalidOperationException($"{what}: indirect descriptors need INDIRECT_DESC, which was not negotiated");
    }

    /// <summary>Takes completed TX chains and frees their buffers; returns how many completed.</summary>
    public int ReclaimTx(int pair)
    {
        var p = Pair(pair);
        int done = 0;
        foreach (var e in p.Tx.TakeUsed())
        {
            if (e.Id < (uint)p.TxPosted.Length && p.TxPosted[e.Id] is ulong gpa)
            {
                p.TxSlots.Give(gpa);
                p.TxPosted[e.Id] = null;
                done++;
            }
        }
        return done;
    }

    /// <summary>
    /// Takes what the device put in pair <paramref name="pair"/>'s RX queue and returns the complete frames, header
    /// stripped (with MRG_RXBUF, num_buffers buffers merged into one frame; a frame whose later buffers have not
    /// arrived yet waits for the next call). The buffers are not re-posted.
    /// </summary>
    public IReadOnlyList<ReceivedFrame> Receive(int pair)
    {
        var p = Pair(pair);
        int h = HeaderLength;
        bool merge = Has(VirtioFeature.MrgRxbuf);
        var frames = new List<ReceivedFrame>();
        foreach (var e in p.Rx.TakeUsed())
        {
            if (e.Id >= (uint)p.RxPosted.Length || p.RxPosted[e.Id] is not { } posted)
                throw new InvalidDataException($"vring {p.Rx.Index}: the device completed head {e.Id}, which is not a posted RX buffer");
            var (gpa, size) = posted;
            p.RxPosted[e.Id] = null;
            if (e.Length > (uint)size)
                throw new InvalidDataException($"vring {p.Rx.Index}: used len {e.Length} of head {e.Id} exceeds its {size}-byte buffer");
            byte[] bytes = Ram.Read(gpa, (int)e.Length);
            p.RxSlots.Give(gpa);
            if (p.Merging is { } partial)
            {
                partial.Bytes.AddRange(bytes);
                partial.Used.Add(e);
                if (partial.Used.Count == partial.Buffers)
                {
                    frames.Add(new ReceivedFrame([.. partial.Bytes], partial.Header, partial.Buffers, [.. partial.Used]));
                    p.Merging = null;
                }
                continue;
            }
            if (bytes.Length < h)
                throw new InvalidDataException($"vring {p.Rx.Index}: used len {e.Length} of head {e.Id} is shorter than the {h}-byte virtio-net header");
            var header = VirtioNetHeader.Read(bytes, h);
            int buffers = merge ? header.NumBuffers : 1;
            if (buffers == 0)
                throw new InvalidDataException($"vring {p.Rx.Index}: head {e.Id} has num_buffers 0 with MRG_RXBUF");
            if (buffers == 1)
            {
                frames.Add(new ReceivedFrame(bytes[h..], header, 1, [e]));
                continue;
            }
            var merging = new NetQueuePair.PartialFrame(header, buffers);
            merging.Bytes.AddRange(bytes.AsSpan(h).ToArray());
            merging.Used.Add(e);
            p.Merging = merging;
        }
        return frames;
    }

    /// <summary>
    /// Receives until <paramref name="count"/> frames arrived on pair <paramref name="pair"/> (default wait: the
    /// options' timeout), waiting on the call eventfd in between; throws TimeoutException, with the rings' indices,
    /// if they do not.
    /// </summary>
    public IReadOnlyList<ReceivedFrame> ReceiveFrames(int pair, int count, TimeSpan? timeout = null)
    {
        var wait = timeout ?? Options.Timeout;
        long deadline = Environment.TickCount64 + (long)wait.TotalMilliseconds;
        var p = Pair(pair);
        var frames = new List<ReceivedFrame>();
        while (true)
        {
            frames.AddRange(Receive(pair));
            if (frames.Count >= count)
                return frames;
            if (Environment.TickCount64 >= deadline)
            {
                throw new TimeoutException(
                    $"pair {pair}: {frames.Count} of {count} frames within {wait.TotalSeconds:0.#} s " +
                    $"(rx vring {p.Rx.Index}: avail {p.Rx.AvailIdx}, used {p.Rx.UsedIdx}, {p.RxPostedCount} buffers posted; " +
                    $"tx vring {p.Tx.Index}: avail {p.Tx.AvailIdx}, used {p.Tx.UsedIdx})");
            }
            // A call is a hint, not a promise (EVENT_IDX may suppress it): look at the ring again after a short wait.
            p.Rx.WaitForCall(TimeSpan.FromMilliseconds(10));
        }
    }
}
