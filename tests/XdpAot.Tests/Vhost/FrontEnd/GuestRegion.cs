namespace XdpAot.Tests.Vhost.FrontEnd;

/// <summary>
/// One region of guest RAM: its own memfd, mapped shared in this process. <see cref="UserAddress"/> is where
/// GPA <see cref="Gpa"/> lives here, which is what a front-end reports as userspace_addr and what ring
/// addresses are expressed in (as QEMU does).
/// </summary>
public sealed unsafe class GuestRegion : IDisposable
{
    private readonly OwnedFd _fd;
    private readonly byte* _mapping;
    private readonly ulong _mappingLength;
    private ulong _allocated;

    private GuestRegion(int index, GuestRegionSpec spec, bool hugetlb, OwnedFd fd, byte* mapping, ulong mappingLength)
    {
        Index = index;
        Gpa = spec.Gpa;
        Size = spec.Size;
        MmapOffset = spec.FileOffset;
        IsHugetlb = hugetlb;
        _fd = fd;
        _mapping = mapping;
        _mappingLength = mappingLength;
    }

    public int Index { get; }

    public ulong Gpa { get; }

    public ulong Size { get; }

    /// <summary>Offset of the region's first byte in its memfd.</summary>
    public ulong MmapOffset { get; }

    public bool IsHugetlb { get; }

    /// <summary>The memfd (what SET_MEM_TABLE / ADD_MEM_REG pass).</summary>
    public int Fd => _fd.Value;

    /// <summary>This process's address of the region's first byte.</summary>
    public ulong UserAddress => (ulong)(_mapping + MmapOffset);

    /// <summary>Bytes handed out by <see cref="GuestRam.Alloc"/> so far.</summary>
    public ulong Allocated => _allocated;

    public ulong End => Gpa + Size;

    public MemoryRegionDescription Description => new(Gpa, Size, UserAddress, MmapOffset);

    public bool Contains(ulong gpa, ulong length) => gpa >= Gpa && length <= Size && gpa - Gpa <= Size - length;

    internal byte* PointerAt(ulong gpa) => _mapping + MmapOffset + (gpa - Gpa);

    internal static GuestRegion Create(int index, GuestRegionSpec spec, bool hugetlb)
    {
        ulong pageSize = hugetlb ? GuestRamLayout.HugePageSize : (ulong)Environment.SystemPageSize;
        if (spec.Size == 0 || spec.Size % pageSize != 0 || spec.FileOffset % pageSize != 0)
            throw new ArgumentException($"guest region {index}: size 0x{spec.Size:x} and file offset 0x{spec.FileOffset:x} must be non-zero multiples of the page size 0x{pageSize:x}");
        uint flags = Native.MFD_CLOEXEC | (hugetlb ? Native.MFD_HUGETLB | Native.MFD_HUGE_2MB : 0);
        var fd = new OwnedFd(Native.Check(Native.MemfdCreate($"xdpaot-guest{index}", flags), $"memfd_create for guest region {index}{(hugetlb ? " (hugetlb)" : "")}"));
        try
        {
            ulong length = spec.FileOffset + spec.Size;
            Native.Check(Native.Ftruncate(fd.Value, (long)length), $"ftruncate guest region {index} to 0x{length:x}");
            void* p = Native.Mmap(null, (nuint)length, Native.PROT_READ | Native.PROT_WRITE, Native.MAP_SHARED, fd.Value, 0);
            if (p == (void*)-1)
            {
                int errno = Native.Errno;
                string hint = hugetlb ? $" (hugetlb needs {length / GuestRamLayout.HugePageSize} free 2 MiB pages; HugePages_Free is {GuestRam.FreeHugePages()})" : "";
                throw Native.Failure($"mmap guest region {index} (0x{length:x} bytes){hint}", errno);
            }
            return new GuestRegion(index, spec, hugetlb, fd, (byte*)p, length);
        }
        catch
        {
            fd.Dispose();
            throw;
        }
    }

    /// <summary>Carves <paramref name="size"/> bytes aligned to <paramref name="align"/>; null if they do not fit.</summary>
    internal ulong? TryAlloc(ulong size, ulong align)
    {
        ulong start = (Gpa + _allocated + align - 1) & ~(align - 1);
        ulong offset = start - Gpa;
        if (offset > Size || size > Size - offset)
            return null;
        _allocated = offset + size;
        return start;
    }

    public void Dispose()
    {
        if (_fd.IsClosed)
            return;
        Native.Munmap(_mapping, (nuint)_mappingLength);
        _fd.Dispose();
    }
}
