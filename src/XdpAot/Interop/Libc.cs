using System.Runtime.InteropServices;

namespace XdpAot.Interop;

/// <summary>
/// The libc surface XdpAot uses, one file per native area (sockets, memory, polling, BPF, netdev).
/// All imports are source-generated <see cref="LibraryImportAttribute"/> with SetLastError, so errno is read
/// through <see cref="Marshal.GetLastPInvokeError"/> right after the call and nothing needs runtime marshalling.
/// </summary>
internal static unsafe partial class Libc
{
    internal const string Name = "libc";

    [LibraryImport(Name, EntryPoint = "close", SetLastError = true)]
    internal static partial int Close(int fd);

    [LibraryImport(Name, EntryPoint = "fcntl", SetLastError = true)]
    internal static partial int Fcntl(int fd, int cmd, int arg);

    [LibraryImport(Name, EntryPoint = "getpid")]
    internal static partial int GetPid();

    [LibraryImport(Name, EntryPoint = "getrlimit", SetLastError = true)]
    internal static partial int GetRlimit(int resource, RLimit* rlim);

    [LibraryImport(Name, EntryPoint = "sched_setaffinity", SetLastError = true)]
    internal static partial int SchedSetAffinity(int pid, nuint cpusetsize, ulong* mask);

    /// <summary>The calling thread's errno after a failed call.</summary>
    internal static int Errno => Marshal.GetLastPInvokeError();

    /// <summary>strerror() text for an errno value.</summary>
    internal static string StrError(int errno) => Marshal.GetPInvokeErrorMessage(errno);

    internal struct RLimit
    {
        public ulong Current;
        public ulong Max;
    }

    internal const int RLIMIT_MEMLOCK = 8;
    internal const int F_GETFD = 1;
    internal const int F_SETFD = 2;
    internal const int FD_CLOEXEC = 1;
}
