using XdpAot.Interop;

namespace XdpAot.Vhost.Bridge;

/// <summary>
/// A worker's epoll instance and what is registered in it. Interest is changed only when a worker is about to sleep
/// and what it waits for has changed, so a busy worker makes no epoll calls at all.
/// </summary>
internal sealed unsafe class WaitSet : IDisposable
{
    private const int MaxEvents = 16;
    private readonly int _epoll;
    private readonly Dictionary<int, uint> _registered = [];
    private readonly Libc.EpollEvent* _events;

    public WaitSet(string who)
    {
        _epoll = Libc.EpollCreate1(Libc.EPOLL_CLOEXEC);
        if (_epoll < 0)
            throw new XdpException(-Libc.Errno, $"{who}: epoll_create1 failed: {Libc.StrError(Libc.Errno)}");
        _events = (Libc.EpollEvent*)System.Runtime.InteropServices.NativeMemory.AllocZeroed((nuint)(MaxEvents * sizeof(Libc.EpollEvent)));
    }

    /// <summary>Waits for <paramref name="fd"/> with <paramref name="events"/> (0: not at all).</summary>
    public void Want(int fd, uint events)
    {
        if (fd < 0)
            return;
        bool known = _registered.TryGetValue(fd, out uint current);
        if (known && current == events)
            return;
        var ev = new Libc.EpollEvent { Events = events, Data = (ulong)fd };
        if (events == 0)
        {
            Libc.EpollCtl(_epoll, Libc.EPOLL_CTL_DEL, fd, &ev);
            _registered.Remove(fd);
            return;
        }
        if (Libc.EpollCtl(_epoll, known ? Libc.EPOLL_CTL_MOD : Libc.EPOLL_CTL_ADD, fd, &ev) == 0)
            _registered[fd] = events;
    }

    /// <summary>Forgets every fd except <paramref name="keep"/>: called before the fds of a plan may be closed.</summary>
    public void Clear(int keep)
    {
        foreach (var fd in _registered.Keys.ToArray())
        {
            if (fd != keep)
                Want(fd, 0);
        }
    }

    /// <summary>Sets the interest of every registered fd but those in <paramref name="wanted"/> to nothing.</summary>
    public void KeepOnly(ReadOnlySpan<int> wanted)
    {
        foreach (var fd in _registered.Keys)
        {
            if (!wanted.Contains(fd))
                _stale.Add(fd);
        }
        foreach (var fd in _stale)
            Want(fd, 0);
        _stale.Clear();
    }

    private readonly List<int> _stale = [];

    /// <summary>Sleeps up to <paramref name="timeoutMs"/>; returns the ready fds through <paramref name="ready"/>.</summary>
    public int Wait(int timeoutMs, Span<int> ready)
    {
        int n = Libc.EpollWait(_epoll, _events, Math.Min(MaxEvents, ready.Length), timeoutMs);
        for (int i = 0; i < n; i++)
            ready[i] = (int)_events[i].Data;
        return n < 0 ? 0 : n;
    }

    public void Dispose()
    {
        Libc.Close(_epoll);
        System.Runtime.InteropServices.NativeMemory.Free(_events);
    }
}
