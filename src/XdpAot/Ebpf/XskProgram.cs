using System.Runtime.InteropServices;
using System.Text;
using XdpAot.Interop;

namespace XdpAot.Ebpf;

/// <summary>
/// The default XSK program, the one libxdp loads for kernels since 5.3:
/// <code>return bpf_redirect_map(&amp;xsks_map, ctx->rx_queue_index, XDP_PASS);</code>
/// Frames of queues with a socket in the map go to that socket; all others go up the stack.
/// </summary>
public static unsafe class XskProgram
{
    /// <summary>The program's instructions for an XSKMAP fd.</summary>
    public static bpf_insn[] Instructions(int mapFd)
    {
        var (ld0, ld1) = BpfAssembler.LoadMapFd(Bpf.BPF_REG_1, mapFd);
        return
        [
            // r2 = ctx->rx_queue_index (r1 holds struct xdp_md *ctx on entry)
            BpfAssembler.LoadWord(Bpf.BPF_REG_2, Bpf.BPF_REG_1, (short)Marshal.OffsetOf<xdp_md>(nameof(xdp_md.rx_queue_index))),
            ld0, ld1,
            // The low bits of the flags argument are the action when the key has no socket.
            BpfAssembler.MovImm(Bpf.BPF_REG_3, (int)xdp_action.XDP_PASS),
            BpfAssembler.Call(bpf_func_id.BPF_FUNC_redirect_map),
            BpfAssembler.Exit(),
        ];
    }

    /// <summary>Loads the program for an XSKMAP; returns the program fd. Verifier output goes into the error.</summary>
    public static int Load(int mapFd, string ifName)
    {
        var insns = Instructions(mapFd);
        var license = "GPL\0"u8;
        const int logSize = 64 * 1024;
        byte* log = (byte*)NativeMemory.AllocZeroed(logSize);
        try
        {
            fixed (bpf_insn* code = insns)
            fixed (byte* lic = license)
            {
                bpf_attr attr = default;
                attr.prog_type = (uint)bpf_prog_type.BPF_PROG_TYPE_XDP;
                attr.insn_cnt = (uint)insns.Length;
                attr.insns = (ulong)code;
                attr.license = (ulong)lic;
                attr.expected_attach_type = (uint)bpf_attach_type.BPF_XDP;
                WriteName(attr.prog_name, "xdpaot_xsk");
                int fd = BpfSyscall.Call(bpf_cmd.BPF_PROG_LOAD, &attr);
                if (fd >= 0)
                    return fd;
                // Ask again with the verifier log so the error says why.
                attr.log_level = 1;
                attr.log_size = logSize;
                attr.log_buf = (ulong)log;
                int again = BpfSyscall.Call(bpf_cmd.BPF_PROG_LOAD, &attr);
                if (again >= 0)
                    return again;
                string verifier = Marshal.PtrToStringUTF8((nint)log)?.Trim() ?? "";
                throw new XdpException(fd, $"{ifName}: cannot load the XSK program: {Libc.StrError(-fd)}" +
                    (verifier.Length > 0 ? $"; verifier: {verifier}" : "") +
                    (fd == -Errno.EPERM ? " (needs CAP_BPF and CAP_NET_ADMIN, or root)" : ""));
            }
        }
        finally
        {
            NativeMemory.Free(log);
        }
    }

    internal static void WriteName(byte* field, string name)
    {
        int n = Encoding.ASCII.GetBytes(name, new Span<byte>(field, (int)Bpf.BPF_OBJ_NAME_LEN - 1));
        field[n] = 0;
    }
}
