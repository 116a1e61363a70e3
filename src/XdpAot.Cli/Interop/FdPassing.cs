using XdpAot.Interop;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using XdpAot.Cli.Cli;

namespace XdpAot.Cli.Interop;

/// <summary>
/// Handing AF_XDP socket fds (and the BPF link fd that keeps the program attached) from `xdpaot prepare --unix`
/// to an unprivileged process over a unix stream socket with SCM_RIGHTS. One message:
/// <code>
/// XDPAOT1 &lt;sockets&gt; &lt;links&gt;\n&lt;port options without sock-fds&gt;\n     + SCM_RIGHTS [socket fds…, link fd]
/// </code>
/// The receiver appends <c>sock-fds=</c> with the fd numbers it got and opens the port with <c>inhibit=on</c>.
/// </summary>
internal static unsafe class FdPassing
{
    private const int MSG_CMSG_CLOEXEC = 0x40000000;
    private const int CmsgHeader = 16; // struct cmsghdr on LP64: size_t len, int level, int type
    private const int MaxFds = 253;   // SCM_MAX_FD

    [StructLayout(LayoutKind.Sequential)]
    private struct SockAddrUn
    {
        public ushort Family;
        public fixed byte Path[108];
    }

    /// <summary>What a receiver got: the port options (with sock-fds filled in) and the link fd, if one came.</summary>
    public sealed record Received(string PortOptions, int[] SocketFds, int LinkFd);

    /// <summary>Creates the listening socket at <paramref name="path"/> (replacing a stale socket file).</summary>
    public static int Listen(string path)
    {
        switch (Libc.FileType(path))
        {
            case null:
                break;
            case Libc.S_IFSOCK:
                Libc.Unlink(path); // a stale socket from an earlier run
                break;
            default:
                throw new RunFailure($"--unix '{path}': exists and is not a socket; refusing to replace it");
        }
        int fd = Libc.Socket(Libc.AF_UNIX, Libc.SOCK_STREAM | Libc.SOCK_CLOEXEC, 0);
        if (fd < 0)
            throw Failure("socket(AF_UNIX)", path);
        var addr = Address(path);
        if (Libc.Bind(fd, &addr, (uint)sizeof(SockAddrUn)) != 0 || Libc.Listen(fd, 4) != 0)
        {
            var e = Failure("bind/listen", path);
            Libc.Close(fd);
            throw e;
        }
        return fd;
    }

    /// <summary>Waits for one connection (polling so that <paramref name="stop"/> can end the wait).</summary>
    public static int Accept(int listenFd, StopSignal stop)
    {
        var p = new Libc.PollFd { Fd = listenFd, Events = Libc.POLLIN };
        while (!stop.Requested)
        {
            p.REvents = 0;
            int r = Libc.Poll(&p, 1, 200);
            if (r > 0)
            {
                int fd = Libc.Accept4(listenFd, null, null, Libc.SOCK_CLOEXEC);
                if (fd >= 0)
                    return fd;
            }
        }
        return -1;
    }

    /// <summary>Sends the sockets and the link fd with the port options over a connected socket.</summary>
    public static void Send(int connFd, string portOptions, IReadOnlyList<int> socketFds, int linkFd)
    {
        int[] fds = linkFd >= 0 ? [.. socketFds, linkFd] : [.. socketFds];
        byte[] payload = Encoding.UTF8.GetBytes($"XDPAOT1 {socketFds.Count} {(linkFd >= 0 ? 1 : 0)}\n{portOptions}\n");
        int space = CmsgSpace(fds.Length);
        byte* control = stackalloc byte[space];
        new Span<byte>(control, space).Clear();
        *(nuint*)control = (nuint)(CmsgHeader + fds.Length * sizeof(int));
        ((int*)control)[2] = Libc.SOL_SOCKET;
        ((int*)control)[3] = Libc.SCM_RIGHTS;
        for (int i = 0; i < fds.Length; i++)
            ((int*)(control + CmsgHeader))[i] = fds[i];
        fixed (byte* data = payload)
        {
            var iov = new Libc.IoVec { Base = data, Length = (nuint)payload.Length };
            var msg = new Libc.MsgHdr { Iov = &iov, IovLen = 1, Control = control, ControlLen = (nuint)space };
            if (Libc.SendMsg(connFd, &msg, 0) < 0)
            {
                int errno = Libc.Errno;
                throw new RunFailure($"--unix: sending the fds failed: {Libc.StrError(errno)}");
            }
        }
    }

