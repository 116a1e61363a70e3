namespace XdpAot.Cli.Interop;

/// <summary>Socket constants the core's <c>XdpAot.Interop.Libc</c> does not need.</summary>
internal static partial class Posix
{
    public const int AF_NETLINK = 16;
}
