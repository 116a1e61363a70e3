using System.Runtime.InteropServices;

namespace XdpAot.Interop;

internal static unsafe partial class Libc
{
    internal const uint S_IFMT = 0xf000;
    internal const uint S_IFREG = 0x8000;
    internal const uint S_IFSOCK = 0xc000;
    internal const int F_GET_SEALS = 1034;
    internal const int F_SEAL_SHRINK = 0x0002;

    [LibraryImport(Name, EntryPoint = "fstat", SetLastError = true)]
    private static partial int FStat(int fd, byte* statBuffer);

    /// <summary>The file type bits and size of an open fd (struct stat on x86-64: st_mode at 24, st_size at 48).</summary>
    internal static bool TryFileInfo(int fd, out uint type, out long size)
    {
        byte* st = stackalloc byte[256]; // struct stat is 144 bytes on x86-64
        if (FStat(fd, st) != 0)
        {
            type = 0;
            size = 0;
            return false;
        }
        type = *(uint*)(st + 24) & S_IFMT;
        size = *(long*)(st + 48);
        return true;
    }

    [LibraryImport(Name, EntryPoint = "unlink", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int Unlink(string path);

    [LibraryImport(Name, EntryPoint = "lstat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int LStat(string path, byte* statBuffer);

    /// <summary>The S_IFMT bits of a path (not following a final symlink), or null when it does not exist.</summary>
    internal static uint? FileType(string path)
    {
        byte* st = stackalloc byte[256];
        if (LStat(path, st) != 0)
            return null;
        return *(uint*)(st + 24) & S_IFMT;
    }
}
