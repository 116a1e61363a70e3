using System.Runtime.InteropServices;
using System.Text;
using XdpAot.Interop;
using XdpAot.Options;
using XdpAot.Ports;
using XdpAot.Rings;
using XdpAot.Sockets;
using XdpAot.Umem;

namespace XdpAot.ControlPlane;

/// <summary>
/// <c>loader=libxdp</c>: the same port opened through libxdp's xsk API (xsk_umem__create, xsk_socket__create),
/// which loads its program through libxdp's dispatcher so it can share the interface with other programs.
/// libxdp fills in our ring structs, and our data path drives them. The library is loaded on first use.
/// </summary>
internal sealed unsafe class LibxdpControlPlane : QueueControlPlane
{
    private const string Library = "libxdp.so.1";
    private readonly PortOptions _o;
    private XdpMode? _mode;

    public LibxdpControlPlane(PortOptions o, uint ifIndex)
    {
        _o = o;
        if (!NativeLibrary.TryLoad(Library, out _))
            throw new XdpException(-Errno.ENOENT, $"{o.IfName}: loader=libxdp needs {Library}, which is not installed (Debian: apt-get install libxdp1); loader=builtin needs nothing");
    }

    public override XdpMode? Mode => _mode;

    public override IQueueSocket CreateSocket(int index, int queueId, UmemArea umem, RingSet rings)
    {
        // libxdp would fall back by itself, but would not tell us which mode it used: try the modes in order.
        XdpMode[] modes = _mode is { } chosen ? [chosen] : _o.Mode is { } forced ? [forced] : [XdpMode.Native, XdpMode.Skb];
        XdpException? last = null;
        foreach (var mode in modes)
        {
            try
            {
                var socket = LibxdpSocket.Create(_o, queueId, umem, rings, mode);
                _mode = mode;
                return socket;
            }
            catch (XdpException e)
            {
                last = e;
            }
        }
        throw last!;
    }

    public override void Activate(IReadOnlyList<Queue> queues)
    {
    }

    public override void Deactivate()
    {
    }

    public override void Dispose()
    {
    }

    private sealed class LibxdpSocket : IQueueSocket
    {
        private xsk_umem* _umem;
        private xsk_socket* _xsk;

        private LibxdpSocket(xsk_umem* umem, xsk_socket* xsk, int fd)
        {
            _umem = umem;
            _xsk = xsk;
            Fd = fd;
            xdp_options opts = default;
            uint len = (uint)sizeof(xdp_options);
            ZeroCopy = Libc.GetSockOpt(fd, SysSocket.SOL_XDP, IfXdp.XDP_OPTIONS, &opts, &len) == 0 && (opts.flags & IfXdp.XDP_OPTIONS_ZEROCOPY) != 0;
        }

        public int Fd { get; }

        public bool ZeroCopy { get; }

        public static LibxdpSocket Create(PortOptions o, int queueId, UmemArea umem, RingSet rings, XdpMode mode)
        {
            xsk_umem_config uc = default;
            uc.fill_size = o.FillSize;
            uc.comp_size = o.CompletionSize;
            uc.frame_size = umem.FrameSize;
            uc.frame_headroom = 0;
            uc.flags = 0;
            xsk_umem* u = null;
            int r = Xsk.xsk_umem__create(&u, umem.Base, umem.Length, rings.Fill, rings.Completion, &uc);
            if (r != 0)
                throw new XdpException(r, $"{o.IfName} queue {queueId}: libxdp xsk_umem__create failed: {Libc.StrError(-r)} ({MemoryLimits.Describe()})");

            xsk_socket_config sc = default;
            sc.rx_size = o.RxSize;
            sc.tx_size = o.TxSize;
            sc.libxdp_flags = 0;
            sc.xdp_flags = (uint)(mode == XdpMode.Native ? IfLink.XDP_FLAGS_DRV_MODE : IfLink.XDP_FLAGS_SKB_MODE);
            sc.bind_flags = (ushort)(IfXdp.XDP_USE_NEED_WAKEUP | (o.ForceCopy ? IfXdp.XDP_COPY : 0));
            var name = Encoding.UTF8.GetBytes(o.IfName + "\0");
            xsk_socket* s = null;
            fixed (byte* n = name)
                r = Xsk.xsk_socket__create(&s, (sbyte*)n, (uint)queueId, u, rings.Rx, rings.Tx, &sc);
            if (r != 0)
            {
                Xsk.xsk_umem__delete(u);
                string m = mode == XdpMode.Native ? "native" : "skb";
                throw new XdpException(r, $"{o.IfName} queue {queueId}: libxdp xsk_socket__create in {m} mode failed: {Libc.StrError(-r)}");
            }
            return new LibxdpSocket(u, s, Xsk.xsk_socket__fd(s));
        }

        public void Dispose()
        {
            // libxdp unmaps the rings through our ring structs, so they must outlive this call (Queue frees them after).
            if (_xsk != null)
            {
                Xsk.xsk_socket__delete(_xsk);
                _xsk = null;
            }
            if (_umem != null)
            {
                Xsk.xsk_umem__delete(_umem);
                _umem = null;
            }
        }
    }
}
