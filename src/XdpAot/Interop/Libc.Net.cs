using System.Runtime.InteropServices;

namespace XdpAot.Interop;

internal static unsafe partial class Libc
{
    internal const int IFNAMSIZ = 16;
    internal const ulong SIOCETHTOOL = 0x8946;
    internal const ulong SIOCGIFMTU = 0x8921;
    internal const ulong SIOCGIFHWADDR = 0x8927;

    [LibraryImport(Name, EntryPoint = "if_nametoindex", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial uint IfNameToIndex(string name);

    /// <summary>ioctl(2) is variadic; on x86-64 and arm64 a pointer third argument is passed like a fixed one.</summary>
    [LibraryImport(Name, EntryPoint = "ioctl", SetLastError = true)]
    internal static partial int Ioctl(int fd, ulong request, void* arg);

    /// <summary>struct ifreq: a 16-byte name followed by a 24-byte union; we use the pointer, int and sockaddr arms.</summary>
    [StructLayout(LayoutKind.Explicit, Size = 40)]
    internal struct IfReq
    {
        [FieldOffset(0)] public fixed byte Name[IFNAMSIZ];
        [FieldOffset(16)] public void* Data;
        [FieldOffset(16)] public int Value;
        [FieldOffset(16)] public ushort HwFamily;
        [FieldOffset(18)] public fixed byte HwAddr[14];
    }
}
