using System.Text;
using XdpAot.Interop;

namespace XdpAot.Cli.Interop;

/// <summary>
/// The service manager's readiness protocol (sd_notify(3)) without libsystemd: one datagram of
/// <c>KEY=VALUE</c> lines to the unix socket named by <c>$NOTIFY_SOCKET</c>, a path or, with a leading <c>@</c>, an
/// abstract name. A unit with <c>Type=notify</c> counts as started only once <c>READY=1</c> arrives, so the
/// vhost command sends it after its socket listens. Without the variable (not started by systemd) every call
/// does nothing. Nothing here throws: a failed notification returns false and the service goes on.
/// </summary>
internal static unsafe class SystemdNotify
{
    public const string Variable = "NOTIFY_SOCKET";

    // Messages are a few short lines; sun_path holds 108 bytes (an abstract name: 107 after its leading NUL).
    private const int MaxMessage = 4096;
    private const int SunPathSize = 108;
    private const int SunPathOffset = 2;
    private const int MSG_NOSIGNAL = 0x4000;

    /// <summary>READY=1 (and STATUS=<paramref name="status"/> when given): startup is finished.</summary>
    public static bool Ready(string? status = null) =>
        status is null ? Send("READY=1") : Send($"READY=1\nSTATUS={status}");

    /// <summary>STATUS=<paramref name="status"/>: one line that <c>systemctl status</c> shows.</summary>
    public static bool Status(string status) => Send($"STATUS={status}");

    /// <summary>STOPPING=1: shutdown has begun.</summary>
    public static bool Stopping() => Send("STOPPING=1");

    /// <summary>Sends <paramref name="state"/> to <c>$NOTIFY_SOCKET</c>; false when it is unset or the send failed.</summary>
    public static bool Send(string state) => Send(Environment.GetEnvironmentVariable(Variable), state);

    /// <summary>Sends <paramref name="state"/> to the socket <paramref name="address"/> (a path or @abstract name).</summary>
    public static bool Send(string? address, string state)
    {
        if (string.IsNullOrEmpty(address) || (address[0] != '/' && address[0] != '@') || address.Length < 2)
            return false;
        byte* sockaddr = stackalloc byte[SunPathOffset + SunPathSize];
        new Span<byte>(sockaddr, SunPathOffset + SunPathSize).Clear();
        *(ushort*)sockaddr = Libc.AF_UNIX;
        var path = new Span<byte>(sockaddr + SunPathOffset, SunPathSize);
        bool isAbstract = address[0] == '@';
        // A path needs room for its terminating NUL; an abstract name starts with a NUL and has none at the end.
        var name = isAbstract ? path[1..] : path[..^1];
        if (!Encoding.UTF8.TryGetBytes(address.AsSpan(isAbstract ? 1 : 0), name, out int nameLength))
            return false;
        uint sockaddrLength = (uint)(SunPathOffset + nameLength + 1);

        Span<byte> message = stackalloc byte[MaxMessage];
        if (!Encoding.UTF8.TryGetBytes(state, message, out int messageLength))
            return false;

        int fd = Libc.Socket(Libc.AF_UNIX, Libc.SOCK_DGRAM | Libc.SOCK_CLOEXEC, 0);
        if (fd < 0)
            return false;
        try
        {
            fixed (byte* data = message)
                return Libc.SendTo(fd, data, (nuint)messageLength, MSG_NOSIGNAL, sockaddr, sockaddrLength) == messageLength;
        }
        finally
        {
            Libc.Close(fd);
        }
    }
}
