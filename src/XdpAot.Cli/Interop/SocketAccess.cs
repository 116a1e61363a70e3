using System.Globalization;
using System.Runtime.InteropServices;
using XdpAot.Cli.Cli;

namespace XdpAot.Cli.Interop;

/// <summary>
/// Who may connect to a listening unix socket: connecting needs write permission on the socket file, so the back-end
/// (which holds the privileges) can hand access to an unprivileged VMM's group without running as that group.
/// </summary>
internal sealed unsafe partial class SocketAccess
{
    private readonly uint? _gid;
    private readonly uint? _mode;

    private SocketAccess(uint? gid, uint? mode)
    {
        _gid = gid;
        _mode = mode;
    }

    /// <summary>Null when neither option is given.</summary>
    public static SocketAccess? Parse(string? group, string? mode)
    {
        if (group is null && mode is null)
            return null;
        uint? gid = group is null ? null : GroupId(group);
        uint? m = null;
        if (mode is not null)
        {
            try
            {
                m = Convert.ToUInt32(mode, 8);
            }
            catch (Exception e) when (e is FormatException or OverflowException or ArgumentException)
            {
                throw new UsageException($"--socket-mode '{mode}': expected an octal mode such as 0660");
            }
            if (m > 0x1ff)
                throw new UsageException($"--socket-mode '{mode}': expected permission bits only (at most 0777)");
        }
        return new SocketAccess(gid, m ?? (gid is not null ? 0x1b0u /* 0660 */ : null));
    }

    /// <summary>Sets the socket file's group and mode.</summary>
    public void Apply(string path)
    {
        if (_gid is { } gid && Posix.Chown(path, uint.MaxValue /* (uid_t)-1: owner unchanged */, gid) != 0)
            throw new RunFailure($"--socket-group: chown '{path}' failed: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
        if (_mode is { } mode && Posix.Chmod(path, mode) != 0)
            throw new RunFailure($"--socket-mode: chmod '{path}' failed: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
    }

    private static uint GroupId(string group)
    {
        if (uint.TryParse(group, NumberStyles.None, CultureInfo.InvariantCulture, out uint gid))
            return gid;
        // struct group { char *gr_name; char *gr_passwd; gid_t gr_gid; char **gr_mem; }: gr_gid at 16 on LP64.
        byte* g = GetGrNam(group);
        if (g is null)
            throw new UsageException($"--socket-group '{group}': no such group");
        return *(uint*)(g + 16);
    }

    [LibraryImport("libc", EntryPoint = "getgrnam", StringMarshalling = StringMarshalling.Utf8)]
    private static partial byte* GetGrNam(string name);
}
