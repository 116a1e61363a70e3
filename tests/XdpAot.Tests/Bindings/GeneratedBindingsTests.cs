using System.Reflection;
using System.Runtime.InteropServices;
using XdpAot.Interop;

namespace XdpAot.Tests.Bindings;

/// <summary>The generated API the rest of the code base uses: names, C# types and values.</summary>
public class GeneratedBindingsTests
{
    [Fact]
    public void Constants_HaveTheirCTypesAndValues()
    {
        Assert.Equal(0x100000000UL, IfXdp.XDP_UMEM_PGOFF_FILL_RING);
        Assert.Equal(0x180000000UL, IfXdp.XDP_UMEM_PGOFF_COMPLETION_RING);
        Assert.Equal(0x80000000U, IfXdp.XDP_PGOFF_TX_RING);
        Assert.Equal(0, IfXdp.XDP_PGOFF_RX_RING);
        Assert.Equal((1UL << 48) - 1, IfXdp.XSK_UNALIGNED_BUF_ADDR_MASK);
        Assert.Equal(8, IfXdp.XDP_USE_NEED_WAKEUP);
        Assert.Equal(1 << 4, IfXdp.XDP_USE_SG);              // supplementary header
        Assert.Equal(1, IfXdp.XDP_PKT_CONTD);
        Assert.Equal(2, IfXdp.XDP_TX_METADATA);
        Assert.Equal(2, IfXdp.XDP_UMEM_TX_SW_CSUM);
        Assert.Equal(4, IfXdp.XDP_UMEM_TX_METADATA_LEN);
        Assert.Equal(2, IfXdp.XDP_TXMD_FLAGS_CHECKSUM);
        Assert.Equal(2U, IfLink.XDP_FLAGS_SKB_MODE);
        Assert.Equal(4U, IfLink.XDP_FLAGS_DRV_MODE);
        Assert.Equal(32U, Bpf.BPF_F_XDP_HAS_FRAGS);
        Assert.Equal(16U, Bpf.BPF_OBJ_NAME_LEN);
        Assert.Equal(0x07, Bpf.BPF_ALU64);
        Assert.Equal(0x95, Bpf.BPF_JMP | Bpf.BPF_EXIT);
        Assert.Equal(10U, Bpf.BPF_REG_10);
        Assert.Equal(2048, Xsk.XSK_RING_CONS__DEFAULT_NUM_DESCS);
        Assert.Equal(4096, Xsk.XSK_UMEM__DEFAULT_FRAME_SIZE);
        Assert.Equal(283, SysSocket.SOL_XDP);
        Assert.Equal(44, SysSocket.AF_XDP);
        Assert.Equal(69, SysSocket.SO_PREFER_BUSY_POLL);

        Assert.IsType<ulong>(IfXdp.XDP_UMEM_PGOFF_FILL_RING);
        Assert.IsType<uint>(IfLink.XDP_FLAGS_SKB_MODE);
        Assert.IsType<int>(IfXdp.XDP_MMAP_OFFSETS);
    }

    [Fact]
    public void Enums_HaveClangsUnderlyingTypes()
    {
        Assert.Equal(typeof(uint), Enum.GetUnderlyingType(typeof(bpf_cmd)));
        Assert.Equal(0U, (uint)bpf_cmd.BPF_MAP_CREATE);
        Assert.Equal(5U, (uint)bpf_cmd.BPF_PROG_LOAD);
        Assert.Equal(28U, (uint)bpf_cmd.BPF_LINK_CREATE);
        Assert.Equal(17U, (uint)bpf_map_type.BPF_MAP_TYPE_XSKMAP);
        Assert.Equal(6U, (uint)bpf_prog_type.BPF_PROG_TYPE_XDP);
        Assert.Equal(37U, (uint)bpf_attach_type.BPF_XDP);
        Assert.Equal(6U, (uint)bpf_link_type.BPF_LINK_TYPE_XDP);
        Assert.Equal(51U, (uint)bpf_func_id.BPF_FUNC_redirect_map);
        Assert.Equal(2U, (uint)xdp_action.XDP_PASS);
        Assert.Equal(4U, (uint)xdp_action.XDP_REDIRECT);
    }

    [Fact]
    public void BitfieldProperties_PackLikeC()
    {
        var insn = new bpf_insn { code = 0xb7, dst_reg = 1, src_reg = 0xA, off = -1, imm = 42 };
        Assert.Equal(1, insn.dst_reg);
        Assert.Equal(0xA, insn.src_reg);
        insn.dst_reg = 0x1F; // truncated to 4 bits, neighbour untouched
        Assert.Equal(0xF, insn.dst_reg);
        Assert.Equal(0xA, insn.src_reg);
        byte[] bytes = MemoryMarshal.AsBytes(new ReadOnlySpan<bpf_insn>(in insn)).ToArray();
        Assert.Equal(new byte[] { 0xb7, 0xAF, 0xff, 0xff, 42, 0, 0, 0 }, bytes);
    }

    [Fact]
    public void AnonymousMembers_FlattenedAndNamedOnesAreTypes()
    {
        var cfg = new xsk_socket_config { libxdp_flags = Xsk.XSK_LIBXDP_FLAGS__INHIBIT_PROG_LOAD };
        Assert.Equal(1U, cfg.libbpf_flags); // same storage, as in C

        var attr = new bpf_attr();
        attr.link_create.prog_fd = 3;
        attr.link_create.attach_type = (uint)bpf_attach_type.BPF_XDP;
        Assert.Equal(3U, attr.prog_type); // offset 0 of the union
        Assert.Equal("__typeof__(((union bpf_attr *)0)->link_create)",
            typeof(bpf_attr_link_create).GetCustomAttribute<NativeTypeNameAttribute>()!.Name);
    }

    [Fact]
    public unsafe void XskFunctions_AreLibraryImportsOfLibxdp()
    {
        MethodInfo m = typeof(Xsk).GetMethod(nameof(Xsk.xsk_umem__fd))!;
        Assert.Equal(typeof(int), m.ReturnType);
        Assert.Equal(typeof(xsk_umem*), m.GetParameters()[0].ParameterType);
        Assert.Null(typeof(Xsk).GetMethod("xsk_ring_prod__reserve")); // static inline in xsk.h: never bound

        // A real call when libxdp is installed: a null umem is EINVAL.
        if (NativeLibrary.TryLoad("libxdp.so.1", out nint lib))
        {
            NativeLibrary.Free(lib);
            Assert.Equal(-22, Xsk.xsk_umem__fd(null));
        }
    }
}
