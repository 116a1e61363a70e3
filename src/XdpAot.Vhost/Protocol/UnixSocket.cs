using System.Runtime.InteropServices;
using System.Text;
using XdpAot.Interop;

namespace XdpAot.Vhost.Protocol;

/// <summary>
/// The vhost-user socket's two roles: a server listening on a path (QEMU or cloud-hypervisor connects; the VMM may
/// restart and connect again) and a client connecting to the VMM's listening socket (the back-end may restart). The
/// sockets are stream sockets, close-on-exec.
/// </summary>
public static unsafe class UnixSocket
{
    [StructLayout(LayoutKind.Sequential)]
    private struct SockAddrUn
    {
        public ushort Family;
        public fixed byte Path[108];
    }

    /// <summary>
    /// Listens on <paramref name="path"/>. A socket file left by an earlier run is replaced; any other file there is
    /// an error (we never delete what is not ours).
    /// </summary>
    public static int Listen(string path)
    {
        var addr = Address(path);
        switch (Libc.FileType(path))
        {
            case null:
                break;
            case Libc.S_IFSOCK:
                Libc.Unlink(path); // left by an earlier run
                break;
            default:
                throw new XdpException(-Errno.EEXIST, $"--socket-path '{path}': exists and is not a socket; refusing to replace it");
        }
        int fd = Libc.Socket(Libc.AF_UNIX, Libc.SOCK_STREAM | Libc.SOCK_CLOEXEC, 0);
        if (fd < 0)
            throw Failure("socket(AF_UNIX)", path);
        if (Libc.Bind(fd, &addr, (uint)sizeof(SockAddrUn)) != 0 || Libc.Listen(fd, 1) != 0)
        {
            var e = Failure("bind/listen", path);
            Libc.Close(fd);
            throw e;
        }
        return fd;
    }

    /// <summary>Removes the socket file of a server (only if it still is a socket).</summary>
    public static void RemoveSocketFile(string path)
    {
        if (Libc.FileType(path) == Libc.S_IFSOCK)
            Libc.Unlink(path);
    }

    /// <summary>Waits for a connection; -1 when <paramref name="wakeFd"/> is signalled first.</summary>
    public static int Accept(int listenFd, int wakeFd)
    {
        var fds = stackalloc Libc.PollFd[2];
        while (true)
        {
            fds[0] = new Libc.PollFd { Fd = listenFd, Events = Libc.POLLIN };
            fds[1] = new Libc.PollFd { Fd = wakeFd, Events = Libc.POLLIN };
            int r = Libc.Poll(fds, 2, -1);
            if (r < 0 && Libc.Errno == Errno.EINTR)
                continue;
            if ((fds[1].REvents & Libc.POLLIN) != 0)
                return -1;
            if ((fds[0].REvents & Libc.POLLIN) != 0)
            {
                int fd = Libc.Accept4(listenFd, null, null, Libc.SOCK_CLOEXEC);
                if (fd >= 0)
                    return fd;
            }
        }
    }

    /// <summary>Connects to a server socket; -errno on failure (ENOENT, ECONNREFUSED while the VMM is not up yet).</summary>
    public static int TryConnect(string path)
    {
        var addr = Address(path);
        int fd = Libc.Socket(Libc.AF_UNIX, Libc.SOCK_STREAM | Libc.SOCK_CLOEXEC, 0);
        if (fd < 0)
            return -Libc.Errno;
        if (Libc.Connect(fd, &addr, (uint)sizeof(SockAddrUn)) != 0)
        {
            int errno = Libc.Errno;
            Libc.Close(fd);
            return -errno;
        }
        return fd;
    }

    /// <summary>True when <paramref name="fd"/> is an open AF_UNIX stream socket (for --fd).</summary>
    public static bool IsUnixStream(int fd)
    {
        int domain = 0, type = 0;
        uint len = sizeof(int);
        if (Libc.GetSockOpt(fd, Libc.SOL_SOCKET, Libc.SO_DOMAIN, &domain, &len) != 0)
            return false;
        len = sizeof(int);
        if (Libc.GetSockOpt(fd, Libc.SOL_SOCKET, Libc.SO_TYPE, &type, &len) != 0)
            return false;
        return domain == Libc.AF_UNIX && type == Libc.SOCK_STREAM;
    }

    private static SockAddrUn Address(string path)
    {
        var bytes = Encoding.UTF8.GetBytes(path);
        if (bytes.Length == 0 || bytes.Length >= 108)
            throw new XdpException(-Errno.EINVAL, $"--socket-path '{path}': a unix socket path has 1..107 bytes");
        var a = new SockAddrUn { Family = (ushort)Libc.AF_UNIX };
        bytes.CopyTo(new Span<byte>(a.Path, 108));
        return a;
    }

    private static XdpException Failure(string what, string path)
    {
        int errno = Libc.Errno;
        return new XdpException(-errno, $"--socket-path '{path}': {what} failed: {Libc.StrError(errno)}");
    }
}
