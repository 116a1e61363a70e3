namespace XdpAot.Tests.Vhost.FrontEnd;

// Every number the front-end puts on the wire or into guest memory, in one place. Sources: QEMU
// docs/interop/vhost-user.rst (requests, flags, protocol features, payloads), the virtio 1.2 split ring and
// virtio-net chapters (descriptor flags, feature bits, status, net header). All values are little-endian,
// which on x86-64 is also the machine-native order vhost-user uses.

/// <summary>Front-end → back-end request ids (vhost-user.rst "Front-end message types").</summary>
public enum VhostUserRequest : uint
{
    None = 0,
    GetFeatures = 1,
    SetFeatures = 2,
    SetOwner = 3,
    ResetOwner = 4,
    SetMemTable = 5,
    SetLogBase = 6,
    SetLogFd = 7,
    SetVringNum = 8,
    SetVringAddr = 9,
    SetVringBase = 10,
    GetVringBase = 11,
    SetVringKick = 12,
    SetVringCall = 13,
    SetVringErr = 14,
    GetProtocolFeatures = 15,
    SetProtocolFeatures = 16,
    GetQueueNum = 17,
    SetVringEnable = 18,
    SendRarp = 19,
    NetSetMtu = 20,
    SetBackendReqFd = 21,
    IotlbMsg = 22,
    SetVringEndian = 23,
    GetConfig = 24,
    SetConfig = 25,
    CreateCryptoSession = 26,
    CloseCryptoSession = 27,
    PostcopyAdvise = 28,
    PostcopyListen = 29,
    PostcopyEnd = 30,
    GetInflightFd = 31,
    SetInflightFd = 32,
    GpuSetSocket = 33,
    ResetDevice = 34,
    VringKick = 35,
    GetMaxMemSlots = 36,
    AddMemReg = 37,
    RemMemReg = 38,
    SetStatus = 39,
    GetStatus = 40,
    GetSharedObject = 41,
    SetDeviceStateFd = 42,
    CheckDeviceState = 43,
    GetShmemConfig = 44,
}

/// <summary>The header's flags word.</summary>
public static class VhostUserFlags
{
    /// <summary>Protocol version, bits 0-1; 1 is the only version.</summary>
    public const uint Version = 0x1;
    public const uint VersionMask = 0x3;
    /// <summary>Set by the back-end on every reply.</summary>
    public const uint Reply = 0x4;
    /// <summary>Asks for a u64 ack (with REPLY_ACK negotiated).</summary>
    public const uint NeedReply = 0x8;
}

/// <summary>Message sizes and limits.</summary>
public static class VhostUserLayout
{
    /// <summary>u32 request, u32 flags, u32 size.</summary>
    public const int HeaderSize = 12;
    /// <summary>Largest payload the front-end accepts in a reply (rust-vmm's MAX_MSG_SIZE).</summary>
    public const int MaxPayloadSize = 0x1000;
    /// <summary>Regions one SET_MEM_TABLE may carry.</summary>
    public const int MaxMemTableRegions = 8;
    /// <summary>Most fds the front-end will accept in one reply.</summary>
    public const int MaxReceivedFds = 32;

    public const int U64Size = 8;
    /// <summary>u32 index, u32 num (SET_VRING_NUM/BASE/ENABLE, GET_VRING_BASE).</summary>
    public const int VringStateSize = 8;
    /// <summary>u32 index, u32 flags, u64 desc, u64 used, u64 avail, u64 log.</summary>
    public const int VringAddrSize = 40;
    public const int VringAddrDescOffset = 8;
    public const int VringAddrUsedOffset = 16;
    public const int VringAddrAvailOffset = 24;
    public const int VringAddrLogOffset = 32;
    /// <summary>u64 guest_phys_addr, u64 memory_size, u64 userspace_addr, u64 mmap_offset.</summary>
    public const int MemoryRegionSize = 32;
    /// <summary>u32 nregions, u32 padding (then the regions).</summary>
    public const int MemoryTableHeaderSize = 8;
    /// <summary>u64 padding, then one region (ADD_MEM_REG / REM_MEM_REG).</summary>
    public const int SingleRegionSize = 40;
    /// <summary>u64 mmap_size, u64 mmap_offset (SET_LOG_BASE).</summary>
    public const int LogSize = 16;

