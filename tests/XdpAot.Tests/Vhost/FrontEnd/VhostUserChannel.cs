namespace XdpAot.Tests.Vhost.FrontEnd;

/// <summary>
/// The front-end's end of a vhost-user connection: a connected Unix stream socket that carries 12-byte
/// headers, payloads and SCM_RIGHTS fds. Every read has a timeout (default 10 s), so a back-end that never
/// answers fails the test instead of hanging it. <see cref="SendRaw"/> sends anything at all, for hostile tests.
/// </summary>
public sealed unsafe class VhostUserChannel : IDisposable
{
    /// <summary>How long a read waits unless <see cref="ReadTimeout"/> says otherwise.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(10);

    private readonly OwnedFd _fd;

    private VhostUserChannel(OwnedFd fd) => _fd = fd;

    /// <summary>The socket descriptor.</summary>
    public int Fd => _fd.Value;

    /// <summary>How long <see cref="Receive"/> and <see cref="ReceiveReply(VhostUserRequest)"/> wait for the back-end.</summary>
    public TimeSpan ReadTimeout { get; set; } = DefaultTimeout;

    public bool IsClosed => _fd.IsClosed;

    /// <summary>
    /// Connects to a back-end listening on <paramref name="path"/>, retrying while the socket does not exist
    /// yet or refuses (a back-end that is still starting) until <paramref name="timeout"/> (default 10 s).
    /// </summary>
    public static VhostUserChannel Connect(string path, TimeSpan? timeout = null)
    {
        byte[] addr = Native.SockaddrUn(path);
        long deadline = Environment.TickCount64 + (long)(timeout ?? DefaultTimeout).TotalMilliseconds;
        while (true)
        {
            var fd = new OwnedFd(Native.Check(Native.Socket(Native.AF_UNIX, Native.SOCK_STREAM | Native.SOCK_CLOEXEC, 0), "socket(AF_UNIX)"));
            int r;
            fixed (byte* a = addr)
                r = Native.Connect(fd.Value, a, (uint)addr.Length);
            if (r == 0)
                return new VhostUserChannel(fd);
            int errno = Native.Errno;
            fd.Dispose();
            bool notYet = errno is Native.ENOENT or Native.ECONNREFUSED;
            if (!notYet)
                throw Native.Failure($"connect to vhost-user socket {path}", errno);
            if (Environment.TickCount64 >= deadline)
                throw new TimeoutException($"cannot connect to vhost-user socket {path} within {(timeout ?? DefaultTimeout).TotalSeconds:0.#} s: {Native.Describe(errno)}");
            Thread.Sleep(20);
        }
    }

    /// <summary>Listens on <paramref name="path"/> for a back-end in client mode; <see cref="VhostUserListener.Accept"/> gives the channel.</summary>
    public static VhostUserListener Listen(string path) => VhostUserListener.Create(path);

    /// <summary>Wraps a connected socket; the channel owns <paramref name="fd"/> from now on.</summary>
    public static VhostUserChannel FromFd(int fd) => new(new OwnedFd(fd));

    /// <summary>A connected socketpair: the channel, and the other end's fd (owned by the caller) for an in-process back-end.</summary>
    public static (VhostUserChannel Channel, int OtherFd) CreatePair()
    {
        int* sv = stackalloc int[2];
        Native.Check(Native.SocketPair(Native.AF_UNIX, Native.SOCK_STREAM | Native.SOCK_CLOEXEC, 0, sv), "socketpair(AF_UNIX)");
        return (new VhostUserChannel(new OwnedFd(sv[0])), sv[1]);
    }

    /// <summary>Sends one request: the header (version 1, NEED_REPLY if asked), the payload and the fds in one sendmsg.</summary>
    public void Send(VhostUserRequest request, ReadOnlySpan<byte> payload = default, ReadOnlySpan<int> fds = default, bool needReply = false)
    {
        var bytes = new byte[VhostUserLayout.HeaderSize + payload.Length];
        VhostUserHeader.ForRequest(request, payload.Length, needReply).Write(bytes);
        payload.CopyTo(bytes.AsSpan(VhostUserLayout.HeaderSize));
        SendBytes(bytes, fds, request.ToString());
    }

    /// <summary>Sends arbitrary bytes (a truncated header, a lying size field, garbage) with any number of fds (at most 253, the kernel's limit).</summary>
    public void SendRaw(byte[] bytes, int[]? fds = null) => SendBytes(bytes, fds ?? [], "raw bytes");

    /// <summary>
    /// Reads a reply and checks that it is one: version 1, the REPLY flag, and <paramref name="expectedRequest"/>'s id.
    /// Returns the payload; any fds that came with it are closed.
    /// </summary>
    public byte[] ReceiveReply(VhostUserRequest expectedRequest)
    {
        using var message = ReceiveCheckedReply(expectedRequest);
        return message.Payload;
    }

