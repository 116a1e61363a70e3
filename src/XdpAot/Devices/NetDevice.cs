using System.Text;
using XdpAot.Interop;

namespace XdpAot.Devices;

/// <summary>
/// What the control path needs to know about a network interface, asked of the kernel through ioctls on the
/// calling thread's network namespace (not /sys, which may belong to another namespace).
/// </summary>
public static unsafe class NetDevice
{
    private const uint ETHTOOL_GCHANNELS = 0x3c;

    /// <summary>The interface index; throws (-ENODEV) with QEMU's message when there is no such interface.</summary>
    public static uint IndexOf(string ifName)
    {
        uint index = Libc.IfNameToIndex(ifName);
        if (index == 0)
            throw new XdpException(-Errno.ENODEV, $"failed to get ifindex for '{ifName}'");
        return index;
    }

    /// <summary>Queue counts from ETHTOOL_GCHANNELS.</summary>
    public readonly record struct Channels(uint MaxRx, uint MaxTx, uint MaxCombined, uint Rx, uint Tx, uint Combined)
    {
        /// <summary>Queues that can receive now (what start-queue + queues must fit in).</summary>
        public uint Active => Math.Max(Math.Max(Rx, Combined), 1);

        /// <summary>The most queues the device can have (the XSKMAP size, as libxdp sizes it).</summary>
        public uint Max => Math.Max(Math.Max(Math.Max(MaxRx, MaxTx), MaxCombined), Active);
    }

    /// <summary>Channel counts, or null when the driver does not report them (then it has one queue).</summary>
    public static Channels? GetChannels(string ifName)
    {
        uint* ch = stackalloc uint[9];
        new Span<uint>(ch, 9).Clear();
        ch[0] = ETHTOOL_GCHANNELS;
        var ifr = NewIfReq(ifName);
        ifr.Data = ch;
        if (!Ioctl(Libc.SIOCETHTOOL, &ifr))
            return null;
        return new Channels(ch[1], ch[2], ch[4], ch[5], ch[6], ch[8]);
    }

    /// <summary>Queues the device receives on now (1 when the driver does not say).</summary>
    public static uint ActiveQueues(string ifName) => GetChannels(ifName)?.Active ?? 1;

    /// <summary>The MTU, or null when it cannot be read.</summary>
    public static int? Mtu(string ifName)
    {
        var ifr = NewIfReq(ifName);
        return Ioctl(Libc.SIOCGIFMTU, &ifr) ? ifr.Value : null;
    }

    /// <summary>The hardware address, or null.</summary>
    public static byte[]? MacAddress(string ifName)
    {
        var ifr = NewIfReq(ifName);
        if (!Ioctl(Libc.SIOCGIFHWADDR, &ifr))
            return null;
        return new ReadOnlySpan<byte>(ifr.HwAddr, 6).ToArray();
    }

    private static Libc.IfReq NewIfReq(string ifName)
    {
        Libc.IfReq ifr = default;
        int n = Encoding.UTF8.GetBytes(ifName, new Span<byte>(ifr.Name, Libc.IFNAMSIZ - 1));
        ifr.Name[n] = 0;
        return ifr;
    }

    private static bool Ioctl(ulong request, Libc.IfReq* ifr)
    {
        int fd = Libc.Socket(Libc.AF_INET, Libc.SOCK_DGRAM | Libc.SOCK_CLOEXEC, 0);
        if (fd < 0)
            return false;
        try
        {
            return Libc.Ioctl(fd, request, ifr) == 0;
        }
        finally
        {
            Libc.Close(fd);
        }
    }
}
