using System.Runtime.InteropServices;
using XdpAot.Interop;

namespace XdpAot.Cli.Interop;

/// <summary>The bpf(2) system call with the generated <c>bpf_attr</c> (there is no libc wrapper).</summary>
internal static unsafe partial class Posix
{
    private const long SYS_bpf = 321; // x86-64

    [LibraryImport(Libc, EntryPoint = "syscall", SetLastError = true)]
    private static partial long Syscall(long number, long a1, void* a2, long a3);

    /// <summary>Runs a bpf command; returns its result (often a new fd) or -errno.</summary>
    public static int Bpf(bpf_cmd command, bpf_attr* attr)
    {
        long r = Syscall(SYS_bpf, (long)command, attr, sizeof(bpf_attr));
        return r < 0 ? -Errno : (int)r;
    }

    /// <summary>BPF_OBJ_GET_INFO_BY_FD: the kernel's record about a program, map or link fd; 0 or -errno.</summary>
    public static int BpfObjectInfo(int fd, void* info, uint size)
    {
        bpf_attr attr = default;
        attr.info.bpf_fd = (uint)fd;
        attr.info.info_len = size;
        attr.info.info = (ulong)info;
        return Bpf(bpf_cmd.BPF_OBJ_GET_INFO_BY_FD, &attr);
    }
}
