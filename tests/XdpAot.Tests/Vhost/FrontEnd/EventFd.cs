namespace XdpAot.Tests.Vhost.FrontEnd;

/// <summary>
/// A non-blocking eventfd, as a kick, call or error notifier. The 8-byte value has no meaning in vhost-user
/// (only "it was written"), so <see cref="Signal"/> adds 1 and a wait consumes whatever is pending.
/// </summary>
public sealed unsafe class EventFd : IDisposable
{
    private readonly OwnedFd _fd;

    public EventFd()
    {
        _fd = new OwnedFd(Native.Check(Native.EventFd(0, Native.EFD_CLOEXEC | Native.EFD_NONBLOCK), "eventfd"));
    }

    /// <summary>The descriptor (what SET_VRING_KICK/CALL/ERR pass).</summary>
    public int Fd => _fd.Value;

    /// <summary>Adds 1 to the counter: a kick or a call.</summary>
    public void Signal()
    {
        ulong one = 1;
        if (Native.Write(Fd, &one, 8) != 8)
            throw Native.Failure($"eventfd write (fd {Fd})", Native.Errno);
    }

    /// <summary>Reads and clears the counter without blocking; 0 when nothing was signalled.</summary>
    public ulong Consume()
    {
        ulong value;
        if (Native.Read(Fd, &value, 8) == 8)
            return value;
        int errno = Native.Errno;
        if (errno == Native.EAGAIN)
            return 0;
        throw Native.Failure($"eventfd read (fd {Fd})", errno);
    }

    /// <summary>Waits for a signal and consumes it; false if none came within <paramref name="timeout"/>.</summary>
    public bool Wait(TimeSpan timeout) => Native.WaitReadable(Fd, timeout) && Consume() > 0;

    public void Dispose() => _fd.Dispose();
}