    /// <summary>SET_VRING_KICK/CALL/ERR u64: bits 0-7 are the vring index.</summary>
    public const ulong VringIndexMask = 0xff;
    /// <summary>SET_VRING_KICK/CALL/ERR u64: no fd attached (poll instead).</summary>
    public const ulong VringNoFd = 0x100;
    /// <summary>SET_VRING_ADDR flags bit 0: log used-ring writes.</summary>
    public const uint VringFlagLog = 0x1;
}

/// <summary>Virtio device feature bits as masks (virtio 1.2 §6 and §5.1.3; bit 30 is vhost-user's).</summary>
public static class VirtioFeature
{
    public const ulong Csum = 1UL << 0;
    public const ulong GuestCsum = 1UL << 1;
    public const ulong CtrlGuestOffloads = 1UL << 2;
    public const ulong Mtu = 1UL << 3;
    public const ulong Mac = 1UL << 5;
    public const ulong GuestTso4 = 1UL << 7;
    public const ulong GuestTso6 = 1UL << 8;
    public const ulong GuestEcn = 1UL << 9;
    public const ulong GuestUfo = 1UL << 10;
    public const ulong HostTso4 = 1UL << 11;
    public const ulong HostTso6 = 1UL << 12;
    public const ulong HostEcn = 1UL << 13;
    public const ulong HostUfo = 1UL << 14;
    public const ulong MrgRxbuf = 1UL << 15;
    public const ulong Status = 1UL << 16;
    public const ulong CtrlVq = 1UL << 17;
    public const ulong CtrlRx = 1UL << 18;
    public const ulong CtrlVlan = 1UL << 19;
    public const ulong GuestAnnounce = 1UL << 21;
    /// <summary>VIRTIO_NET_F_MQ (net multiqueue), not to be confused with the protocol feature MQ.</summary>
    public const ulong NetMq = 1UL << 22;
    public const ulong CtrlMacAddr = 1UL << 23;
    public const ulong NotifyOnEmpty = 1UL << 24;
    /// <summary>VHOST_F_LOG_ALL (dirty logging for migration).</summary>
    public const ulong LogAll = 1UL << 26;
    public const ulong AnyLayout = 1UL << 27;
    public const ulong IndirectDesc = 1UL << 28;
    public const ulong EventIdx = 1UL << 29;
    /// <summary>VHOST_USER_F_PROTOCOL_FEATURES: GET/SET_PROTOCOL_FEATURES exist; rings start disabled.</summary>
    public const ulong ProtocolFeatures = 1UL << 30;
    public const ulong Version1 = 1UL << 32;
    public const ulong AccessPlatform = 1UL << 33;
    public const ulong RingPacked = 1UL << 34;
    public const ulong InOrder = 1UL << 35;
    public const ulong OrderPlatform = 1UL << 36;
    public const ulong NotificationData = 1UL << 38;
    public const ulong RingReset = 1UL << 40;
    public const ulong GuestUso4 = 1UL << 54;
    public const ulong GuestUso6 = 1UL << 55;
    public const ulong HostUso = 1UL << 56;
    public const ulong HashReport = 1UL << 57;
    public const ulong Rss = 1UL << 60;
}

/// <summary>vhost-user protocol feature bits as masks (vhost-user.rst "Protocol features").</summary>
public static class ProtocolFeature
{
    public const ulong Mq = 1UL << 0;
    public const ulong LogShmfd = 1UL << 1;
    public const ulong Rarp = 1UL << 2;
    public const ulong ReplyAck = 1UL << 3;
    public const ulong NetMtu = 1UL << 4;
    public const ulong BackendReq = 1UL << 5;
    public const ulong CrossEndian = 1UL << 6;
    public const ulong CryptoSession = 1UL << 7;
    public const ulong Pagefault = 1UL << 8;
    public const ulong Config = 1UL << 9;
    public const ulong BackendSendFd = 1UL << 10;
    public const ulong HostNotifier = 1UL << 11;
    public const ulong InflightShmfd = 1UL << 12;
    public const ulong ResetDevice = 1UL << 13;
    public const ulong InbandNotifications = 1UL << 14;
    public const ulong ConfigureMemSlots = 1UL << 15;
    public const ulong Status = 1UL << 16;
    public const ulong XenMmap = 1UL << 17;
    public const ulong SharedObject = 1UL << 18;
    public const ulong DeviceState = 1UL << 19;
    // Bits 20-22 were renumbered upstream in 2026 (GET_VRING_BASE_INFLIGHT 20, GPA_ADDRESSES 21, SHMEM_MAP 22);
    // the front-end never asks for them.
}

