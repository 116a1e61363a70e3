using System.Runtime.InteropServices;
using XdpAot.Ebpf;
using XdpAot.Interop;

namespace XdpAot.Tests.Core;

public class BpfEncodingTests
{
    [Fact]
    public void Default_xsk_program_encodes_to_the_known_bytes()
    {
        var insns = XskProgram.Instructions(mapFd: 7);
        byte[] bytes = MemoryMarshal.AsBytes(insns.AsSpan()).ToArray();
        byte[] expected = Convert.FromHexString(
            "6112100000000000" + // r2 = *(u32 *)(r1 + 16)      ctx->rx_queue_index
            "1811000007000000" + // r1 = map fd 7 (ld_imm64, src = BPF_PSEUDO_MAP_FD)
            "0000000000000000" +
            "b703000002000000" + // r3 = XDP_PASS
            "8500000033000000" + // call bpf_redirect_map (51)
            "9500000000000000"); // exit
        Assert.Equal(Convert.ToHexString(expected), Convert.ToHexString(bytes));
    }

    [Fact]
    public void Register_bitfields_pack_destination_in_the_low_nibble()
    {
        var insn = BpfAssembler.LoadWord(dst: 2, src: 1, off: 16);
        Assert.Equal(2, insn.dst_reg);
        Assert.Equal(1, insn.src_reg);
        Assert.Equal(0x12, MemoryMarshal.AsBytes(new ReadOnlySpan<bpf_insn>(in insn))[1]);
    }
}
