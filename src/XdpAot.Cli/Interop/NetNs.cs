using XdpAot.Interop;
using XdpAot.Cli.Cli;

namespace XdpAot.Cli.Interop;

/// <summary>
/// Moves the calling thread into a named network namespace (/run/netns/NAME, as `ip netns add` makes) until
/// disposed. The network namespace is per thread: sockets, ifindexes and XDP attachments made meanwhile belong
/// to that namespace, and keep working from any thread afterwards.
/// </summary>
internal sealed class NetNs : IDisposable
{
    private int _original;

    private NetNs(int original) => _original = original;

    public static NetNs Enter(string name)
    {
        int original = Open("/proc/thread-self/ns/net");
        int target = Open($"/run/netns/{name}");
        try
        {
            if (Posix.SetNs(target, Posix.CLONE_NEWNET) != 0)
            {
                int errno = Libc.Errno;
                Libc.Close(original);
                throw new RunFailure($"cannot enter network namespace {name}: {Libc.StrError(errno)}");
            }
        }
        finally
        {
            Libc.Close(target);
        }
        return new NetNs(original);
    }

    private static int Open(string path)
    {
        int fd = Posix.Open(path, Posix.O_RDONLY_CLOEXEC);
        if (fd < 0)
            throw new RunFailure($"cannot open {path}: {Libc.StrError(Libc.Errno)}");
        return fd;
    }

    public void Dispose()
    {
        if (_original < 0)
            return;
        int r = Posix.SetNs(_original, Posix.CLONE_NEWNET);
        int errno = Libc.Errno;
        Libc.Close(_original);
        _original = -1;
        if (r != 0)
            throw new RunFailure($"cannot return to the original network namespace: {Libc.StrError(errno)}");
    }
}
