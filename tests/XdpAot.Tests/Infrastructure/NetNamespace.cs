using System.Runtime.InteropServices;

namespace XdpAot.Tests.Infrastructure;

/// <summary>
/// Moves the calling thread into a network namespace and back. Network namespaces are a per-thread attribute,
/// so the test must stay on this thread (synchronous test code) between <see cref="Enter"/> and Dispose; threads
/// it starts meanwhile inherit the namespace.
/// </summary>
public sealed partial class NetNamespace : IDisposable
{
    private const int CLONE_NEWNET = 0x40000000;
    private readonly int _original;
    private bool _disposed;

    private NetNamespace(int original) => _original = original;

    public static NetNamespace Enter(string name)
    {
        int original = Open("/proc/thread-self/ns/net");
        int target = Open($"/run/netns/{name}");
        try
        {
            if (SetNs(target, CLONE_NEWNET) != 0)
                throw new InvalidOperationException($"setns({name}) failed: errno {Marshal.GetLastPInvokeError()}");
        }
        catch
        {
            Close(original);
            throw;
        }
        finally
        {
            Close(target);
        }
        return new NetNamespace(original);
    }

    public void Dispose()
    {
        if (_disposed)
            return;
        _disposed = true;
        if (SetNs(_original, CLONE_NEWNET) != 0)
            throw new InvalidOperationException($"setns(back) failed: errno {Marshal.GetLastPInvokeError()}");
        Close(_original);
    }

    private static int Open(string path)
    {
        int fd = OpenNative(path, 0x80000 /* O_RDONLY|O_CLOEXEC */);
        if (fd < 0)
            throw new InvalidOperationException($"open({path}) failed: errno {Marshal.GetLastPInvokeError()}");
        return fd;
    }

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int OpenNative(string path, int flags);

    [LibraryImport("libc", EntryPoint = "setns", SetLastError = true)]
    private static partial int SetNs(int fd, int nstype);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);
}