    /// <summary>Connects to <paramref name="path"/> and receives the sockets (close-on-exec) and the options.</summary>
    public static Received Receive(string path)
    {
        int fd = Libc.Socket(Libc.AF_UNIX, Libc.SOCK_STREAM | Libc.SOCK_CLOEXEC, 0);
        if (fd < 0)
            throw Failure("socket(AF_UNIX)", path, "--fds-from");
        try
        {
            var addr = Address(path);
            if (Libc.Connect(fd, &addr, (uint)sizeof(SockAddrUn)) != 0)
                throw Failure("connect", path, "--fds-from");
            byte* data = stackalloc byte[4096];
            int space = CmsgSpace(MaxFds);
            byte* control = stackalloc byte[space];
            new Span<byte>(control, space).Clear();
            var iov = new Libc.IoVec { Base = data, Length = 4096 };
            var msg = new Libc.MsgHdr { Iov = &iov, IovLen = 1, Control = control, ControlLen = (nuint)space };
            nint n = Libc.RecvMsg(fd, &msg, MSG_CMSG_CLOEXEC);
            if (n <= 0)
                throw n < 0 ? Failure("recvmsg", path, "--fds-from") : new RunFailure($"--fds-from '{path}': the helper closed the connection without sending");
            var fds = ReadFds(control, (int)msg.ControlLen);
            string text = Encoding.UTF8.GetString(data, (int)n);
            return Parse(path, text, fds);
        }
        finally
        {
            Libc.Close(fd);
        }
    }

    private static Received Parse(string path, string text, List<int> fds)
    {
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var head = lines.Length == 2 ? lines[0].Split(' ') : [];
        if (head.Length != 3 || head[0] != "XDPAOT1"
            || !int.TryParse(head[1], NumberStyles.None, CultureInfo.InvariantCulture, out int sockets)
            || !int.TryParse(head[2], NumberStyles.None, CultureInfo.InvariantCulture, out int links)
            || sockets + links != fds.Count)
        {
            foreach (var f in fds)
                Libc.Close(f);
            throw new RunFailure($"--fds-from '{path}': unexpected message from the helper ({fds.Count} fds): '{text.Trim()}'");
        }
        int[] sock = fds.Take(sockets).ToArray();
        int link = links > 0 ? fds[sockets] : -1;
        string options = $"{lines[1]},sock-fds={string.Join(':', sock)}";
        return new Received(options, sock, link);
    }

    private static List<int> ReadFds(byte* control, int length)
    {
        var fds = new List<int>();
        int off = 0;
        while (off + CmsgHeader <= length)
        {
            int len = (int)*(nuint*)(control + off);
            if (len < CmsgHeader)
                break;
            int level = *(int*)(control + off + 8), type = *(int*)(control + off + 12);
            if (level == Libc.SOL_SOCKET && type == Libc.SCM_RIGHTS)
                for (int i = 0; i < (len - CmsgHeader) / sizeof(int); i++)
                    fds.Add(((int*)(control + off + CmsgHeader))[i]);
            off += (len + 7) & ~7;
        }
        return fds;
    }

    private static int CmsgSpace(int fds) => CmsgHeader + ((fds * sizeof(int) + 7) & ~7);

    private static SockAddrUn Address(string path)
    {
        var bytes = Encoding.UTF8.GetBytes(path);
        if (bytes.Length >= 108)
            throw new UsageException($"unix socket path '{path}' is longer than 107 bytes");
        var a = new SockAddrUn { Family = (ushort)Libc.AF_UNIX };
        bytes.CopyTo(new Span<byte>(a.Path, 108));
        return a;
    }

    private static RunFailure Failure(string what, string path, string option = "--unix")
    {
        int errno = Libc.Errno;
        return new RunFailure($"{option} '{path}': {what} failed: {Libc.StrError(errno)}");
    }
}
