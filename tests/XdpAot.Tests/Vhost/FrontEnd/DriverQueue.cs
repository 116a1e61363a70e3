namespace XdpAot.Tests.Vhost.FrontEnd;

/// <summary>
/// A split virtqueue, driver side: the descriptor table, avail ring and used ring laid out in guest RAM
/// (legacy-style, one block: desc at 0, avail at 16N, used at the next 4-byte boundary), plus the kick, call and
/// error eventfds. The normal path is AddChain → Publish → Kick, then TakeUsed; the Write/Set methods write any
/// value at all, for tests that feed a device loops, out-of-range indexes and avail-idx jumps.
/// </summary>
public sealed unsafe class DriverQueue : IDisposable
{
    private readonly GuestRam _ram;
    private readonly byte* _desc;
    private readonly byte* _avail;
    private readonly byte* _used;
    private readonly Stack<ushort> _free = new();
    private readonly ushort[]?[] _chains;
    private readonly ulong _indirectGpa;
    private ushort _nextAvail;
    private ushort _published;
    private ushort _lastKicked;
    private ushort _lastUsed;

    /// <param name="ram">Where the rings (and indirect tables) go.</param>
    /// <param name="index">The vring index (rx of pair k is 2k, tx is 2k+1); named in every error.</param>
    /// <param name="size">Queue size N, a power of 2 up to 32768.</param>
    /// <param name="indirectCapacity">Descriptors per indirect table (one table per head); 0 for none.</param>
    /// <param name="usedAlign">Alignment of the used ring (4 for virtio 1.x, 4096 for the legacy layout).</param>
    /// <param name="region">Guest RAM region for the rings.</param>
    public DriverQueue(GuestRam ram, int index, int size, int indirectCapacity = 16, ulong usedAlign = SplitRing.UsedAlign, int region = 0)
    {
        if (size < 1 || size > SplitRing.MaxSize || (size & (size - 1)) != 0)
            throw new ArgumentOutOfRangeException(nameof(size), size, $"vring {index}: queue size must be a power of 2 up to {SplitRing.MaxSize}");
        if (usedAlign < SplitRing.UsedAlign || (usedAlign & (usedAlign - 1)) != 0)
            throw new ArgumentOutOfRangeException(nameof(usedAlign), usedAlign, $"vring {index}: used ring alignment must be a power of 2, at least 4");
        _ram = ram;
        Index = index;
        Size = size;
        IndirectCapacity = indirectCapacity;
        ulong availOffset = (ulong)SplitRing.DescTableSize(size);
        ulong usedOffset = (availOffset + (ulong)SplitRing.AvailSize(size) + usedAlign - 1) & ~(usedAlign - 1);
        DescGpa = ram.Alloc(usedOffset + (ulong)SplitRing.UsedSize(size), 4096, region);
        AvailGpa = DescGpa + availOffset;
        UsedGpa = DescGpa + usedOffset;
        _desc = ram.Pointer(DescGpa, (ulong)SplitRing.DescTableSize(size));
        _avail = ram.Pointer(AvailGpa, (ulong)SplitRing.AvailSize(size));
        _used = ram.Pointer(UsedGpa, (ulong)SplitRing.UsedSize(size));
        if (indirectCapacity > 0)
            _indirectGpa = ram.Alloc((ulong)size * (ulong)indirectCapacity * SplitRing.DescSize, SplitRing.DescAlign, region);
        _chains = new ushort[]?[size];
        KickFd = new EventFd();
        CallFd = new EventFd();
        ErrFd = new EventFd();
        Reset();
    }

    public int Index { get; }

    public int Size { get; }

    public int IndirectCapacity { get; }

    public ulong DescGpa { get; }

    public ulong AvailGpa { get; }

    public ulong UsedGpa { get; }

    /// <summary>The driver → device notifier (SET_VRING_KICK).</summary>
    public EventFd KickFd { get; }

    /// <summary>The device → driver notifier (SET_VRING_CALL).</summary>
    public EventFd CallFd { get; }

    /// <summary>The device's error notifier (SET_VRING_ERR).</summary>
    public EventFd ErrFd { get; }

