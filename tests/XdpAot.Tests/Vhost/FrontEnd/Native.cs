using System.Runtime.InteropServices;
using System.Text;

namespace XdpAot.Tests.Vhost.FrontEnd;

/// <summary>
/// The whole libc surface of the test front-end: memfds and mappings (guest RAM), eventfds (kick/call),
/// Unix stream sockets with SCM_RIGHTS (the vhost-user channel) and poll (read timeouts). Kept apart from
/// XdpAot's own interop on purpose: the front-end is a second, independent implementation.
/// </summary>
internal static unsafe partial class Native
{
    private const string Libc = "libc";

    internal const int AF_UNIX = 1;
    internal const int SOCK_STREAM = 1;
    internal const int SOCK_CLOEXEC = 0x80000;
    internal const int SOL_SOCKET = 1;
    internal const int SCM_RIGHTS = 1;
    internal const int SHUT_RDWR = 2;

    internal const int MSG_CTRUNC = 0x8;
    internal const int MSG_TRUNC = 0x20;
    internal const int MSG_DONTWAIT = 0x40;
    internal const int MSG_NOSIGNAL = 0x4000;
    internal const int MSG_CMSG_CLOEXEC = 0x40000000;

    internal const uint MFD_CLOEXEC = 0x1;
    internal const uint MFD_HUGETLB = 0x4;
    internal const uint MFD_HUGE_2MB = 21u << 26;

    internal const int EFD_NONBLOCK = 0x800;
    internal const int EFD_CLOEXEC = 0x80000;

    internal const int PROT_READ = 0x1;
    internal const int PROT_WRITE = 0x2;
    internal const int MAP_SHARED = 0x1;

    internal const short POLLIN = 0x1;
    internal const short POLLERR = 0x8;
    internal const short POLLHUP = 0x10;
    internal const short POLLNVAL = 0x20;

    internal const int ENOENT = 2;
    internal const int EINTR = 4;
    internal const int EAGAIN = 11;
    internal const int EPIPE = 32;
    internal const int ECONNRESET = 104;
    internal const int ECONNREFUSED = 111;

    /// <summary>sizeof(struct sockaddr_un) on Linux: a 2-byte family and a 108-byte path.</summary>
    internal const int SockaddrUnSize = 110;
    internal const int SunPathMax = 108;

    /// <summary>The kernel's SCM_MAX_FD: the most descriptors one sendmsg may carry.</summary>
    internal const int ScmMaxFd = 253;

