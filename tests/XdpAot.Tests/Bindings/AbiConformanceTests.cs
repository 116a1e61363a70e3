using System.Runtime.InteropServices;
using XdpAot.Interop;

namespace XdpAot.Tests.Bindings;

/// <summary>Generated layouts against gcc: drift between C and C# is a test failure, not a runtime surprise.</summary>
public class AbiConformanceTests
{
    [Fact]
    public void EveryGeneratedStruct_MatchesGcc()
    {
        IReadOnlyList<Type> types = AbiChecker.NativeStructs(typeof(xdp_desc).Assembly);
        AbiReport report = AbiChecker.ForBindings().Check(types);

        Assert.True(report.Mismatches.Count == 0, "layout mismatches:\n" + string.Join('\n', report.Mismatches));

        // It really looked at the structs the product depends on, with the sizes this machine's headers give.
        var expected = new Dictionary<Type, long>
        {
            [typeof(sockaddr_xdp)] = 16,
            [typeof(xdp_ring_offset)] = 32,
            [typeof(xdp_mmap_offsets)] = 128,
            [typeof(xdp_umem_reg)] = 32, // 28 bytes of fields + tail padding (tx_metadata_len there on 6.8+ headers)
            [typeof(xdp_statistics)] = 48,
            [typeof(xdp_options)] = 4,
            [typeof(xdp_desc)] = 16,
            [typeof(xsk_ring_prod)] = 48,
            [typeof(xsk_ring_cons)] = 48,
            [typeof(xsk_umem_config)] = 20,
            [typeof(xsk_socket_config)] = 20,
            [typeof(xsk_tx_metadata)] = 24,
            [typeof(bpf_insn)] = 8,
        };
        foreach ((Type t, long size) in expected)
        {
            Assert.True(report.NativeSizes.TryGetValue(t, out long c), $"{t.Name} was not checked");
            Assert.Equal(size, c);
        }
        Assert.True(report.NativeSizes.Count >= 30, $"only {report.NativeSizes.Count} structs checked");
        Assert.True(report.FieldsChecked >= 200, $"only {report.FieldsChecked} fields checked");
        Assert.True(report.BitfieldsChecked >= 3, $"only {report.BitfieldsChecked} bitfields checked"); // bpf_insn x2, bpf_prog_info
    }

    [Fact]
    public void WrongHandWrittenStruct_IsReported()
    {
        AbiReport report = AbiChecker.ForBindings().Check([typeof(WrongXdpDesc)]);

        Assert.Equal(2, report.Mismatches.Count);
        Assert.Contains(report.Mismatches, m => m.Contains("offsetof(struct xdp_desc, len)") && m.Contains("C says 8, C# says 12"));
        Assert.Contains(report.Mismatches, m => m.Contains("offsetof(struct xdp_desc, options)") && m.Contains("C says 12, C# says 8"));
    }

    /// <summary>xdp_desc with len and options swapped: what a hand-written binding might get wrong.</summary>
    [StructLayout(LayoutKind.Explicit, Size = 16)]
    [NativeTypeName("struct xdp_desc")]
    private struct WrongXdpDesc
    {
        [FieldOffset(0)] public ulong addr;
        [FieldOffset(12)] public uint len;
        [FieldOffset(8)] public uint options;
    }
}
