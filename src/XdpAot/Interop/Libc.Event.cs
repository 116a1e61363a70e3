using System.Runtime.InteropServices;

namespace XdpAot.Interop;

internal static unsafe partial class Libc
{
    internal const int EFD_CLOEXEC = 0x80000;
    internal const int EFD_NONBLOCK = 0x800;

    [LibraryImport(Name, EntryPoint = "eventfd", SetLastError = true)]
    internal static partial int EventFd(uint initialValue, int flags);

    [LibraryImport(Name, EntryPoint = "read", SetLastError = true)]
    internal static partial nint Read(int fd, void* buffer, nuint count);

    [LibraryImport(Name, EntryPoint = "write", SetLastError = true)]
    internal static partial nint Write(int fd, void* buffer, nuint count);

    /// <summary>Adds 1 to an eventfd (a kick or a call); the value itself means nothing to the reader.</summary>
    internal static void SignalEventFd(int fd)
    {
        ulong one = 1;
        Write(fd, &one, sizeof(ulong));
    }

    /// <summary>Resets a non-blocking eventfd's counter; true if it was signalled.</summary>
    internal static bool DrainEventFd(int fd)
    {
        ulong value;
        return Read(fd, &value, sizeof(ulong)) == sizeof(ulong);
    }
}
