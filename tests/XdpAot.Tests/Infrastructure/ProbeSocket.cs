using XdpAot.Interop;
using XdpAot.Umem;

namespace XdpAot.Tests.Infrastructure;

/// <summary>
/// An AF_XDP socket with a tiny registered UMEM and rings but not bound: what the kernel requires before the
/// socket may be put into an XSKMAP. Used to probe map entries.
/// </summary>
public sealed unsafe class ProbeSocket : IDisposable
{
    private readonly UmemArea _umem;

    public int Fd { get; private set; }

    private ProbeSocket(int fd, UmemArea umem)
    {
        Fd = fd;
        _umem = umem;
    }

    public static ProbeSocket Create()
    {
        int fd = Libc.Socket(SysSocket.AF_XDP, Libc.SOCK_RAW | Libc.SOCK_CLOEXEC, 0);
        Assert.True(fd >= 0, $"socket(AF_XDP) failed: {Libc.Errno}");
        var umem = UmemArea.Map(4096, 16);
        var s = new ProbeSocket(fd, umem);
        xdp_umem_reg reg = default;
        reg.addr = (ulong)umem.Base;
        reg.len = umem.Length;
        reg.chunk_size = 4096;
        Check(Libc.SetSockOpt(fd, SysSocket.SOL_XDP, IfXdp.XDP_UMEM_REG, &reg, (uint)sizeof(xdp_umem_reg)), "XDP_UMEM_REG");
        uint size = 8;
        foreach (int opt in new[] { IfXdp.XDP_UMEM_FILL_RING, IfXdp.XDP_UMEM_COMPLETION_RING, IfXdp.XDP_RX_RING })
            Check(Libc.SetSockOpt(fd, SysSocket.SOL_XDP, opt, &size, sizeof(uint)), $"ring option {opt}");
        return s;
    }

    private static void Check(int r, string what) => Assert.True(r == 0, $"{what} failed: errno {Libc.Errno}");

    public void Dispose()
    {
        if (Fd >= 0)
        {
            Libc.Close(Fd);
            Fd = -1;
        }
        _umem.Dispose();
    }
}
