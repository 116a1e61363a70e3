namespace XdpAot.Tests.Vhost.FrontEnd;

public sealed partial class VirtioNetFrontEnd
{
    /// <summary>What a virtio-net driver with vhost-user asks for by default: VERSION_1, MRG_RXBUF, INDIRECT_DESC, EVENT_IDX, NET MQ and PROTOCOL_FEATURES.</summary>
    public const ulong DefaultFeatures = VirtioFeature.Version1 | VirtioFeature.MrgRxbuf | VirtioFeature.IndirectDesc |
        VirtioFeature.EventIdx | VirtioFeature.NetMq | VirtioFeature.ProtocolFeatures;

    /// <summary>The protocol features asked for by default: MQ, REPLY_ACK, CONFIGURE_MEM_SLOTS, STATUS.</summary>
    public const ulong DefaultProtocolFeatures = ProtocolFeature.Mq | ProtocolFeature.ReplyAck |
        ProtocolFeature.ConfigureMemSlots | ProtocolFeature.Status;

    /// <summary>
    /// Virtio features this driver cannot honour, so <see cref="Negotiate"/> refuses to ask for them: packed rings, an
    /// IOMMU, notification data, ring reset and dirty logging. <see cref="SetFeatures"/> still sends anything.
    /// </summary>
    public const ulong UndrivableFeatures = VirtioFeature.RingPacked | VirtioFeature.AccessPlatform |
        VirtioFeature.NotificationData | VirtioFeature.RingReset | VirtioFeature.LogAll;

    /// <summary>
    /// Protocol features that change the protocol in ways this front-end does not follow (in-band kicks, Xen mappings,
    /// postcopy, and every bit from 20 up, which upstream renumbered in 2026).
    /// </summary>
    public const ulong UndrivableProtocolFeatures = ProtocolFeature.InbandNotifications | ProtocolFeature.XenMmap |
        ProtocolFeature.Pagefault | ~((1UL << 20) - 1);

    /// <summary>GET_FEATURES as the back-end answered.</summary>
    public ulong DeviceFeatures { get; private set; }

    /// <summary>GET_PROTOCOL_FEATURES as the back-end answered (0 if never asked).</summary>
    public ulong DeviceProtocolFeatures { get; private set; }

    /// <summary>The features last sent with SET_FEATURES.</summary>
    public ulong AckedFeatures { get; private set; }

    /// <summary>The protocol features last sent with SET_PROTOCOL_FEATURES.</summary>
    public ulong AckedProtocolFeatures { get; private set; }

    /// <summary>GET_QUEUE_NUM (queue pairs) when protocol MQ was negotiated, else 1.</summary>
    public int MaxQueuePairs { get; private set; } = 1;

    /// <summary>What the last <see cref="Negotiate"/> asked for (and what <see cref="Reconnect"/> asks for again).</summary>
    public ulong WantedFeatures { get; private set; } = DefaultFeatures;

    public ulong WantedProtocolFeatures { get; private set; } = DefaultProtocolFeatures;

    public bool Has(ulong virtioFeature) => (AckedFeatures & virtioFeature) == virtioFeature;

    public bool HasProtocol(ulong protocolFeature) => (AckedProtocolFeatures & protocolFeature) == protocolFeature;

    /// <summary>The virtio-net header: 12 bytes with VERSION_1 or MRG_RXBUF, else the 10-byte legacy one.</summary>
    public int HeaderLength => (AckedFeatures & (VirtioFeature.Version1 | VirtioFeature.MrgRxbuf)) != 0 ? VirtioNetHdr.Size : VirtioNetHdr.LegacySize;

