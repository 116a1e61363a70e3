namespace XdpAot.Tests.Vhost.FrontEnd;

/// <summary>
/// Fixed-size packet buffers in guest RAM with a free stack: one slot per chain in flight, so a queue of size N
/// needs N slots. Rings are fixed once created; slots let buffers be reused without growing guest RAM.
/// </summary>
public sealed class BufferSlots
{
    private readonly Stack<ulong> _free = new();

    public BufferSlots(GuestRam ram, int count, int slotSize, int region)
    {
        if (count < 1 || slotSize < 1)
            throw new ArgumentOutOfRangeException(nameof(count), $"{count} slots of {slotSize} bytes");
        Count = count;
        SlotSize = slotSize;
        BaseGpa = ram.Alloc((ulong)count * (ulong)slotSize, 64, region);
        Reset();
    }

    public int Count { get; }

    public int SlotSize { get; }

    public ulong BaseGpa { get; }

    public int Free => _free.Count;

    /// <summary>A free slot's GPA; throws when all are in use.</summary>
    public ulong Take() => _free.Count > 0
        ? _free.Pop()
        : throw new InvalidOperationException($"all {Count} buffer slots of {SlotSize} bytes are in use");

    public void Give(ulong gpa) => _free.Push(gpa);

    public void Reset()
    {
        _free.Clear();
        for (int i = Count - 1; i >= 0; i--)
            _free.Push(BaseGpa + (ulong)i * (ulong)SlotSize);
    }
}
