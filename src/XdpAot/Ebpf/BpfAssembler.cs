using XdpAot.Interop;

namespace XdpAot.Ebpf;

/// <summary>
/// Encodes the few eBPF instructions our programs use (the kernel's BPF_* instruction macros, as values).
/// </summary>
public static class BpfAssembler
{
    /// <summary>dst = *(u32 *)(src + off)</summary>
    public static bpf_insn LoadWord(uint dst, uint src, short off) =>
        Insn(Bpf.BPF_LDX | Bpf.BPF_W | Bpf.BPF_MEM, dst, src, off, 0);

    /// <summary>dst = imm (64-bit register, 32-bit immediate)</summary>
    public static bpf_insn MovImm(uint dst, int imm) =>
        Insn(Bpf.BPF_ALU64 | Bpf.BPF_MOV | Bpf.BPF_K, dst, 0, 0, imm);

    /// <summary>dst = map (a 16-byte ld_imm64 whose source register marks the immediate as a map fd).</summary>
    public static (bpf_insn First, bpf_insn Second) LoadMapFd(uint dst, int mapFd) =>
        (Insn(Bpf.BPF_LD | Bpf.BPF_DW | Bpf.BPF_IMM, dst, Bpf.BPF_PSEUDO_MAP_FD, 0, mapFd), Insn(0, 0, 0, 0, 0));

    /// <summary>Calls a helper function by id.</summary>
    public static bpf_insn Call(bpf_func_id helper) =>
        Insn(Bpf.BPF_JMP | Bpf.BPF_CALL, 0, 0, 0, (int)helper);

    /// <summary>Returns r0.</summary>
    public static bpf_insn Exit() => Insn(Bpf.BPF_JMP | Bpf.BPF_EXIT, 0, 0, 0, 0);

    private static bpf_insn Insn(int code, uint dst, uint src, short off, int imm)
    {
        var insn = new bpf_insn { code = (byte)code, off = off, imm = imm };
        insn.dst_reg = (byte)dst;
        insn.src_reg = (byte)src;
        return insn;
    }
}
