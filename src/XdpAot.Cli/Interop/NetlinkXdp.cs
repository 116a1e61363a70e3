using XdpAot.Interop;
using System.Runtime.InteropServices;

namespace XdpAot.Cli.Interop;

/// <summary>
/// What XDP programs an interface has now, asked of rtnetlink (RTM_GETLINK, the nested IFLA_XDP attribute) in
/// the calling thread's network namespace. Unlike the BPF link list it also sees programs attached by netlink
/// (libxdp, ip link set xdp), and it needs no privileges.
/// </summary>
internal static unsafe class NetlinkXdp
{
    private const int AF_NETLINK = 16;
    private const int NETLINK_ROUTE = 0;
    private const ushort RTM_NEWLINK = 16;
    private const ushort RTM_GETLINK = 18;
    private const ushort NLMSG_ERROR = 2;
    private const ushort NLM_F_REQUEST = 1;
    private const ushort IFLA_XDP = 43;
    private const ushort IFLA_XDP_ATTACHED = 2;
    private const ushort IFLA_XDP_PROG_ID = 4;
    private const ushort IFLA_XDP_DRV_PROG_ID = 5;
    private const ushort IFLA_XDP_SKB_PROG_ID = 6;
    private const ushort IFLA_XDP_HW_PROG_ID = 7;

    /// <summary>XDP_ATTACHED_*: none, drv, skb, hw, multi.</summary>
    public enum Attached : byte { None = 0, Native = 1, Skb = 2, Hardware = 3, Multi = 4 }

    /// <summary>The attach state and the program id in each mode (0 = none).</summary>
    public readonly record struct State(Attached Attached, uint ProgramId, uint NativeId, uint SkbId, uint HardwareId);

    [StructLayout(LayoutKind.Sequential)]
    private struct Request
    {
        public uint Len;
        public ushort Type;
        public ushort Flags;
        public uint Seq;
        public uint Pid;
        public byte Family;
        public byte Pad;
        public ushort IfType;
        public int Index;
        public uint IfFlags;
        public uint Change;
    }

    /// <summary>Queries the interface; null when netlink fails (the errno is returned).</summary>
    public static State? Query(uint ifIndex, out int errno)
    {
        errno = 0;
        int fd = Libc.Socket(AF_NETLINK, Libc.SOCK_RAW | Libc.SOCK_CLOEXEC, NETLINK_ROUTE);
        if (fd < 0)
        {
            errno = Libc.Errno;
            return null;
        }
        try
        {
            var req = new Request { Len = (uint)sizeof(Request), Type = RTM_GETLINK, Flags = NLM_F_REQUEST, Seq = 1, Index = (int)ifIndex };
            if (Libc.SendTo(fd, &req, (nuint)sizeof(Request), 0, null, 0) < 0)
            {
                errno = Libc.Errno;
                return null;
            }
            const int Size = 65536;
            byte* buf = (byte*)NativeMemory.Alloc(Size);
            try
            {
                nint n = Libc.RecvFrom(fd, buf, Size, 0, null, null);
                if (n < 0)
                {
                    errno = Libc.Errno;
                    return null;
                }
                return Parse(buf, (int)n, out errno);
            }
            finally
            {
                NativeMemory.Free(buf);
            }
        }
        finally
        {
            Libc.Close(fd);
        }
    }

    private static State? Parse(byte* buf, int length, out int errno)
    {
        errno = 0;
        if (length < 16)
        {
            errno = Posix.EINVAL;
            return null;
        }
        uint msgLen = *(uint*)buf;
        ushort type = *(ushort*)(buf + 4);
        if (type == NLMSG_ERROR)
        {
            errno = -*(int*)(buf + 16);
            return null;
        }
        if (type != RTM_NEWLINK || msgLen > length)
        {
            errno = Posix.EINVAL;
            return null;
        }
        // nlmsghdr (16) + ifinfomsg (16), then rtattrs aligned to 4.
        var state = new State(Attached.None, 0, 0, 0, 0);
        for (int off = 32; off + 4 <= msgLen;)
        {
            ushort len = *(ushort*)(buf + off), attr = (ushort)(*(ushort*)(buf + off + 2) & 0x3fff);
            if (len < 4)
                break;
            if (attr == IFLA_XDP)
                state = ParseXdp(buf + off + 4, len - 4);
            off += (len + 3) & ~3;
        }
        return state;
    }

    private static State ParseXdp(byte* p, int length)
    {
        Attached attached = Attached.None;
        uint prog = 0, drv = 0, skb = 0, hw = 0;
        for (int off = 0; off + 4 <= length;)
        {
            ushort len = *(ushort*)(p + off), type = *(ushort*)(p + off + 2);
            if (len < 4)
                break;
            byte* data = p + off + 4;
            switch (type)
            {
                case IFLA_XDP_ATTACHED: attached = (Attached)(*data); break;
                case IFLA_XDP_PROG_ID: prog = *(uint*)data; break;
                case IFLA_XDP_DRV_PROG_ID: drv = *(uint*)data; break;
                case IFLA_XDP_SKB_PROG_ID: skb = *(uint*)data; break;
                case IFLA_XDP_HW_PROG_ID: hw = *(uint*)data; break;
            }
            off += (len + 3) & ~3;
        }
        // With one program attached the kernel reports only IFLA_XDP_PROG_ID; place it by mode.
        if (prog != 0)
        {
            if (attached == Attached.Native && drv == 0) drv = prog;
            if (attached == Attached.Skb && skb == 0) skb = prog;
            if (attached == Attached.Hardware && hw == 0) hw = prog;
        }
        return new State(attached, prog, drv, skb, hw);
    }
}
