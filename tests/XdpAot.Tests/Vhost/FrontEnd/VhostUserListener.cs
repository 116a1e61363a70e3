namespace XdpAot.Tests.Vhost.FrontEnd;

/// <summary>
/// A listening Unix socket for back-ends that connect (client mode), as QEMU's `server=on` chardev.
/// Dispose closes it and removes the socket file.
/// </summary>
public sealed unsafe class VhostUserListener : IDisposable
{
    private readonly OwnedFd _fd;

    private VhostUserListener(OwnedFd fd, string path)
    {
        _fd = fd;
        Path = path;
    }

    public string Path { get; }

    internal static VhostUserListener Create(string path)
    {
        byte[] addr = Native.SockaddrUn(path);
        var fd = new OwnedFd(Native.Check(Native.Socket(Native.AF_UNIX, Native.SOCK_STREAM | Native.SOCK_CLOEXEC, 0), "socket(AF_UNIX)"));
        try
        {
            fixed (byte* a = addr)
                Native.Check(Native.Bind(fd.Value, a, (uint)addr.Length), $"bind vhost-user socket {path}");
            Native.Check(Native.Listen(fd.Value, 4), $"listen on vhost-user socket {path}");
            return new VhostUserListener(fd, path);
        }
        catch
        {
            fd.Dispose();
            throw;
        }
    }

    /// <summary>Waits for a back-end to connect (default 10 s) and returns the connected channel.</summary>
    public VhostUserChannel Accept(TimeSpan? timeout = null)
    {
        var wait = timeout ?? VhostUserChannel.DefaultTimeout;
        if (!Native.WaitReadable(_fd.Value, wait))
            throw new TimeoutException($"no back-end connected to {Path} within {wait.TotalSeconds:0.#} s");
        int fd = Native.Check(Native.Accept4(_fd.Value, null, null, Native.SOCK_CLOEXEC), $"accept on {Path}");
        return VhostUserChannel.FromFd(fd);
    }

    public void Dispose()
    {
        if (_fd.IsClosed)
            return;
        _fd.Dispose();
        Native.Unlink(Path);
    }
}
