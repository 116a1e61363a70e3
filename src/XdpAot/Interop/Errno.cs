namespace XdpAot.Interop;

/// <summary>The errno values the control path reports by name.</summary>
internal static class Errno
{
    internal const int EPERM = 1;
    internal const int ENOENT = 2;
    internal const int EINTR = 4;
    internal const int EBADF = 9;
    internal const int EAGAIN = 11;
    internal const int ENOMEM = 12;
    internal const int EBUSY = 16;
    internal const int EEXIST = 17;
    internal const int ENODEV = 19;
    internal const int EINVAL = 22;
    internal const int ERANGE = 34;
    internal const int ENOTSOCK = 88;
    internal const int EOPNOTSUPP = 95;
    internal const int ENOBUFS = 105;
    internal const int ENETDOWN = 100;
    internal const int ENXIO = 6;
    internal const int E2BIG = 7;
    internal const int EFAULT = 14;
    internal const int ENOSPC = 28;
    internal const int EPIPE = 32;
    internal const int EPROTO = 71;
    internal const int EMSGSIZE = 90;
    internal const int ECONNRESET = 104;
    internal const int ENOTCONN = 107;
    internal const int ECONNREFUSED = 111;
}
