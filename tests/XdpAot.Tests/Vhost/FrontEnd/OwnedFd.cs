using System.Runtime.InteropServices;

namespace XdpAot.Tests.Vhost.FrontEnd;

/// <summary>
/// A file descriptor this process owns. A SafeHandle so that a test which fails half-way still closes it
/// (in Dispose, or at the latest when it is finalized): the fd-count test depends on nothing leaking.
/// </summary>
public sealed class OwnedFd : SafeHandle
{
    /// <summary>Takes ownership of <paramref name="fd"/>.</summary>
    public OwnedFd(int fd) : base(-1, ownsHandle: true) => SetHandle(fd);

    public override bool IsInvalid => handle.ToInt64() < 0;

    /// <summary>The descriptor number (valid until Dispose).</summary>
    public int Value
    {
        get
        {
            ObjectDisposedException.ThrowIf(IsClosed, this);
            return (int)handle;
        }
    }

    protected override bool ReleaseHandle() => Native.Close((int)handle) == 0;

    public override string ToString() => IsClosed ? "fd (closed)" : $"fd {(int)handle}";
}
