// Names and layouts are the specification's own (see its tables); documenting each again would only repeat them.
#pragma warning disable CS1591

namespace XdpAot.Vhost.Virtio;

/// <summary>
/// Feature bit numbers: device-independent ones (virtio 1.2 §6), virtio-net's (§5.1.3), and vhost-user's bit 30,
/// which reuses a bit virtio reserves so that no driver can negotiate it.
/// </summary>
public static class VirtioFeature
{
    public const int NetCsum = 0;
    public const int NetGuestCsum = 1;
    public const int NetMtu = 3;
    public const int NetMac = 5;
    public const int NetGuestTso4 = 7;
    public const int NetGuestTso6 = 8;
    public const int NetGuestUfo = 10;
    public const int NetHostTso4 = 11;
    public const int NetHostTso6 = 12;
    public const int NetHostUfo = 14;
    public const int NetMrgRxBuf = 15;
    public const int NetStatus = 16;
    public const int NetCtrlVq = 17;
    public const int NetMq = 22;
    public const int LogAll = 26;
    public const int RingIndirectDesc = 28;
    public const int RingEventIdx = 29;
    public const int ProtocolFeatures = 30;
    public const int Version1 = 32;
    public const int AccessPlatform = 33;
    public const int RingPacked = 34;
    public const int InOrder = 35;
    public const int NotificationData = 38;
    public const int RingReset = 40;

    /// <summary>The mask of one bit.</summary>
    public static ulong Bit(int bit) => 1UL << bit;

    /// <summary>True when <paramref name="bit"/> is set in <paramref name="features"/>.</summary>
    public static bool Has(ulong features, int bit) => (features & (1UL << bit)) != 0;

    /// <summary>"VERSION_1 INDIRECT_DESC …" for messages and --print-capabilities.</summary>
    public static string Describe(ulong features)
    {
        var names = new List<string>();
        for (int bit = 0; bit < 64; bit++)
        {
            if ((features & (1UL << bit)) != 0)
                names.Add(Name(bit));
        }
        return string.Join(' ', names);
    }

    private static string Name(int bit) => bit switch
    {
        NetCsum => "CSUM",
        NetGuestCsum => "GUEST_CSUM",
        NetMtu => "MTU",
        NetMac => "MAC",
        NetGuestTso4 => "GUEST_TSO4",
        NetGuestTso6 => "GUEST_TSO6",
        NetGuestUfo => "GUEST_UFO",
        NetHostTso4 => "HOST_TSO4",
        NetHostTso6 => "HOST_TSO6",
        NetHostUfo => "HOST_UFO",
        NetMrgRxBuf => "MRG_RXBUF",
        NetStatus => "STATUS",
        NetCtrlVq => "CTRL_VQ",
        NetMq => "MQ",
        LogAll => "LOG_ALL",
        RingIndirectDesc => "INDIRECT_DESC",
        RingEventIdx => "EVENT_IDX",
        ProtocolFeatures => "PROTOCOL_FEATURES",
        Version1 => "VERSION_1",
        AccessPlatform => "ACCESS_PLATFORM",
        RingPacked => "RING_PACKED",
        InOrder => "IN_ORDER",
        NotificationData => "NOTIFICATION_DATA",
        RingReset => "RING_RESET",
        _ => $"bit{bit}",
    };
}
