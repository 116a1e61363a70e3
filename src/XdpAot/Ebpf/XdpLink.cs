using XdpAot.Interop;
using XdpAot.Options;

namespace XdpAot.Ebpf;

/// <summary>
/// An XDP program attached through a BPF link (BPF_LINK_CREATE, BPF_XDP). The attachment lives exactly as long as
/// the link fd: closing it, or the process dying, detaches the program, so a crash never leaves it behind.
/// </summary>
public sealed unsafe class XdpLink : IDisposable
{
    private int _fd;

    private XdpLink(int fd, XdpMode mode)
    {
        _fd = fd;
        Mode = mode;
    }

    /// <summary>The link fd.</summary>
    public int Fd => _fd;

    /// <summary>The mode the program is attached in.</summary>
    public XdpMode Mode { get; }

    /// <summary>Attaches in a forced mode, or native falling back to skb when <paramref name="mode"/> is null.</summary>
    public static XdpLink Attach(int programFd, uint ifIndex, string ifName, XdpMode? mode)
    {
        if (mode is { } forced)
        {
            int fd = TryAttach(programFd, ifIndex, forced);
            if (fd < 0)
                throw Failure(fd, ifName, forced);
            return new XdpLink(fd, forced);
        }
        int native = TryAttach(programFd, ifIndex, XdpMode.Native);
        if (native >= 0)
            return new XdpLink(native, XdpMode.Native);
        // Another program already attached in native mode is a conflict, not a reason to fall back.
        if (native == -Errno.EBUSY || native == -Errno.EEXIST)
            throw Failure(native, ifName, XdpMode.Native);
        int skb = TryAttach(programFd, ifIndex, XdpMode.Skb);
        if (skb >= 0)
            return new XdpLink(skb, XdpMode.Skb);
        throw Failure(skb, ifName, XdpMode.Skb, $" (native mode failed first: {Libc.StrError(-native)})");
    }

    private static int TryAttach(int programFd, uint ifIndex, XdpMode mode)
    {
        bpf_attr attr = default;
        attr.link_create.prog_fd = (uint)programFd;
        attr.link_create.target_ifindex = ifIndex;
        attr.link_create.attach_type = (uint)bpf_attach_type.BPF_XDP;
        attr.link_create.flags = (uint)(mode == XdpMode.Native ? IfLink.XDP_FLAGS_DRV_MODE : IfLink.XDP_FLAGS_SKB_MODE);
        return BpfSyscall.Call(bpf_cmd.BPF_LINK_CREATE, &attr);
    }

    private static XdpException Failure(int errno, string ifName, XdpMode mode, string extra = "")
    {
        string why = -errno switch
        {
            Errno.EBUSY or Errno.EEXIST => " (another XDP program is already attached to the interface)",
            Errno.EOPNOTSUPP => mode == XdpMode.Native ? " (the driver has no native XDP; try mode=skb)" : "",
            Errno.EPERM => " (needs CAP_NET_ADMIN and CAP_BPF, or root)",
            Errno.EINVAL => " (the kernel may not support BPF links for XDP: Linux 5.9 or later is needed)",
            _ => "",
        };
        string m = mode == XdpMode.Native ? "native" : "skb";
        return new XdpException(errno, $"{ifName}: cannot attach the XDP program in {m} mode: {Libc.StrError(-errno)}{why}{extra}");
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_fd >= 0)
        {
            Libc.Close(_fd);
            _fd = -1;
        }
    }
}
