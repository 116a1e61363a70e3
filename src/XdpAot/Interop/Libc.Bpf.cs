using System.Runtime.InteropServices;

namespace XdpAot.Interop;

internal static unsafe partial class Libc
{
    internal const long SYS_bpf = 321; // x86-64
    internal const long SYS_setns = 308;
    internal const uint BPF_FS_MAGIC = 0xcafe4a11;

    /// <summary>syscall(2) is variadic; all our arguments are integers or pointers, passed in the same registers.</summary>
    [LibraryImport(Name, EntryPoint = "syscall", SetLastError = true)]
    internal static partial long Syscall(long number, long a1, void* a2, long a3);

    [LibraryImport(Name, EntryPoint = "statfs", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int StatFs(string path, StatFsBuf* buf);

    [StructLayout(LayoutKind.Explicit, Size = 120)]
    internal struct StatFsBuf
    {
        [FieldOffset(0)] public long Type;
    }
}
