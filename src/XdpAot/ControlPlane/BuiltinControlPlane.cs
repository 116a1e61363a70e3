using XdpAot.Ebpf;
using XdpAot.Interop;
using XdpAot.Options;
using XdpAot.Ports;
using XdpAot.Rings;
using XdpAot.Sockets;
using XdpAot.Umem;

namespace XdpAot.ControlPlane;

/// <summary>
/// The default control plane: an XSKMAP and the default XSK program loaded with bpf(), attached through a BPF
/// link (so the program goes with the last fd, also when the process is killed). No libxdp or libbpf.
/// </summary>
internal sealed class BuiltinControlPlane : QueueControlPlane
{
    private readonly PortOptions _o;
    private readonly uint _ifIndex;
    private readonly XskMap _map;
    private int _programFd;
    private XdpLink? _link;

    public BuiltinControlPlane(PortOptions o, uint ifIndex, uint mapEntries)
    {
        _o = o;
        _ifIndex = ifIndex;
        _map = XskMap.Create(mapEntries, o.IfName);
        try
        {
            _programFd = XskProgram.Load(_map.Fd, o.IfName);
        }
        catch
        {
            _map.Dispose();
            throw;
        }
    }

    public override XdpMode? Mode => _link?.Mode;

    /// <summary>The XSKMAP (tests and `xdpaot prepare` hand its pieces to others).</summary>
    public XskMap Map => _map;

    public override IQueueSocket CreateSocket(int index, int queueId, UmemArea umem, RingSet rings)
    {
        int fd = XskSocket.CreateFd(_o.IfName, queueId);
        return XskSocket.Setup(fd, umem, rings, SocketConfig(_o, _ifIndex, queueId));
    }

    public override void Activate(IReadOnlyList<Queue> queues)
    {
        foreach (var q in queues)
            _map.Set((uint)q.QueueId, q.Fd, $"{_o.IfName} queue {q.QueueId}");
        _link = XdpLink.Attach(_programFd, _ifIndex, _o.IfName, _o.Mode);
        // The link holds the program now; our fd would only keep it alive longer than the link.
        ClosePrograms();
    }

    public override void Deactivate()
    {
        _link?.Dispose();
        _link = null;
    }

    public override void Dispose()
    {
        Deactivate();
        ClosePrograms();
        _map.Dispose();
    }

    private void ClosePrograms()
    {
        if (_programFd >= 0)
        {
            Libc.Close(_programFd);
            _programFd = -1;
        }
    }
}