    /// <summary>Whether EVENT_IDX was negotiated: then used_event/avail_event replace the two flags.</summary>
    public bool EventIdx { get; set; }

    /// <summary>Free descriptors in the table.</summary>
    public int FreeDescriptors => _free.Count;

    /// <summary>Chains added and not yet returned through the used ring.</summary>
    public int InFlight { get; private set; }

    /// <summary>Used entries whose id was not a chain in flight (a device bug, or a hostile test's raw chain).</summary>
    public int UnknownCompletions { get; private set; }

    /// <summary>The avail idx the device can see (the last <see cref="Publish"/>).</summary>
    public ushort AvailIdx => _published;

    /// <summary>The avail idx the next chain will be published under.</summary>
    public ushort NextAvailIdx => _nextAvail;

    /// <summary>The used idx up to which the driver has taken entries.</summary>
    public ushort LastUsedIdx => _lastUsed;

    /// <summary>The device's used idx, as it is in memory now (acquire load).</summary>
    public ushort UsedIdx => Volatile.Read(ref *(ushort*)(_used + SplitRing.UsedIdxOffset));

    /// <summary>virtq_used.flags as the device left them.</summary>
    public ushort UsedFlags => Volatile.Read(ref *(ushort*)(_used + SplitRing.UsedFlagsOffset));

    /// <summary>The device asks not to be kicked (NO_NOTIFY; meaningful without EVENT_IDX).</summary>
    public bool DeviceNoNotify => (UsedFlags & SplitRing.UsedFNoNotify) != 0;

    /// <summary>avail_event: with EVENT_IDX, the device wants a kick once avail idx passes it.</summary>
    public ushort AvailEvent => Volatile.Read(ref *(ushort*)(_used + SplitRing.AvailEventOffset(Size)));

    /// <summary>used_event: with EVENT_IDX, the driver wants a call once used idx passes it.</summary>
    public ushort UsedEvent
    {
        get => Volatile.Read(ref *(ushort*)(_avail + SplitRing.UsedEventOffset(Size)));
        set => Volatile.Write(ref *(ushort*)(_avail + SplitRing.UsedEventOffset(Size)), value);
    }

    /// <summary>virtq_avail.flags NO_INTERRUPT: the driver asks for no calls (without EVENT_IDX).</summary>
    public bool NoInterrupt
    {
        get => (Volatile.Read(ref *(ushort*)(_avail + SplitRing.AvailFlagsOffset)) & SplitRing.AvailFNoInterrupt) != 0;
        set => Volatile.Write(ref *(ushort*)(_avail + SplitRing.AvailFlagsOffset), value ? SplitRing.AvailFNoInterrupt : (ushort)0);
    }

    /// <summary>GPA of the indirect table that belongs to head <paramref name="head"/>.</summary>
    public ulong IndirectTableGpa(int head) => IndirectCapacity > 0
        ? _indirectGpa + (ulong)head * (ulong)IndirectCapacity * SplitRing.DescSize
        : throw new InvalidOperationException($"vring {Index}: created without indirect tables");

    /// <summary>
    /// Writes a chain (each segment one descriptor, linked with NEXT; WRITE on writable ones) and puts its head in
    /// the avail ring, unpublished. With <paramref name="indirect"/> the chain goes into the head's indirect table and
    /// the ring holds one INDIRECT descriptor. Returns the head.
    /// </summary>
    public ushort AddChain(ReadOnlySpan<ChainSegment> segments, bool indirect = false)
    {
        if (segments.IsEmpty)
            throw new ArgumentException($"vring {Index}: a chain needs at least one segment", nameof(segments));
        int needed = indirect ? 1 : segments.Length;
        if (indirect && segments.Length > IndirectCapacity)
            throw new ArgumentException($"vring {Index}: {segments.Length} segments exceed the indirect table capacity {IndirectCapacity}", nameof(segments));
        if (_free.Count < needed)
            throw new InvalidOperationException($"vring {Index}: {needed} descriptors needed, {_free.Count} free (queue size {Size}, {InFlight} chains in flight)");
        var used = new ushort[needed];
        for (int i = 0; i < needed; i++)
            used[i] = _free.Pop();
        ushort head = used[0];
        if (indirect)
        {
            ulong table = IndirectTableGpa(head);
            byte* t = _ram.Pointer(table, (ulong)segments.Length * SplitRing.DescSize);
            for (int i = 0; i < segments.Length; i++)
                Store(t, i, segments[i], i + 1 < segments.Length ? (ushort)(i + 1) : null);
            WriteDescriptor(head, table, (uint)(segments.Length * SplitRing.DescSize), SplitRing.DescFIndirect, 0);
        }
        else
        {
            for (int i = 0; i < segments.Length; i++)
                Store(_desc, used[i], segments[i], i + 1 < segments.Length ? used[i + 1] : null);
        }
        _chains[head] = used;
        InFlight++;
        SetAvailRing(_nextAvail & (Size - 1), head);
        _nextAvail++;
        return head;
    }

