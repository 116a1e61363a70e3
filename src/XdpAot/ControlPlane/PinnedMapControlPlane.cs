using XdpAot.Ebpf;
using XdpAot.Options;
using XdpAot.Ports;
using XdpAot.Rings;
using XdpAot.Sockets;
using XdpAot.Umem;

namespace XdpAot.ControlPlane;

/// <summary>
/// <c>inhibit=on,map-path=/sys/fs/bpf/…[,map-start-index=K]</c> (QEMU 10.1): someone else's program and pinned
/// XSKMAP; we create and bind our own sockets and put queue i at key K+i, removing the entries on close.
/// </summary>
internal sealed class PinnedMapControlPlane : QueueControlPlane
{
    private readonly PortOptions _o;
    private readonly uint _ifIndex;
    private readonly XskMap _map;
    private readonly List<uint> _keys = [];

    public PinnedMapControlPlane(PortOptions o, uint ifIndex)
    {
        _o = o;
        _ifIndex = ifIndex;
        _map = XskMap.OpenPinned(o.MapPath!);
        uint start = (uint)(o.MapStartIndex ?? 0);
        if (start + (uint)o.Queues > _map.MaxEntries)
        {
            _map.Dispose();
            throw new XdpException(-Interop.Errno.EINVAL,
                $"map-path='{o.MapPath}': map-start-index={start} with queues={o.Queues} needs keys {start}..{start + o.Queues - 1} but the map has {_map.MaxEntries} entries");
        }
    }

    public override XdpMode? Mode => null;

    public override IQueueSocket CreateSocket(int index, int queueId, UmemArea umem, RingSet rings)
    {
        int fd = XskSocket.CreateFd(_o.IfName, queueId);
        return XskSocket.Setup(fd, umem, rings, SocketConfig(_o, _ifIndex, queueId));
    }

    public override void Activate(IReadOnlyList<Queue> queues)
    {
        uint start = (uint)(_o.MapStartIndex ?? 0);
        for (int i = 0; i < queues.Count; i++)
        {
            uint key = start + (uint)i;
            _map.Set(key, queues[i].Fd, $"map-path='{_o.MapPath}' ({_o.IfName} queue {queues[i].QueueId})");
            _keys.Add(key);
        }
    }

    public override void Deactivate()
    {
        foreach (var key in _keys)
            _map.Delete(key);
        _keys.Clear();
    }

    public override void Dispose()
    {
        Deactivate();
        _map.Dispose();
    }
}
