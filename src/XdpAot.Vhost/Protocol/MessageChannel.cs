using XdpAot.Interop;

namespace XdpAot.Vhost.Protocol;

/// <summary>What <see cref="MessageChannel.Receive"/> found.</summary>
public enum ReceiveResult
{
    /// <summary>A whole, well-framed message.</summary>
    Message,

    /// <summary>The front-end closed the connection between messages.</summary>
    Closed,

    /// <summary>The wake fd became readable (we are stopping).</summary>
    Woken,
}

/// <summary>
/// The vhost-user socket: reads one message at a time with the fds that came with it (SCM_RIGHTS) and writes
/// replies. Framing is checked here, before any handler sees a message: the 12-byte header is read exactly, its
/// version and flags checked, its size bounded, and the payload read exactly. A message stalled halfway, an EOF
/// inside a message, a size beyond <see cref="MaxPayload"/> or a bad header ends the connection
/// (<see cref="ProtocolException"/>); fds are taken out of every control message, even a truncated one, and closed
/// unless a handler takes them, so a front-end cannot make us leak fds.
/// </summary>
public sealed unsafe class MessageChannel : IDisposable
{
    /// <summary>The largest payload accepted (rust-vmm's limit; our largest request is far smaller).</summary>
    public const int MaxPayload = 4096;

    /// <summary>How long a message may take to arrive once its first byte has.</summary>
    public const int MidMessageTimeoutMs = 5000;

    private const int CmsgHeader = 16; // struct cmsghdr on LP64: size_t len, int level, int type
    private const int ControlSpace = CmsgHeader + Message.MaxFds * sizeof(int);

    private int _fd;
    private readonly Message _message = new(new byte[MaxPayload]);

    /// <summary>Takes ownership of a connected stream socket.</summary>
    public MessageChannel(int connectedFd) => _fd = connectedFd;

    /// <summary>The socket.</summary>
    public int Fd => _fd;

    /// <summary>
    /// Waits for the next message. <paramref name="message"/> (and its payload and fds) stay valid until the next
    /// call. <paramref name="wakeFd"/> (-1: none) ends the wait between messages.
    /// </summary>
    public ReceiveResult Receive(int wakeFd, out Message message)
    {
        message = _message;
        _message.Reset();
        MessageHeader header;
        var result = ReadExact((byte*)&header, MessageHeader.Length, wakeFd, atBoundary: true);
        if (result != ReceiveResult.Message)
            return result;
        _message.Header = header;
        string? bad = CheckHeader(header);
        if (bad is not null)
        {
            _message.CloseFds();
            throw new ProtocolException(bad);
        }
        if (header.Size != 0)
        {
            fixed (byte* payload = _message.Buffer)
                ReadExact(payload, (int)header.Size, -1, atBoundary: false);
        }
        return ReceiveResult.Message;
    }

    private static string? CheckHeader(in MessageHeader h)
    {
        if ((h.Flags & MessageHeader.VersionMask) != MessageHeader.Version)
            return $"request {h.Request}: protocol version {h.Flags & MessageHeader.VersionMask}, expected {MessageHeader.Version}";
        if ((h.Flags & MessageHeader.ReservedMask) != 0)
            return $"request {h.Request}: reserved flag bits set (flags 0x{h.Flags:x})";
        if ((h.Flags & MessageHeader.ReplyFlag) != 0)
            return $"request {h.Request}: a reply where a request was expected (flags 0x{h.Flags:x})";
        if (h.Size > MaxPayload)
            return $"request {h.Request}: payload size {h.Size} is larger than {MaxPayload}";
        return null;
    }

    /// <summary>Reads exactly <paramref name="length"/> bytes, collecting fds from every piece.</summary>
    private ReceiveResult ReadExact(byte* buffer, int length, int wakeFd, bool atBoundary)
    {
        byte* control = stackalloc byte[ControlSpace];
        int got = 0;
        while (got < length)
        {
            var iov = new Libc.IoVec { Base = buffer + got, Length = (nuint)(length - got) };
            var msg = new Libc.MsgHdr { Iov = &iov, IovLen = 1, Control = control, ControlLen = ControlSpace };
            nint n = Libc.RecvMsg(_fd, &msg, Libc.MSG_DONTWAIT | Libc.MSG_CMSG_CLOEXEC);
            int errno = n < 0 ? Libc.Errno : 0;
            if (n >= 0)
                TakeFds(control, (int)msg.ControlLen, (msg.Flags & Libc.MSG_CTRUNC) != 0);
            if (n > 0)
            {
                got += (int)n;
                continue;
            }
            if (n == 0)
            {
                if (atBoundary && got == 0)
                    return ReceiveResult.Closed;
                throw new ProtocolException($"the front-end closed the connection inside a message ({got} of {length} bytes read)");
            }
            if (errno == Errno.EINTR)
                continue;
            if (errno == Errno.ECONNRESET && atBoundary && got == 0)
                return ReceiveResult.Closed;
            if (errno != Errno.EAGAIN)
                throw new ProtocolException($"reading from the front-end failed: {Libc.StrError(errno)}");
            bool waitForever = atBoundary && got == 0;
            var wait = WaitReadable(waitForever ? wakeFd : -1, waitForever ? -1 : MidMessageTimeoutMs);
            if (wait == Readiness.Woken)
                return ReceiveResult.Woken;
            if (wait == Readiness.TimedOut)
                throw new ProtocolException($"the front-end stalled inside a message ({got} of {length} bytes in {MidMessageTimeoutMs} ms)");
        }
        return ReceiveResult.Message;
    }

