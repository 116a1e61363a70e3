using System.Runtime.InteropServices;
using XdpAot.Ports;
using XdpAot.Tests.Vhost.FrontEnd;
using XdpAot.Vhost.Memory;
using XdpAot.Vhost.Virtio;

namespace XdpAot.Tests.Vhost.Virtio;

/// <summary>
/// A driver-side ring in guest RAM of the test's own (the test front-end's <see cref="DriverQueue"/>) and the
/// back-end's view of the same ring (<see cref="SplitQueue"/> over a <see cref="GuestMemory"/> mapped from the same
/// memfds), so a test writes what a guest would and checks what the device does with it. No privileges needed.
/// </summary>
public sealed unsafe class RingFixture : IDisposable
{
    private readonly Segment* _pieces;

    public RingFixture(int size = 8, GuestRamLayout? layout = null, bool eventIdx = false, bool indirect = true, int indirectCapacity = 16)
    {
        Ram = GuestRam.Create(layout ?? GuestRamLayout.Single(4 * GuestRamLayout.MiB));
        Table = new MemoryTable(32);
        Table.Replace(Ram.Regions.Select(r => MemoryRegion.Map(r.Gpa, r.Size, r.UserAddress, r.MmapOffset, r.Fd)).ToList());
        Driver = new DriverQueue(Ram, 0, size, indirectCapacity) { EventIdx = eventIdx };
        Device = Map(size, eventIdx, indirect);
        _pieces = (Segment*)NativeMemory.Alloc((nuint)(ChainReader.MaxSegments * sizeof(Segment)));
    }

    public GuestRam Ram { get; }
    public MemoryTable Table { get; }
    public GuestMemory Memory => Table.View;
    public DriverQueue Driver { get; }
    public SplitQueue Device { get; private set; }

    /// <summary>Maps the back-end's view again (e.g. with other features).</summary>
    public SplitQueue Map(int size, bool eventIdx, bool indirect, ushort nextAvail = 0)
    {
        var q = SplitQueue.Map(Memory, (uint)size, Ram.UserAddress(Driver.DescGpa), Ram.UserAddress(Driver.AvailGpa), Ram.UserAddress(Driver.UsedGpa),
            nextAvail, eventIdx, indirect, out string? error);
        return Device = q ?? throw new InvalidOperationException(error);
    }

    /// <summary>A buffer in guest RAM filled with a recognisable pattern.</summary>
    public ulong Buffer(int length, byte seed = 1, int region = -1)
    {
        ulong gpa = Ram.Alloc((ulong)Math.Max(length, 1), 8, region);
        var span = Ram.Span(gpa, length);
        for (int i = 0; i < length; i++)
            span[i] = (byte)(seed + i);
        return gpa;
    }

    /// <summary>Publishes what the driver added, pops the next head and reads its chain.</summary>
    public ChainStatus ReadNext(bool deviceWritable, out Piece[] pieces, out ulong bytes, ulong maxBytes = ulong.MaxValue)
    {
        Driver.Publish();
        Assert.NotEqual(0u, Device.Available());
        uint head = Device.Pop();
        return Read(head, deviceWritable, out pieces, out bytes, maxBytes);
    }

    public ChainStatus Read(uint head, bool deviceWritable, out Piece[] pieces, out ulong bytes, ulong maxBytes = ulong.MaxValue)
    {
        var status = ChainReader.Read(Device, head, deviceWritable, _pieces, maxBytes, out int count, out bytes);
        pieces = new Piece[count];
        for (int i = 0; i < count; i++)
            pieces[i] = new Piece((nint)_pieces[i].Data, (long)_pieces[i].Length);
        return status;
    }

    /// <summary>The bytes a list of pieces covers, concatenated.</summary>
    public static byte[] Bytes(Piece[] pieces) => pieces.SelectMany(p => new ReadOnlySpan<byte>((void*)p.Data, (int)p.Length).ToArray()).ToArray();

    /// <summary>Our own pointer for a GPA, as the back-end maps it (for comparing with pieces).</summary>
    public nint BackendPointer(ulong gpa) => Memory.TryMapGuest(gpa, 1, out byte* p, out _) ? (nint)p : 0;

    public void Dispose()
    {
        NativeMemory.Free(_pieces);
        Driver.Dispose();
        Table.Dispose();
        Ram.Dispose();
    }
}

/// <summary>One translated piece (pointer and length), managed-friendly for assertions.</summary>
public readonly record struct Piece(nint Data, long Length);