    private static void Store(byte* table, int index, ChainSegment s, ushort? next)
    {
        ushort flags = (ushort)((s.Writable ? SplitRing.DescFWrite : 0) | (next.HasValue ? SplitRing.DescFNext : 0));
        StoreDescriptor(table, index, s.Gpa, s.Length, flags, next ?? 0);
    }

    private static void StoreDescriptor(byte* table, int index, ulong addr, uint len, ushort flags, ushort next)
    {
        byte* d = table + index * SplitRing.DescSize;
        *(ulong*)(d + SplitRing.DescAddrOffset) = addr;
        *(uint*)(d + SplitRing.DescLenOffset) = len;
        *(ushort*)(d + SplitRing.DescFlagsOffset) = flags;
        *(ushort*)(d + SplitRing.DescNextOffset) = next;
    }

    /// <summary>
    /// Raw: puts <paramref name="head"/> in the next avail slot (unpublished) without tracking a chain for it, for
    /// descriptors a test wrote itself with <see cref="WriteDescriptor"/> (loops, bad indexes, bad flags).
    /// </summary>
    public void AddRawHead(ushort head)
    {
        SetAvailRing(_nextAvail & (Size - 1), head);
        _nextAvail++;
    }

    /// <summary>Makes every added chain visible: a release store of avail idx, after the descriptors and ring slots.</summary>
    public void Publish()
    {
        Volatile.Write(ref *(ushort*)(_avail + SplitRing.AvailIdxOffset), _nextAvail);
        _published = _nextAvail;
    }

    /// <summary>
    /// Kicks the device if it wants to be kicked: without EVENT_IDX unless it set NO_NOTIFY, with EVENT_IDX when
    /// avail idx passed avail_event since the last kick. <paramref name="force"/> kicks regardless. True if kicked.
    /// </summary>
    public bool Kick(bool force = false)
    {
        // The published idx must be visible before the device's suppression fields are read (a full fence, as
        // virtio_mb() in Linux), or a device that just went to sleep could be missed.
        Interlocked.MemoryBarrier();
        bool wanted = force || (EventIdx ? NeedEvent(AvailEvent, _published, _lastKicked) : !DeviceNoNotify);
        _lastKicked = _published;
        if (wanted)
            KickFd.Signal();
        return wanted;
    }

    /// <summary>virtio's vring_need_event: did moving an index from <paramref name="oldIdx"/> to <paramref name="newIdx"/> pass <paramref name="eventIdx"/>?</summary>
    public static bool NeedEvent(ushort eventIdx, ushort newIdx, ushort oldIdx) =>
        (ushort)(newIdx - eventIdx - 1) < (ushort)(newIdx - oldIdx);

    /// <summary>
    /// Takes the entries the device added to the used ring since the last call (acquire load of used idx), and
    /// frees the descriptors of the chains they complete. Throws if used idx ran more than a ring ahead.
    /// </summary>
    public IReadOnlyList<UsedElement> TakeUsed(int max = int.MaxValue)
    {
        ushort deviceIdx = UsedIdx;
        int pending = (ushort)(deviceIdx - _lastUsed);
        if (pending > Size)
            throw new InvalidDataException($"vring {Index}: the device's used idx {deviceIdx} is {pending} entries ahead of the driver's {_lastUsed}, more than the queue size {Size}");
        int count = Math.Min(pending, max);
        var elements = new UsedElement[count];
        for (int k = 0; k < count; k++)
        {
            byte* e = _used + SplitRing.UsedRingOffset + (_lastUsed & (Size - 1)) * SplitRing.UsedElemSize;
            var element = new UsedElement(*(uint*)e, *(uint*)(e + 4));
            Release(element.Id);
            elements[k] = element;
            _lastUsed++;
        }
        return elements;
    }