    private enum Readiness { Readable, Woken, TimedOut }

    private Readiness WaitReadable(int wakeFd, int timeoutMs)
    {
        var fds = stackalloc Libc.PollFd[2];
        fds[0] = new Libc.PollFd { Fd = _fd, Events = Libc.POLLIN };
        fds[1] = new Libc.PollFd { Fd = wakeFd, Events = Libc.POLLIN };
        while (true)
        {
            int r = Libc.Poll(fds, wakeFd >= 0 ? 2u : 1u, timeoutMs);
            if (r < 0 && Libc.Errno == Errno.EINTR)
                continue;
            if (r == 0)
                return Readiness.TimedOut;
            if (wakeFd >= 0 && (fds[1].REvents & Libc.POLLIN) != 0 && (fds[0].REvents & (Libc.POLLIN | Libc.POLLHUP)) == 0)
                return Readiness.Woken;
            return Readiness.Readable;
        }
    }

    /// <summary>Every SCM_RIGHTS fd in a control buffer goes to the message (which closes what it does not keep).</summary>
    private void TakeFds(byte* control, int length, bool truncated)
    {
        int off = 0;
        while (off + CmsgHeader <= length)
        {
            int len = (int)*(nuint*)(control + off);
            if (len < CmsgHeader || off + len > length)
                break;
            int level = *(int*)(control + off + 8), type = *(int*)(control + off + 12);
            if (level == Libc.SOL_SOCKET && type == Libc.SCM_RIGHTS)
            {
                int count = (len - CmsgHeader) / sizeof(int);
                for (int i = 0; i < count; i++)
                    _message.AddFd(((int*)(control + off + CmsgHeader))[i]);
            }
            off += (len + 7) & ~7;
        }
        // The kernel closed what did not fit; the message must still fail.
        if (truncated)
            _message.TooManyFds = true;
    }

    /// <summary>Sends a reply to <paramref name="request"/>: REPLY set, NEED_REPLY cleared, version 1.</summary>
    public void Reply(VhostUserRequest request, ReadOnlySpan<byte> payload)
    {
        byte* buffer = stackalloc byte[MessageHeader.Length + MaxPayload];
        if (payload.Length > MaxPayload)
            throw new ArgumentException("reply too large", nameof(payload));
        *(MessageHeader*)buffer = new MessageHeader
        {
            Request = (uint)request,
            Flags = MessageHeader.Version | MessageHeader.ReplyFlag,
            Size = (uint)payload.Length,
        };
        payload.CopyTo(new Span<byte>(buffer + MessageHeader.Length, payload.Length));
        int total = MessageHeader.Length + payload.Length, sent = 0;
        while (sent < total)
        {
            nint n = Libc.SendTo(_fd, buffer + sent, (nuint)(total - sent), Libc.MSG_NOSIGNAL | Libc.MSG_DONTWAIT, null, 0);
            if (n > 0)
            {
                sent += (int)n;
                continue;
            }
            int errno = Libc.Errno;
            if (errno == Errno.EINTR)
                continue;
            if (errno != Errno.EAGAIN)
                throw new ProtocolException($"replying to {request} failed: {Libc.StrError(errno)}");
            var p = new Libc.PollFd { Fd = _fd, Events = Libc.POLLOUT };
            if (Libc.Poll(&p, 1, MidMessageTimeoutMs) == 0)
                throw new ProtocolException($"replying to {request}: the front-end read nothing for {MidMessageTimeoutMs} ms");
        }
    }

    /// <summary>Replies with a u64 (acks: 0 = success).</summary>
    public void Reply(VhostUserRequest request, ulong value) =>
        Reply(request, new ReadOnlySpan<byte>(&value, sizeof(ulong)));

    /// <summary>Closes the socket and any fds of the last message.</summary>
    public void Dispose()
    {
        _message.Dispose();
        if (_fd >= 0)
            Libc.Close(_fd);
        _fd = -1;
    }
}
