using XdpAot.Interop;
using XdpAot.Vhost.Protocol;

namespace XdpAot.Vhost.Device;

/// <summary>How the back-end reaches its front-end (the spec's "backend program conventions").</summary>
public enum FrontEndRole
{
    /// <summary>Listen on a path; the VMM connects, and may go away and connect again (VM reboot, VMM restart).</summary>
    Server,

    /// <summary>Connect to the VMM's listening socket, every second until it answers, and again after it goes away.</summary>
    Client,

    /// <summary>An already-connected socket (--fd): one connection, then the back-end is done.</summary>
    Fd,
}

/// <summary>
/// Keeps a <see cref="VhostNetDevice"/> connected to its front-end: accepts, connects or takes the given fd, serves the
/// connection to its end, and starts over (except for <see cref="FrontEndRole.Fd"/>). A wake fd ends it at any point
/// within a poll. The listening socket is made by the constructor, so "ready" can be announced once it listens, and
/// its file is removed on dispose.
/// </summary>
public sealed class ConnectionLoop : IDisposable
{
    /// <summary>Client mode's retry interval, as DPDK's and QEMU's reconnect.</summary>
    public const int ReconnectMs = 1000;

    private readonly VhostNetDevice _device;
    private readonly FrontEndRole _role;
    private readonly string? _path;
    private int _fd;
    private int _listenFd = -1;

    /// <summary>Listens on <paramref name="path"/> (server), or checks <paramref name="fd"/> (--fd); a client connects in <see cref="Run"/>.</summary>
    public ConnectionLoop(VhostNetDevice device, FrontEndRole role, string? path, int fd)
    {
        _device = device;
        _role = role;
        _path = path;
        _fd = fd;
        if (role == FrontEndRole.Server)
            _listenFd = UnixSocket.Listen(path ?? throw new ArgumentNullException(nameof(path)));
        if (role == FrontEndRole.Fd && !UnixSocket.IsUnixStream(fd))
            throw new XdpException(-Errno.ENOTSOCK, $"--fd {fd}: not a connected unix stream socket");
    }

    /// <summary>How the last connection ended, and why (for errors).</summary>
    public (SessionEnd End, string? Reason)? LastEnd { get; private set; }

    /// <summary>
    /// Serves connections until <paramref name="wakeFd"/> is signalled, or (--fd) the one connection ends.
    /// Returns true when it ended because of the wake fd.
    /// </summary>
    public bool Run(int wakeFd)
    {
        while (true)
        {
            int conn = NextConnection(wakeFd);
            if (conn < 0)
                return true;
            _device.Log($"front-end connected (connection {_device.Connections + 1})");
            SessionEnd end;
            string? reason;
            using (var channel = new MessageChannel(conn))
                end = _device.Serve(channel, wakeFd, out reason);
            LastEnd = (end, reason);
            _device.Log(end switch
            {
                SessionEnd.Closed => "front-end disconnected; rings stopped, memory unmapped",
                SessionEnd.Error => $"connection closed: {reason}",
                _ => "stopping",
            });
            if (end == SessionEnd.Stopped)
                return true;
            if (_role == FrontEndRole.Fd)
                return false;
        }
    }

    private int NextConnection(int wakeFd)
    {
        switch (_role)
        {
            case FrontEndRole.Server:
                return UnixSocket.Accept(_listenFd, wakeFd);
            case FrontEndRole.Fd:
                int fd = _fd;
                _fd = -1;
                return fd;
            default:
                bool said = false;
                while (true)
                {
                    int c = UnixSocket.TryConnect(_path!);
                    if (c >= 0)
                        return c;
                    if (!said)
                    {
                        _device.Log($"cannot connect to '{_path}' ({Libc.StrError(-c)}); trying every {ReconnectMs / 1000} s");
                        said = true;
                    }
                    if (WaitOrWake(wakeFd, ReconnectMs))
                        return -1;
                }
        }
    }

    private static unsafe bool WaitOrWake(int wakeFd, int ms)
    {
        var p = new Libc.PollFd { Fd = wakeFd, Events = Libc.POLLIN };
        return Libc.Poll(&p, 1, ms) > 0;
    }

    /// <summary>Closes the listening socket and removes its file; closes an --fd never served.</summary>
    public void Dispose()
    {
        if (_listenFd >= 0)
        {
            Libc.Close(_listenFd);
            _listenFd = -1;
            UnixSocket.RemoveSocketFile(_path!);
        }
        if (_fd >= 0)
        {
            Libc.Close(_fd);
            _fd = -1;
        }
    }
}
