using System.Runtime.InteropServices;
using XdpAot.Interop;

namespace XdpAot.Vhost.Bridge;

/// <summary>
/// A worker's epoll instance and what is registered in it, in a small fixed table (no allocation). Interest is
/// changed only when a worker is about to sleep and what it waits for has changed, so a busy worker makes no epoll
/// calls at all.
/// </summary>
internal sealed unsafe class WaitSet : IDisposable
{
    /// <summary>The most fds a worker waits on: its control fd, two kick fds, and the AF_XDP sockets it owns.</summary>
    public const int Capacity = 16;

    private readonly int _epoll;
    private readonly Libc.EpollEvent* _events;
    private readonly int[] _fds = new int[Capacity];
    private readonly uint[] _interest = new uint[Capacity];
    private int _count;

    public WaitSet(string who)
    {
        _epoll = Libc.EpollCreate1(Libc.EPOLL_CLOEXEC);
        if (_epoll < 0)
            throw new XdpException(-Libc.Errno, $"{who}: epoll_create1 failed: {Libc.StrError(Libc.Errno)}");
        _events = (Libc.EpollEvent*)NativeMemory.AllocZeroed((nuint)(Capacity * sizeof(Libc.EpollEvent)));
    }

    /// <summary>Waits for <paramref name="fd"/> with <paramref name="events"/> (0: not at all).</summary>
    public void Want(int fd, uint events)
    {
        if (fd < 0)
            return;
        int i = IndexOf(fd);
        if (i >= 0 && _interest[i] == events)
            return;
        var ev = new Libc.EpollEvent { Events = events, Data = (ulong)fd };
        if (events == 0)
        {
            if (i >= 0)
            {
                Libc.EpollCtl(_epoll, Libc.EPOLL_CTL_DEL, fd, &ev);
                RemoveAt(i);
            }
            return;
        }
        if (i < 0 && _count == Capacity)
            return;
        if (Libc.EpollCtl(_epoll, i >= 0 ? Libc.EPOLL_CTL_MOD : Libc.EPOLL_CTL_ADD, fd, &ev) != 0)
            return;
        if (i < 0)
        {
            i = _count++;
            _fds[i] = fd;
        }
        _interest[i] = events;
    }

    /// <summary>Forgets every fd except <paramref name="keep"/>: called before the fds of a plan may be closed.</summary>
    public void Clear(int keep) => KeepOnly([keep]);

    /// <summary>Stops waiting on every registered fd not in <paramref name="wanted"/>.</summary>
    public void KeepOnly(ReadOnlySpan<int> wanted)
    {
        for (int i = _count - 1; i >= 0; i--)
        {
            if (!wanted.Contains(_fds[i]))
                Want(_fds[i], 0);
        }
    }

    /// <summary>Sleeps up to <paramref name="timeoutMs"/>; returns the ready fds through <paramref name="ready"/>.</summary>
    public int Wait(int timeoutMs, Span<int> ready)
    {
        int n = Libc.EpollWait(_epoll, _events, Math.Min(Capacity, ready.Length), timeoutMs);
        for (int i = 0; i < n; i++)
            ready[i] = (int)_events[i].Data;
        return n < 0 ? 0 : n;
    }

    private int IndexOf(int fd)
    {
        for (int i = 0; i < _count; i++)
        {
            if (_fds[i] == fd)
                return i;
        }
        return -1;
    }

    private void RemoveAt(int i)
    {
        _count--;
        _fds[i] = _fds[_count];
        _interest[i] = _interest[_count];
    }

    public void Dispose()
    {
        Libc.Close(_epoll);
        NativeMemory.Free(_events);
    }
}