    /// <summary>
    /// The session start: GET_FEATURES; GET_PROTOCOL_FEATURES and SET_PROTOCOL_FEATURES when the back-end offers
    /// PROTOCOL_FEATURES and <paramref name="features"/> includes it; GET_QUEUE_NUM with protocol MQ; SET_OWNER;
    /// SET_FEATURES. Each side acks what both want and the back-end offers. Features in <see cref="UndrivableFeatures"/>
    /// or <see cref="UndrivableProtocolFeatures"/> are refused up front.
    /// </summary>
    public void Negotiate(ulong features = DefaultFeatures, ulong protocolFeatures = DefaultProtocolFeatures)
    {
        if ((features & UndrivableFeatures) != 0)
            throw new ArgumentException($"the front-end cannot drive virtio features 0x{features & UndrivableFeatures:x} (packed ring, IOMMU, notification data, ring reset, dirty log); send them with SetFeatures if a test needs them on the wire", nameof(features));
        if ((protocolFeatures & UndrivableProtocolFeatures) != 0)
            throw new ArgumentException($"the front-end cannot follow protocol features 0x{protocolFeatures & UndrivableProtocolFeatures:x}; send them with SetProtocolFeatures if a test needs them on the wire", nameof(protocolFeatures));
        WantedFeatures = features;
        WantedProtocolFeatures = protocolFeatures;
        DeviceFeatures = GetFeatures();
        if ((DeviceFeatures & features & VirtioFeature.ProtocolFeatures) != 0)
        {
            DeviceProtocolFeatures = GetProtocolFeatures();
            SetProtocolFeatures(protocolFeatures & DeviceProtocolFeatures);
        }
        MaxQueuePairs = HasProtocol(ProtocolFeature.Mq) ? (int)GetQueueNum() : 1;
        SetOwner();
        SetFeatures(features & DeviceFeatures);
    }

    public ulong GetFeatures() => VhostUserPayload.ReadU64(Query(VhostUserRequest.GetFeatures), VhostUserRequest.GetFeatures);

    /// <summary>SET_FEATURES; also tells the queues whether EVENT_IDX is on.</summary>
    public void SetFeatures(ulong features)
    {
        Request(VhostUserRequest.SetFeatures, VhostUserPayload.U64(features), detail: $"0x{features:x}");
        AckedFeatures = features;
        foreach (var p in _pairs)
            p.Rx.EventIdx = p.Tx.EventIdx = Has(VirtioFeature.EventIdx);
    }

    public ulong GetProtocolFeatures() =>
        VhostUserPayload.ReadU64(Query(VhostUserRequest.GetProtocolFeatures), VhostUserRequest.GetProtocolFeatures);

    /// <summary>SET_PROTOCOL_FEATURES; REPLY_ACK applies from the next request on.</summary>
    public void SetProtocolFeatures(ulong protocolFeatures)
    {
        Request(VhostUserRequest.SetProtocolFeatures, VhostUserPayload.U64(protocolFeatures), detail: $"0x{protocolFeatures:x}");
        AckedProtocolFeatures = protocolFeatures;
        _replyAck = (protocolFeatures & ProtocolFeature.ReplyAck) != 0;
    }

    public ulong GetQueueNum() => VhostUserPayload.ReadU64(Query(VhostUserRequest.GetQueueNum), VhostUserRequest.GetQueueNum);

    public void SetOwner() => Request(VhostUserRequest.SetOwner);

    /// <summary>GET_STATUS (needs protocol STATUS).</summary>
    public byte GetStatus() => (byte)VhostUserPayload.ReadU64(Query(VhostUserRequest.GetStatus), VhostUserRequest.GetStatus);

    /// <summary>SET_STATUS with the device status byte (needs protocol STATUS).</summary>
    public void SetStatus(byte status) => Request(VhostUserRequest.SetStatus, VhostUserPayload.U64(status), detail: $"0x{status:x}");

    /// <summary>QEMU's way to add status bits: GET_STATUS, then SET_STATUS(old | bits) unless they are all set already.</summary>
    public void AddStatus(byte bits)
    {
        byte old = GetStatus();
        if ((old & bits) != bits)
            SetStatus((byte)(old | bits));
    }
}
