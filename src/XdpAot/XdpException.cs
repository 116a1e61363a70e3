namespace XdpAot;

/// <summary>
/// A control-path failure. <see cref="Errno"/> is the negative errno that the C ABI returns for it; the message
/// names the interface, queue and option involved.
/// </summary>
public sealed class XdpException : Exception
{
    /// <summary>Creates an exception with a negative errno (e.g. -EINVAL) and a message.</summary>
    public XdpException(int errno, string message) : base(message) => Errno = errno < 0 ? errno : -errno;

    /// <summary>Creates an exception with a negative errno, a message and the failure that caused it.</summary>
    public XdpException(int errno, string message, Exception inner) : base(message, inner) => Errno = errno < 0 ? errno : -errno;

    /// <summary>Negative errno describing the failure (e.g. -EINVAL, -EBUSY, -ENODEV).</summary>
    public int Errno { get; }
}
