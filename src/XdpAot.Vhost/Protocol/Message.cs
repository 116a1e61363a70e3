using XdpAot.Interop;

namespace XdpAot.Vhost.Protocol;

/// <summary>
/// One received request: its header, its payload (in the channel's buffer, valid until the next receive), and the
/// fds that came with it. A handler takes the fds it keeps with <see cref="TakeFd"/>; every fd not taken is closed
/// when the message is disposed, so a message can never leak the fds it carried, whatever its handler did.
/// </summary>
public sealed unsafe class Message : IDisposable
{
    /// <summary>The most fds one message can bring (a memory table of 8 regions).</summary>
    public const int MaxFds = 8;

    private readonly int[] _fds = new int[MaxFds];
    private readonly byte[] _payload;

    internal Message(byte[] payloadBuffer) => _payload = payloadBuffer;

    /// <summary>The buffer the channel reads payloads into.</summary>
    internal byte[] Buffer => _payload;

    /// <summary>The header as received.</summary>
    public MessageHeader Header { get; internal set; }

    /// <summary>The request code (possibly one not in <see cref="VhostUserRequest"/>).</summary>
    public VhostUserRequest Request => (VhostUserRequest)Header.Request;

    /// <summary>The front-end asked for an acknowledgement (REPLY_ACK).</summary>
    public bool NeedsReply => (Header.Flags & MessageHeader.NeedReplyFlag) != 0;

    /// <summary>The payload bytes.</summary>
    public ReadOnlySpan<byte> Payload => _payload.AsSpan(0, (int)Header.Size);

    /// <summary>The payload read as <typeparamref name="T"/> (its size was checked by <see cref="MessageRules"/>).</summary>
    public T Read<T>() where T : unmanaged
    {
        if (Header.Size < sizeof(T))
            throw new ProtocolException($"{Request}: payload of {Header.Size} bytes is shorter than {sizeof(T)}");
        fixed (byte* p = _payload)
            return *(T*)p;
    }

    /// <summary>The payload read as <typeparamref name="T"/> at <paramref name="offset"/>.</summary>
    public T ReadAt<T>(int offset) where T : unmanaged
    {
        if (offset < 0 || offset + sizeof(T) > Header.Size)
            throw new ProtocolException($"{Request}: payload of {Header.Size} bytes has nothing at offset {offset}");
        fixed (byte* p = _payload)
            return *(T*)(p + offset);
    }

    /// <summary>Fds received with the message and not yet taken or closed.</summary>
    public int FdCount { get; private set; }

    internal void AddFd(int fd)
    {
        if (FdCount == MaxFds)
        {
            Libc.Close(fd);
            TooManyFds = true;
            return;
        }
        _fds[FdCount++] = fd;
    }

    /// <summary>More fds arrived than any message may carry (the extra ones are already closed).</summary>
    public bool TooManyFds { get; internal set; }

    /// <summary>Takes ownership of the <paramref name="i"/>-th fd: the message will not close it.</summary>
    public int TakeFd(int i)
    {
        int fd = _fds[i];
        if (fd < 0)
            throw new InvalidOperationException($"{Request}: fd {i} was already taken");
        _fds[i] = -1;
        return fd;
    }

    /// <summary>The <paramref name="i"/>-th fd, still owned by the message (for a call that only reads it, like mmap).</summary>
    public int PeekFd(int i) => _fds[i];

    /// <summary>Closes every fd not taken.</summary>
    public void CloseFds()
    {
        for (int i = 0; i < FdCount; i++)
        {
            if (_fds[i] >= 0)
                Libc.Close(_fds[i]);
            _fds[i] = -1;
        }
        FdCount = 0;
    }

    internal void Reset()
    {
        CloseFds();
        TooManyFds = false;
        Header = default;
    }

    /// <summary>Closes every fd not taken.</summary>
    public void Dispose() => CloseFds();
}