/// <summary>Device status byte (virtio 1.2 §2.1), sent with SET_STATUS.</summary>
public static class DeviceStatus
{
    public const byte Acknowledge = 0x1;
    public const byte Driver = 0x2;
    public const byte DriverOk = 0x4;
    public const byte FeaturesOk = 0x8;
    public const byte NeedsReset = 0x40;
    public const byte Failed = 0x80;
    /// <summary>ACKNOWLEDGE | DRIVER | FEATURES_OK | DRIVER_OK: what QEMU sends when the device starts.</summary>
    public const byte Running = Acknowledge | Driver | FeaturesOk | DriverOk;
}

/// <summary>Split virtqueue layout (virtio 1.2 §2.7): descriptor, avail and used ring offsets and flags.</summary>
public static class SplitRing
{
    public const int MaxSize = 32768;

    /// <summary>struct virtq_desc: le64 addr @0, le32 len @8, le16 flags @12, le16 next @14.</summary>
    public const int DescSize = 16;
    public const int DescAddrOffset = 0;
    public const int DescLenOffset = 8;
    public const int DescFlagsOffset = 12;
    public const int DescNextOffset = 14;
    public const int DescAlign = 16;

    /// <summary>virtq_avail: le16 flags @0, le16 idx @2, le16 ring[N] @4, le16 used_event @4+2N.</summary>
    public const int AvailFlagsOffset = 0;
    public const int AvailIdxOffset = 2;
    public const int AvailRingOffset = 4;
    public const int AvailAlign = 2;

    /// <summary>virtq_used: le16 flags @0, le16 idx @2, {le32 id, le32 len} ring[N] @4, le16 avail_event @4+8N.</summary>
    public const int UsedFlagsOffset = 0;
    public const int UsedIdxOffset = 2;
    public const int UsedRingOffset = 4;
    public const int UsedElemSize = 8;
    public const int UsedAlign = 4;

    public const ushort DescFNext = 1;
    public const ushort DescFWrite = 2;
    public const ushort DescFIndirect = 4;

    /// <summary>virtq_avail.flags: the driver asks for no interrupts (without EVENT_IDX).</summary>
    public const ushort AvailFNoInterrupt = 1;
    /// <summary>virtq_used.flags: the device asks for no kicks (without EVENT_IDX).</summary>
    public const ushort UsedFNoNotify = 1;

    public static int DescTableSize(int n) => DescSize * n;

    /// <summary>flags, idx, ring[N], used_event.</summary>
    public static int AvailSize(int n) => 6 + 2 * n;

    /// <summary>flags, idx, ring[N], avail_event.</summary>
    public static int UsedSize(int n) => 6 + UsedElemSize * n;

    public static int UsedEventOffset(int n) => AvailRingOffset + 2 * n;

    public static int AvailEventOffset(int n) => UsedRingOffset + UsedElemSize * n;
}

/// <summary>struct virtio_net_hdr (virtio 1.2 §5.1.6): field offsets, sizes and flag values.</summary>
public static class VirtioNetHdr
{
    /// <summary>With VERSION_1 or MRG_RXBUF: num_buffers is present.</summary>
    public const int Size = 12;
    /// <summary>Legacy header, neither VERSION_1 nor MRG_RXBUF.</summary>
    public const int LegacySize = 10;

    public const int FlagsOffset = 0;
    public const int GsoTypeOffset = 1;
    public const int HdrLenOffset = 2;
    public const int GsoSizeOffset = 4;
    public const int CsumStartOffset = 6;
    public const int CsumOffsetOffset = 8;
    public const int NumBuffersOffset = 10;

    public const byte FlagNeedsCsum = 1;
    public const byte FlagDataValid = 2;
    public const byte FlagRscInfo = 4;

    public const byte GsoNone = 0;
    public const byte GsoTcpV4 = 1;
    public const byte GsoUdp = 3;
    public const byte GsoTcpV6 = 4;
    public const byte GsoUdpL4 = 5;
    public const byte GsoEcn = 0x80;
}
