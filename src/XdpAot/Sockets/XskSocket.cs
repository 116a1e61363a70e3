using XdpAot.Interop;
using XdpAot.Rings;
using XdpAot.Umem;

namespace XdpAot.Sockets;

/// <summary>
/// An AF_XDP socket set up by us (no libxdp): UMEM registration, ring sizes, ring mmaps, bind. The fd may be
/// one we created or one handed over by a privileged helper (<c>sock-fds</c>).
/// </summary>
internal sealed unsafe class XskSocket : IQueueSocket
{
    private readonly List<(nint Address, nuint Length)> _maps = new(4);
    private int _fd;

    private XskSocket(int fd) => _fd = fd;

    public int Fd => _fd;

    public bool ZeroCopy { get; private set; }

    /// <summary>Everything needed to set a socket up.</summary>
    internal readonly record struct Config(
        string IfName, uint IfIndex, int QueueId, uint RxSize, uint TxSize, uint FillSize, uint CompletionSize,
        bool ForceCopy, int BusyBudget);

    /// <summary>Creates a new AF_XDP socket (close-on-exec).</summary>
    public static int CreateFd(string ifName, int queueId)
    {
        int fd = Libc.Socket(SysSocket.AF_XDP, Libc.SOCK_RAW | Libc.SOCK_CLOEXEC, 0);
        if (fd < 0)
        {
            int errno = Libc.Errno;
            throw new XdpException(-errno, $"{ifName} queue {queueId}: cannot create an AF_XDP socket: {Libc.StrError(errno)}" +
                (errno == Errno.EPERM ? " (needs CAP_NET_RAW)" : ""));
        }
        return fd;
    }

    /// <summary>True if <paramref name="fd"/> is an open AF_XDP socket.</summary>
    public static bool IsXdpSocket(int fd, out int errno)
    {
        int domain = 0;
        uint len = sizeof(int);
        if (Libc.GetSockOpt(fd, Libc.SOL_SOCKET, Libc.SO_DOMAIN, &domain, &len) != 0)
        {
            errno = Libc.Errno;
            return false;
        }
        errno = 0;
        return domain == SysSocket.AF_XDP;
    }

    /// <summary>
    /// Registers <paramref name="umem"/> on <paramref name="fd"/>, creates and maps the four rings into
    /// <paramref name="rings"/>, and binds to the queue. Takes ownership of the fd (closed on failure too).
    /// </summary>
    public static XskSocket Setup(int fd, UmemArea umem, RingSet rings, in Config c)
    {
        var s = new XskSocket(fd);
        try
        {
            s.RegisterUmem(umem, c);
            s.SetRingSize(IfXdp.XDP_UMEM_FILL_RING, c.FillSize, "fill-size", c);
            s.SetRingSize(IfXdp.XDP_UMEM_COMPLETION_RING, c.CompletionSize, "comp-size", c);
            s.SetRingSize(IfXdp.XDP_RX_RING, c.RxSize, "rx-size", c);
            s.SetRingSize(IfXdp.XDP_TX_RING, c.TxSize, "tx-size", c);
            s.MapRings(rings, c);
            if (c.BusyBudget > 0)
                s.EnableBusyPoll(c);
            s.Bind(c);
            s.ZeroCopy = QueryZeroCopy(fd);
            return s;
        }
        catch
        {
            s.Dispose();
            throw;
        }
    }

    private void RegisterUmem(UmemArea umem, in Config c)
    {
        xdp_umem_reg reg = default;
        reg.addr = (ulong)umem.Base;
        reg.len = umem.Length;
        reg.chunk_size = umem.FrameSize;
        reg.headroom = 0;
        reg.flags = 0;
        if (Libc.SetSockOpt(_fd, SysSocket.SOL_XDP, IfXdp.XDP_UMEM_REG, &reg, (uint)sizeof(xdp_umem_reg)) != 0)
        {
            int errno = Libc.Errno;
            string hint = errno == Errno.ENOBUFS || errno == Errno.ENOMEM || errno == Errno.EPERM
                ? $" (locked-memory limit: {MemoryLimits.Describe()}; shrink the UMEM with frame-count=, frame-size= or the ring sizes)"
                : "";
            throw new XdpException(-errno, $"{c.IfName} queue {c.QueueId}: cannot register {umem.Length >> 20} MiB of UMEM: {Libc.StrError(errno)}{hint}");
        }
    }

    private void SetRingSize(int option, uint size, string name, in Config c)
    {
        uint value = size;
        if (Libc.SetSockOpt(_fd, SysSocket.SOL_XDP, option, &value, sizeof(uint)) != 0)
        {
            int errno = Libc.Errno;
            throw new XdpException(-errno, $"{c.IfName} queue {c.QueueId}: {name}={size} refused by the kernel: {Libc.StrError(errno)}");
        }
    }

