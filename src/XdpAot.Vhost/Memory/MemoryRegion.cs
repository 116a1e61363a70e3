using XdpAot.Interop;

namespace XdpAot.Vhost.Memory;

/// <summary>
/// One region of guest memory as the front-end described it (<c>VhostUserMemoryRegion</c>), mapped into this
/// process. The front-end is not trusted: its numbers are checked for overflow, and the fd must be a regular file
/// (memfd, hugetlbfs, /dev/shm) at least as large as the part we map, so that no access inside the region can fault
/// past the end of the file (SIGBUS).
/// </summary>
public sealed unsafe class MemoryRegion : IDisposable
{
    private byte* _mapping;
    private readonly nuint _mappingLength;

    private MemoryRegion(ulong gpa, ulong size, ulong userAddr, ulong mmapOffset, byte* mapping, nuint mappingLength)
    {
        GuestPhysAddr = gpa;
        Size = size;
        UserAddr = userAddr;
        MmapOffset = mmapOffset;
        _mapping = mapping;
        _mappingLength = mappingLength;
        Host = mapping + mmapOffset;
    }

    /// <summary>First guest-physical address of the region.</summary>
    public ulong GuestPhysAddr { get; }

    /// <summary>Bytes in the region.</summary>
    public ulong Size { get; }

    /// <summary>Where the front-end has the region mapped (its user address, QEMU's "QVA"): ring addresses use it.</summary>
    public ulong UserAddr { get; }

    /// <summary>Offset of the region in the file.</summary>
    public ulong MmapOffset { get; }

    /// <summary>The region's first byte in our address space.</summary>
    public byte* Host { get; }

    /// <summary>True when [<paramref name="gpa"/>, +<paramref name="size"/>) and this region share a guest-physical byte.</summary>
    public bool OverlapsGuest(ulong gpa, ulong size) => gpa < GuestPhysAddr + Size && GuestPhysAddr < gpa + size;

    /// <summary>True when the two regions share a front-end user address.</summary>
    public bool OverlapsUser(ulong userAddr, ulong size) => userAddr < UserAddr + Size && UserAddr < userAddr + size;

    /// <summary>
    /// Checks a region description and maps it (the caller keeps ownership of <paramref name="fd"/>; the mapping
    /// outlives it). Throws <see cref="GuestMemoryException"/> naming what is wrong.
    /// </summary>
    public static MemoryRegion Map(ulong gpa, ulong size, ulong userAddr, ulong mmapOffset, int fd)
    {
        if (size == 0)
            throw new GuestMemoryException($"region at GPA 0x{gpa:x} has size 0");
        if (gpa + size < gpa || userAddr + size < userAddr || mmapOffset + size < mmapOffset)
            throw new GuestMemoryException($"region at GPA 0x{gpa:x} size 0x{size:x} overflows (user address 0x{userAddr:x}, mmap offset 0x{mmapOffset:x})");
        ulong length = mmapOffset + size;
        if (length > (ulong)nint.MaxValue)
            throw new GuestMemoryException($"region at GPA 0x{gpa:x}: mmap offset 0x{mmapOffset:x} + size 0x{size:x} is too large to map");
        if (!Libc.TryFileInfo(fd, out uint type, out long fileSize))
            throw new GuestMemoryException($"region at GPA 0x{gpa:x}: fd {fd} cannot be inspected: {Libc.StrError(Libc.Errno)}");
        if (type != Libc.S_IFREG)
            throw new GuestMemoryException($"region at GPA 0x{gpa:x}: fd {fd} is not a memory file (memfd, hugetlbfs or shm)");
        if ((ulong)fileSize < length)
            throw new GuestMemoryException($"region at GPA 0x{gpa:x}: the file holds {fileSize} bytes but the region needs {length} (mmap offset + size)");
        // The whole file from offset 0: mmap needs a page-aligned offset, mmap_offset need not be one.
        void* p = Libc.Mmap(null, (nuint)length, Libc.PROT_READ | Libc.PROT_WRITE, Libc.MAP_SHARED | Libc.MAP_NORESERVE, fd, 0);
        if (p == Libc.MAP_FAILED)
            throw new GuestMemoryException($"region at GPA 0x{gpa:x} size 0x{size:x}: mmap failed: {Libc.StrError(Libc.Errno)}");
        return new MemoryRegion(gpa, size, userAddr, mmapOffset, (byte*)p, (nuint)length);
    }

    /// <summary>Unmaps the region. Nothing may use it afterwards: the bridge is paused before a region goes.</summary>
    public void Dispose()
    {
        if (_mapping is null)
            return;
        Libc.Munmap(_mapping, _mappingLength);
        _mapping = null;
    }

    /// <inheritdoc />
    public override string ToString() => $"GPA 0x{GuestPhysAddr:x}-0x{GuestPhysAddr + Size - 1:x} (user 0x{UserAddr:x}, offset 0x{MmapOffset:x})";
}

/// <summary>A memory description from the front-end that cannot be used.</summary>
public sealed class GuestMemoryException(string message) : Exception(message);