    private void Release(uint head)
    {
        if (head >= (uint)Size || _chains[head] is not { } chain)
        {
            UnknownCompletions++;
            return;
        }
        for (int i = chain.Length - 1; i >= 0; i--)
            _free.Push(chain[i]);
        _chains[head] = null;
        InFlight--;
    }

    /// <summary>Asks for a call on the next used entry: used_event = last taken idx with EVENT_IDX, else clears NO_INTERRUPT.</summary>
    public void ArmCall()
    {
        if (EventIdx)
            UsedEvent = _lastUsed;
        else
            NoInterrupt = false;
    }

    /// <summary>Waits for the device to signal the call eventfd; false on timeout.</summary>
    public bool WaitForCall(TimeSpan timeout) => CallFd.Wait(timeout);

    /// <summary>Raw: writes descriptor <paramref name="index"/> of the table with any values.</summary>
    public void WriteDescriptor(int index, ulong addr, uint len, ushort flags, ushort next)
    {
        CheckSlot(index, nameof(index));
        StoreDescriptor(_desc, index, addr, len, flags, next);
    }

    public VirtqDescriptor ReadDescriptor(int index)
    {
        CheckSlot(index, nameof(index));
        return ReadDescriptorAt(DescGpa + (ulong)index * SplitRing.DescSize);
    }

    /// <summary>Reads a descriptor anywhere in guest RAM (an indirect table entry, say).</summary>
    public VirtqDescriptor ReadDescriptorAt(ulong gpa)
    {
        byte* d = _ram.Pointer(gpa, SplitRing.DescSize);
        return new VirtqDescriptor(*(ulong*)d, *(uint*)(d + SplitRing.DescLenOffset), *(ushort*)(d + SplitRing.DescFlagsOffset), *(ushort*)(d + SplitRing.DescNextOffset));
    }

    /// <summary>Raw: stores avail idx (release), any value, jumps and decrements included; later chains follow it.</summary>
    public void SetAvailIdx(ushort value)
    {
        _nextAvail = value;
        Publish();
    }

    /// <summary>Raw: writes avail->ring[<paramref name="slot"/>] = <paramref name="head"/> (any head, in range or not).</summary>
    public void SetAvailRing(int slot, ushort head)
    {
        CheckSlot(slot, nameof(slot));
        *(ushort*)(_avail + SplitRing.AvailRingOffset + slot * 2) = head;
    }

    public ushort ReadAvailRing(int slot)
    {
        CheckSlot(slot, nameof(slot));
        return *(ushort*)(_avail + SplitRing.AvailRingOffset + slot * 2);
    }

    private void CheckSlot(int slot, string name)
    {
        if ((uint)slot >= (uint)Size)
            throw new ArgumentOutOfRangeException(name, slot, $"vring {Index}: the table has {Size} entries");
    }

    /// <summary>Back to a fresh queue: rings zeroed, all descriptors free, indices 0, notifiers drained.</summary>
    public void Reset()
    {
        new Span<byte>(_desc, (int)(UsedGpa - DescGpa) + SplitRing.UsedSize(Size)).Clear();
        _free.Clear();
        for (int i = Size - 1; i >= 0; i--)
            _free.Push((ushort)i);
        Array.Clear(_chains);
        _nextAvail = _published = _lastKicked = _lastUsed = 0;
        InFlight = 0;
        UnknownCompletions = 0;
        KickFd.Consume();
        CallFd.Consume();
        ErrFd.Consume();
    }

    public void Dispose()
    {
        KickFd.Dispose();
        CallFd.Dispose();
        ErrFd.Dispose();
    }
}