    private void MapRings(RingSet rings, in Config c)
    {
        xdp_mmap_offsets off = default;
        uint len = (uint)sizeof(xdp_mmap_offsets);
        if (Libc.GetSockOpt(_fd, SysSocket.SOL_XDP, IfXdp.XDP_MMAP_OFFSETS, &off, &len) != 0)
        {
            int errno = Libc.Errno;
            throw new XdpException(-errno, $"{c.IfName} queue {c.QueueId}: XDP_MMAP_OFFSETS failed: {Libc.StrError(errno)}");
        }
        if (len < (uint)sizeof(xdp_mmap_offsets))
            throw new XdpException(-Errno.EOPNOTSUPP, $"{c.IfName} queue {c.QueueId}: kernel too old (no ring flags in XDP_MMAP_OFFSETS; need Linux 5.4 or later)");

        byte* fill = Map(RingSetup.MapLength(off.fr, c.FillSize, sizeof(ulong)), (long)IfXdp.XDP_UMEM_PGOFF_FILL_RING, "fill", c);
        RingSetup.InitProducer(rings.Fill, fill, off.fr, c.FillSize);
        byte* comp = Map(RingSetup.MapLength(off.cr, c.CompletionSize, sizeof(ulong)), (long)IfXdp.XDP_UMEM_PGOFF_COMPLETION_RING, "completion", c);
        RingSetup.InitConsumer(rings.Completion, comp, off.cr, c.CompletionSize);
        byte* rx = Map(RingSetup.MapLength(off.rx, c.RxSize, (uint)sizeof(xdp_desc)), IfXdp.XDP_PGOFF_RX_RING, "rx", c);
        RingSetup.InitConsumer(rings.Rx, rx, off.rx, c.RxSize);
        byte* tx = Map(RingSetup.MapLength(off.tx, c.TxSize, (uint)sizeof(xdp_desc)), IfXdp.XDP_PGOFF_TX_RING, "tx", c);
        RingSetup.InitProducer(rings.Tx, tx, off.tx, c.TxSize);
    }

    private byte* Map(nuint length, long pageOffset, string ring, in Config c)
    {
        void* p = Libc.Mmap(null, length, Libc.PROT_READ | Libc.PROT_WRITE, Libc.MAP_SHARED | Libc.MAP_POPULATE, _fd, pageOffset);
        if (p == Libc.MAP_FAILED)
        {
            int errno = Libc.Errno;
            throw new XdpException(-errno, $"{c.IfName} queue {c.QueueId}: cannot map the {ring} ring: {Libc.StrError(errno)}");
        }
        _maps.Add(((nint)p, length));
        return (byte*)p;
    }

    private void EnableBusyPoll(in Config c)
    {
        // Best effort, like DPDK: an older kernel or a missing privilege leaves the queue in interrupt mode.
        int one = 1, usecs = 20, budget = c.BusyBudget;
        if (Libc.SetSockOpt(_fd, Libc.SOL_SOCKET, SysSocket.SO_PREFER_BUSY_POLL, &one, sizeof(int)) != 0
            || Libc.SetSockOpt(_fd, Libc.SOL_SOCKET, SysSocket.SO_BUSY_POLL, &usecs, sizeof(int)) != 0
            || Libc.SetSockOpt(_fd, Libc.SOL_SOCKET, SysSocket.SO_BUSY_POLL_BUDGET, &budget, sizeof(int)) != 0)
        {
            int errno = Libc.Errno;
            BusyPollWarning = $"{c.IfName} queue {c.QueueId}: busy-budget={c.BusyBudget} not applied: {Libc.StrError(errno)}; using interrupts";
        }
    }

    /// <summary>Set when busy polling was asked for but refused by the kernel.</summary>
    public string? BusyPollWarning { get; private set; }

    private void Bind(in Config c)
    {
        sockaddr_xdp sxdp = default;
        sxdp.sxdp_family = (ushort)SysSocket.AF_XDP;
        sxdp.sxdp_ifindex = c.IfIndex;
        sxdp.sxdp_queue_id = (uint)c.QueueId;
        // No XDP_COPY/XDP_ZEROCOPY flag lets the kernel use zero-copy where the driver offers it and copy otherwise.
        sxdp.sxdp_flags = (ushort)(IfXdp.XDP_USE_NEED_WAKEUP | (c.ForceCopy ? IfXdp.XDP_COPY : 0));
        int errno = 0;
        // Release of a socket that was just closed on this queue is asynchronous: retry EBUSY briefly.
        for (int attempt = 0; attempt < 20; attempt++)
        {
            if (Libc.Bind(_fd, &sxdp, (uint)sizeof(sockaddr_xdp)) == 0)
                return;
            errno = Libc.Errno;
            if (errno != Errno.EBUSY)
                break;
            Thread.Sleep(10);
        }
        string why = errno switch
        {
            Errno.EBUSY => " (another AF_XDP socket is bound to this queue)",
            Errno.EINVAL => " (queue id out of range for the device?)",
            Errno.ENETDOWN => " (interface is down)",
            _ => "",
        };
        throw new XdpException(-errno, $"{c.IfName} queue {c.QueueId}: bind failed: {Libc.StrError(errno)}{why}");
    }

    private static bool QueryZeroCopy(int fd)
    {
        xdp_options opts = default;
        uint len = (uint)sizeof(xdp_options);
        return Libc.GetSockOpt(fd, SysSocket.SOL_XDP, IfXdp.XDP_OPTIONS, &opts, &len) == 0
            && (opts.flags & IfXdp.XDP_OPTIONS_ZEROCOPY) != 0;
    }

    public void Dispose()
    {
        // The kernel does not release a socket whose rings are still mapped: unmap first, then close.
        foreach (var (address, length) in _maps)
            Libc.Munmap((void*)address, length);
        _maps.Clear();
        if (_fd >= 0)
        {
            Libc.Close(_fd);
            _fd = -1;
        }
    }
}
