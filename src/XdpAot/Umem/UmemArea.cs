using XdpAot.Interop;

namespace XdpAot.Umem;

/// <summary>
/// The UMEM memory of one queue: one anonymous (or memfd-backed) page-aligned mapping divided into equal frames.
/// </summary>
public sealed unsafe class UmemArea : IDisposable
{
    private byte* _base;

    private UmemArea(byte* mapping, ulong length, uint frameSize, uint frameCount)
    {
        _base = mapping;
        Length = length;
        FrameSize = frameSize;
        FrameCount = frameCount;
    }

    /// <summary>First byte of the area.</summary>
    public byte* Base => _base;

    /// <summary>Size of the area in bytes (frame size × frame count).</summary>
    public ulong Length { get; }

    /// <summary>Size of one frame.</summary>
    public uint FrameSize { get; }

    /// <summary>Number of frames.</summary>
    public uint FrameCount { get; }

    /// <summary>Maps an area of <paramref name="frameCount"/> frames; with <paramref name="fd"/> ≥ 0 maps that file (a memfd) shared.</summary>
    public static UmemArea Map(uint frameSize, uint frameCount, int fd = -1)
    {
        ulong length = (ulong)frameSize * frameCount;
        int flags = fd >= 0 ? Libc.MAP_SHARED : Libc.MAP_PRIVATE | Libc.MAP_ANONYMOUS;
        void* p = Libc.Mmap(null, (nuint)length, Libc.PROT_READ | Libc.PROT_WRITE, flags | Libc.MAP_POPULATE, fd, 0);
        if (p == Libc.MAP_FAILED)
        {
            int errno = Libc.Errno;
            throw new XdpException(-errno, $"cannot map {length >> 20} MiB of UMEM ({frameCount} frames of {frameSize} bytes): {Libc.StrError(errno)}");
        }
        return new UmemArea((byte*)p, length, frameSize, frameCount);
    }

    /// <summary>The frame (or part of it) at a UMEM address.</summary>
    public byte* At(ulong address) => _base + address;

    /// <inheritdoc />
    public void Dispose()
    {
        if (_base != null)
        {
            Libc.Munmap(_base, (nuint)Length);
            _base = null;
        }
    }
}
