using XdpAot.Interop;

namespace XdpAot.Ebpf;

/// <summary>The bpf(2) system call. There is no libc wrapper, and we want no libbpf at run time.</summary>
internal static unsafe class BpfSyscall
{
    /// <summary>Runs a command; returns its result (often a new fd) or -errno.</summary>
    public static int Call(bpf_cmd command, bpf_attr* attr)
    {
        long r = Libc.Syscall(Libc.SYS_bpf, (long)command, attr, sizeof(bpf_attr));
        return r < 0 ? -Libc.Errno : (int)r;
    }

    /// <summary>Reads the kernel's info record about a BPF object fd (program, map or link).</summary>
    public static int GetInfo(int fd, void* info, uint size)
    {
        bpf_attr attr = default;
        attr.info.bpf_fd = (uint)fd;
        attr.info.info_len = size;
        attr.info.info = (ulong)info;
        return Call(bpf_cmd.BPF_OBJ_GET_INFO_BY_FD, &attr);
    }
}