    /// <summary>As <see cref="ReceiveReply(VhostUserRequest)"/>, handing over the fds that came with the reply.</summary>
    public byte[] ReceiveReply(VhostUserRequest expectedRequest, out OwnedFd[] fds)
    {
        var message = ReceiveCheckedReply(expectedRequest);
        fds = message.Fds;
        return message.Payload;
    }

    private VhostUserMessage ReceiveCheckedReply(VhostUserRequest expected)
    {
        var message = Receive($"the reply to {expected}");
        var h = message.Header;
        string? problem =
            h.Version != VhostUserFlags.Version ? $"version {h.Version} (flags 0x{h.Flags:x}), expected 1" :
            !h.IsReply ? $"no REPLY flag (flags 0x{h.Flags:x})" :
            h.Request != (uint)expected ? $"it answers {h.RequestName}" :
            null;
        if (problem != null)
        {
            message.Dispose();
            throw new InvalidDataException($"bad reply to {expected}: {problem}");
        }
        return message;
    }

    /// <summary>Reads one message of any kind (header, exactly header.Size payload bytes, fds), without judging it.</summary>
    public VhostUserMessage Receive() => Receive("a message");

    private VhostUserMessage Receive(string waitingFor)
    {
        var header = new byte[VhostUserLayout.HeaderSize];
        var fds = new List<OwnedFd>();
        try
        {
            int got = ReceiveWithFds(header, fds, waitingFor);
            ReadExactly(header.AsSpan(got), waitingFor);
            var h = VhostUserHeader.Read(header);
            if (h.Size > VhostUserLayout.MaxPayloadSize)
                throw new InvalidDataException($"{waitingFor}: the back-end announced a {h.Size}-byte payload (more than {VhostUserLayout.MaxPayloadSize})");
            var payload = new byte[h.Size];
            ReadExactly(payload, waitingFor);
            return new VhostUserMessage(h, payload, [.. fds]);
        }
        catch
        {
            foreach (var fd in fds)
                fd.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Waits for the back-end to close the connection, discarding anything it sends meanwhile. True if it closed
    /// (EOF or reset) within <paramref name="timeout"/>.
    /// </summary>
    public bool WaitForClose(TimeSpan timeout)
    {
        long deadline = Environment.TickCount64 + (long)timeout.TotalMilliseconds;
        var sink = new byte[4096];
        while (true)
        {
            long left = deadline - Environment.TickCount64;
            if (left <= 0 || !Native.WaitReadable(Fd, TimeSpan.FromMilliseconds(left)))
                return false;
            var fds = new List<OwnedFd>();
            try
            {
                if (ReceiveWithFds(sink, fds, "close", allowEof: true) == 0)
                    return true;
            }
            catch (IOException)
            {
                return true;
            }
            finally
            {
                foreach (var fd in fds)
                    fd.Dispose();
            }
        }
    }

    public void Close() => _fd.Dispose();

    public void Dispose() => Close();

    private void SendBytes(ReadOnlySpan<byte> bytes, ReadOnlySpan<int> fds, string what)
    {
        if (fds.Length > Native.ScmMaxFd)
            throw new ArgumentException($"{fds.Length} fds exceed the kernel's {Native.ScmMaxFd} per message", nameof(fds));
        if (bytes.IsEmpty)
        {
            if (!fds.IsEmpty)
                throw new ArgumentException("fds need at least one byte of data to travel on a stream socket", nameof(fds));
            return;
        }
        int space = fds.IsEmpty ? 0 : Native.CmsgSpace(fds.Length);
        byte* control = stackalloc byte[Math.Max(space, 1)];
        new Span<byte>(control, Math.Max(space, 1)).Clear();
        int sent;
        fixed (byte* data = bytes)
        {
            var iov = new Native.IoVec { Base = data, Length = (nuint)bytes.Length };
            var msg = new Native.MsgHdr { Iov = &iov, IovLen = 1 };
            if (!fds.IsEmpty)
            {
                var cmsg = (Native.CmsgHdr*)control;
                cmsg->Len = (nuint)Native.CmsgLen(fds.Length);
                cmsg->Level = Native.SOL_SOCKET;
                cmsg->Type = Native.SCM_RIGHTS;
                fds.CopyTo(new Span<int>(control + sizeof(Native.CmsgHdr), fds.Length));
                msg.Control = control;
                msg.ControlLen = (nuint)space;
            }
            sent = (int)Native.SendMsg(Fd, &msg, Native.MSG_NOSIGNAL);
        }
        if (sent < 0)
            throw SendFailure(what, Native.Errno);
        // A stream socket may take a large message in pieces; the fds went with the first one.
        while (sent < bytes.Length)
        {
            nint n;
            fixed (byte* rest = bytes[sent..])
            {
                var iov = new Native.IoVec { Base = rest, Length = (nuint)(bytes.Length - sent) };
                var msg = new Native.MsgHdr { Iov = &iov, IovLen = 1 };
                n = Native.SendMsg(Fd, &msg, Native.MSG_NOSIGNAL);
            }
            if (n < 0)
                throw SendFailure(what, Native.Errno);
            sent += (int)n;
        }
    }

    private static IOException SendFailure(string what, int errno) => errno is Native.EPIPE or Native.ECONNRESET
        ? new IOException($"vhost-user channel: the back-end closed the connection (sending {what})")
        : Native.Failure($"vhost-user channel: sendmsg ({what})", errno);

    /// <summary>One recvmsg into <paramref name="buffer"/>, collecting SCM_RIGHTS fds; returns the bytes read (0 only with <paramref name="allowEof"/>).</summary>
    private int ReceiveWithFds(Span<byte> buffer, List<OwnedFd> fds, string waitingFor, bool allowEof = false)
    {
        if (!allowEof && !Native.WaitReadable(Fd, ReadTimeout))
            throw new TimeoutException($"vhost-user channel: no answer from the back-end within {ReadTimeout.TotalSeconds:0.#} s (waiting for {waitingFor})");
        int space = Native.CmsgSpace(VhostUserLayout.MaxReceivedFds);
        byte* control = stackalloc byte[space];
        nint n;
        int flags;
        fixed (byte* data = buffer)
        {
            var iov = new Native.IoVec { Base = data, Length = (nuint)buffer.Length };
            var msg = new Native.MsgHdr { Iov = &iov, IovLen = 1, Control = control, ControlLen = (nuint)space };
            n = Native.RecvMsg(Fd, &msg, Native.MSG_CMSG_CLOEXEC);
            flags = msg.Flags;
            if (n >= 0)
                CollectFds(control, (int)msg.ControlLen, fds);
        }
        if (n < 0)
        {
            int errno = Native.Errno;
            throw errno == Native.ECONNRESET
                ? new IOException($"vhost-user channel: the back-end reset the connection (waiting for {waitingFor})")
                : Native.Failure($"vhost-user channel: recvmsg (waiting for {waitingFor})", errno);
        }
        if (n == 0 && !allowEof)
            throw new IOException($"vhost-user channel: the back-end closed the connection (waiting for {waitingFor})");
        if ((flags & Native.MSG_CTRUNC) != 0)
            throw new InvalidDataException($"vhost-user channel: the back-end sent more than {VhostUserLayout.MaxReceivedFds} fds (waiting for {waitingFor})");
        return (int)n;
    }

    private static void CollectFds(byte* control, int length, List<OwnedFd> fds)
    {
        int offset = 0;
        while (offset + sizeof(Native.CmsgHdr) <= length)
        {
            var cmsg = (Native.CmsgHdr*)(control + offset);
            int len = (int)cmsg->Len;
            if (len < sizeof(Native.CmsgHdr) || offset + len > length)
                break;
            if (cmsg->Level == Native.SOL_SOCKET && cmsg->Type == Native.SCM_RIGHTS)
            {
                int count = (len - sizeof(Native.CmsgHdr)) / sizeof(int);
                int* p = (int*)(control + offset + sizeof(Native.CmsgHdr));
                for (int i = 0; i < count; i++)
                    fds.Add(new OwnedFd(p[i]));
            }
            offset += (len + 7) & ~7;
        }
    }

    private void ReadExactly(Span<byte> buffer, string waitingFor)
    {
        int done = 0;
        while (done < buffer.Length)
        {
            if (!Native.WaitReadable(Fd, ReadTimeout))
                throw new TimeoutException($"vhost-user channel: the back-end stopped mid-message ({done} of {buffer.Length} bytes within {ReadTimeout.TotalSeconds:0.#} s, waiting for {waitingFor})");
            nint n;
            fixed (byte* p = buffer[done..])
                n = Native.Read(Fd, p, (nuint)(buffer.Length - done));
            if (n < 0)
            {
                int errno = Native.Errno;
                if (errno == Native.EINTR)
                    continue;
                throw Native.Failure($"vhost-user channel: read (waiting for {waitingFor})", errno);
            }
            if (n == 0)
                throw new IOException($"vhost-user channel: the back-end closed the connection mid-message ({done} of {buffer.Length} bytes, waiting for {waitingFor})");
            done += (int)n;
        }
    }
}
