using System.Runtime.InteropServices;

namespace XdpAot.Cli.Interop;

/// <summary>
/// The libc calls only the executable needs (process accounting, signals, files, namespaces); sockets, poll, mmap
/// and bpf() come from the core's <c>XdpAot.Interop.Libc</c> and <c>XdpAot.Ebpf.BpfSyscall</c>.
/// </summary>
internal static unsafe partial class Posix
{
    private const string Libc = "libc";

    public const int EPERM = 1;
    public const int ENOENT = 2;
    public const int EBUSY = 16;
    public const int EEXIST = 17;
    public const int EINVAL = 22;
    public const int ERANGE = 34;
    public const int EOPNOTSUPP = 95;
    public const int ENETDOWN = 100;

    public const int RUSAGE_SELF = 0;
    public const int CLONE_NEWNET = 0x40000000;
    public const int O_RDONLY_CLOEXEC = 0x80000;
    public const int SIGINT = 2;
    public const int SIGKILL = 9;
    public const int SIGTERM = 15;

    [StructLayout(LayoutKind.Sequential)]
    public struct TimeVal
    {
        public long Seconds;
        public long Microseconds;

        public readonly double TotalSeconds => Seconds + Microseconds / 1e6;
    }

    /// <summary>struct rusage: the two CPU times, then 14 longs we do not read.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct RUsage
    {
        public TimeVal User;
        public TimeVal System;
        private fixed long _rest[14];
    }

    [LibraryImport(Libc, EntryPoint = "getrusage", SetLastError = true)]
    public static partial int GetRUsage(int who, RUsage* usage);

    /// <summary>User and system CPU seconds of the whole process so far.</summary>
    public static (double User, double System) CpuTimes()
    {
        RUsage u;
        if (GetRUsage(RUSAGE_SELF, &u) != 0)
            return (0, 0);
        return (u.User.TotalSeconds, u.System.TotalSeconds);
    }

    [LibraryImport(Libc, EntryPoint = "kill", SetLastError = true)]
    public static partial int Kill(int pid, int signal);

    [LibraryImport(Libc, EntryPoint = "geteuid")]
    public static partial uint GetEuid();

    [LibraryImport(Libc, EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Open(string path, int flags);

    [LibraryImport(Libc, EntryPoint = "setns", SetLastError = true)]
    public static partial int SetNs(int fd, int nstype);

    [LibraryImport(Libc, EntryPoint = "chmod", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Chmod(string path, uint mode);

    [LibraryImport(Libc, EntryPoint = "chown", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Chown(string path, uint owner, uint group);
}
