// Names and layouts are the specification's own (see its tables); documenting each again would only repeat them.
#pragma warning disable CS1591

namespace XdpAot.Vhost.Protocol;

/// <summary>Front-end → back-end request codes (vhost-user spec, "Front-end message types").</summary>
public enum VhostUserRequest : uint
{
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

/// <summary>Protocol feature bits (GET/SET_PROTOCOL_FEATURES).</summary>
public static class ProtocolFeature
{
    public const int Mq = 0;
    public const int LogShmfd = 1;
    public const int Rarp = 2;
    public const int ReplyAck = 3;
    public const int NetMtu = 4;
    public const int BackendReq = 5;
    public const int CrossEndian = 6;
    public const int Config = 9;
    public const int InflightShmfd = 12;
    public const int ResetDevice = 13;
    public const int InbandNotifications = 14;
    public const int ConfigureMemSlots = 15;
    public const int Status = 16;

    /// <summary>The mask of one bit.</summary>
    public static ulong Bit(int bit) => 1UL << bit;

    /// <summary>"MQ REPLY_ACK …" for messages.</summary>
    public static string Describe(ulong features)
    {
        var names = new List<string>();
        for (int bit = 0; bit < 64; bit++)
        {
            if ((features & (1UL << bit)) == 0)
                continue;
            names.Add(bit switch
            {
                Mq => "MQ",
                LogShmfd => "LOG_SHMFD",
                Rarp => "RARP",
                ReplyAck => "REPLY_ACK",
                NetMtu => "NET_MTU",
                BackendReq => "BACKEND_REQ",
                CrossEndian => "CROSS_ENDIAN",
                Config => "CONFIG",
                InflightShmfd => "INFLIGHT_SHMFD",
                ResetDevice => "RESET_DEVICE",
                InbandNotifications => "INBAND_NOTIFICATIONS",
                ConfigureMemSlots => "CONFIGURE_MEM_SLOTS",
                Status => "STATUS",
                _ => $"bit{bit}",
            });
        }
        return string.Join(' ', names);
    }
}
