using XdpAot.Interop;
using XdpAot.Options;
using XdpAot.Ports;
using XdpAot.Rings;
using XdpAot.Sockets;
using XdpAot.Umem;

namespace XdpAot.ControlPlane;

/// <summary>
/// <c>inhibit=on,sock-fds=a:b</c>: unbound AF_XDP sockets made by a privileged helper, already in its XSKMAP.
/// We register our UMEM on them and bind; no program is loaded. A socket we set up is ours from then on (closed
/// with the port, or when the open fails); fds of queues not reached are left untouched.
/// </summary>
internal sealed class SockFdsControlPlane(PortOptions o, uint ifIndex) : QueueControlPlane
{
    public override XdpMode? Mode => null;

    public override IQueueSocket CreateSocket(int index, int queueId, UmemArea umem, RingSet rings)
    {
        int fd = o.SockFds![index];
        if (!XskSocket.IsXdpSocket(fd, out int errno))
        {
            string why = errno != 0 ? Libc.StrError(errno) : "not an AF_XDP socket";
            throw new XdpException(errno == Errno.EBADF ? -Errno.EBADF : -Errno.EINVAL,
                $"sock-fds: fd {fd} for {o.IfName} queue {queueId} is not an AF_XDP socket ({why})");
        }
        return XskSocket.Setup(fd, umem, rings, SocketConfig(o, ifIndex, queueId));
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
}