    [LibraryImport(Libc, EntryPoint = "memfd_create", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int MemfdCreate(string name, uint flags);

    [LibraryImport(Libc, EntryPoint = "ftruncate", SetLastError = true)]
    internal static partial int Ftruncate(int fd, long length);

    [LibraryImport(Libc, EntryPoint = "mmap", SetLastError = true)]
    internal static partial void* Mmap(void* addr, nuint length, int prot, int flags, int fd, long offset);

    [LibraryImport(Libc, EntryPoint = "munmap", SetLastError = true)]
    internal static partial int Munmap(void* addr, nuint length);

    [LibraryImport(Libc, EntryPoint = "close", SetLastError = true)]
    internal static partial int Close(int fd);

    [LibraryImport(Libc, EntryPoint = "eventfd", SetLastError = true)]
    internal static partial int EventFd(uint initval, int flags);

    [LibraryImport(Libc, EntryPoint = "read", SetLastError = true)]
    internal static partial nint Read(int fd, void* buf, nuint count);

    [LibraryImport(Libc, EntryPoint = "write", SetLastError = true)]
    internal static partial nint Write(int fd, void* buf, nuint count);

    [LibraryImport(Libc, EntryPoint = "socket", SetLastError = true)]
    internal static partial int Socket(int domain, int type, int protocol);

    [LibraryImport(Libc, EntryPoint = "socketpair", SetLastError = true)]
    internal static partial int SocketPair(int domain, int type, int protocol, int* sv);

    [LibraryImport(Libc, EntryPoint = "connect", SetLastError = true)]
    internal static partial int Connect(int fd, void* addr, uint addrlen);

    [LibraryImport(Libc, EntryPoint = "bind", SetLastError = true)]
    internal static partial int Bind(int fd, void* addr, uint addrlen);

    [LibraryImport(Libc, EntryPoint = "listen", SetLastError = true)]
    internal static partial int Listen(int fd, int backlog);

    [LibraryImport(Libc, EntryPoint = "accept4", SetLastError = true)]
    internal static partial int Accept4(int fd, void* addr, uint* addrlen, int flags);

    [LibraryImport(Libc, EntryPoint = "shutdown", SetLastError = true)]
    internal static partial int Shutdown(int fd, int how);

    [LibraryImport(Libc, EntryPoint = "sendmsg", SetLastError = true)]
    internal static partial nint SendMsg(int fd, MsgHdr* msg, int flags);

    [LibraryImport(Libc, EntryPoint = "recvmsg", SetLastError = true)]
    internal static partial nint RecvMsg(int fd, MsgHdr* msg, int flags);

    [LibraryImport(Libc, EntryPoint = "poll", SetLastError = true)]
    internal static partial int Poll(PollFd* fds, nuint nfds, int timeout);

    [LibraryImport(Libc, EntryPoint = "unlink", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int Unlink(string path);

    [StructLayout(LayoutKind.Sequential)]
    internal struct IoVec
    {
        public void* Base;
        public nuint Length;
    }

    /// <summary>struct msghdr (x86-64: 56 bytes).</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct MsgHdr
    {
        public void* Name;
        public uint NameLen;
        public IoVec* Iov;
        public nuint IovLen;
        public void* Control;
        public nuint ControlLen;
        public int Flags;
    }

    /// <summary>struct cmsghdr (16 bytes, then the data).</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct CmsgHdr
    {
        public nuint Len;
        public int Level;
        public int Type;
    }

    [StructLayout(LayoutKind.Sequential)]
    internal struct PollFd
    {
        public int Fd;
        public short Events;
        public short REvents;
    }

    internal static int CmsgLen(int fdCount) => sizeof(CmsgHdr) + fdCount * sizeof(int);

    internal static int CmsgSpace(int fdCount) => sizeof(CmsgHdr) + ((fdCount * sizeof(int) + 7) & ~7);

    internal static int Errno => Marshal.GetLastPInvokeError();

    internal static string Describe(int errno) => $"{Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})";

    /// <summary>An IOException for a failed call, naming what was being done and errno.</summary>
    internal static IOException Failure(string what, int errno) => new($"{what}: {Describe(errno)}");

    /// <summary>Throws for a -1 result; returns the result otherwise.</summary>
    internal static int Check(int result, string what)
    {
        if (result < 0)
            throw Failure(what, Errno);
        return result;
    }

    /// <summary>A sockaddr_un for a filesystem path; throws if the path does not fit.</summary>
    internal static byte[] SockaddrUn(string path)
    {
        byte[] utf8 = Encoding.UTF8.GetBytes(path);
        if (utf8.Length == 0 || utf8.Length >= SunPathMax)
            throw new ArgumentException($"Unix socket path '{path}' must be 1..{SunPathMax - 1} bytes long", nameof(path));
        var addr = new byte[SockaddrUnSize];
        addr[0] = AF_UNIX;
        utf8.CopyTo(addr, 2);
        return addr;
    }

    /// <summary>Waits until <paramref name="fd"/> is readable (or hung up); false on timeout.</summary>
    internal static bool WaitReadable(int fd, TimeSpan timeout)
    {
        long deadline = Environment.TickCount64 + (long)timeout.TotalMilliseconds;
        while (true)
        {
            long left = Math.Max(0, deadline - Environment.TickCount64);
            var pfd = new PollFd { Fd = fd, Events = POLLIN };
            int r = Poll(&pfd, 1, (int)Math.Min(left, int.MaxValue));
            if (r > 0)
                return true;
            if (r == 0)
                return false;
            int errno = Errno;
            if (errno != EINTR)
                throw Failure($"poll(fd {fd})", errno);
        }
    }
}
