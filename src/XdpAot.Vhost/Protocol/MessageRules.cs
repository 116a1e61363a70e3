namespace XdpAot.Vhost.Protocol;

/// <summary>
/// What each request must look like before its handler runs: the exact payload size, and the exact number of fds
/// (one per region for SET_MEM_TABLE, one for ADD_MEM_REG, one unless bit 8 says "no fd" for the ring eventfds, none
/// for everything else; REM_MEM_REG may carry one, which is closed unused, as the spec allows). One place, so no
/// handler re-checks and none forgets to.
/// </summary>
public static class MessageRules
{
    /// <summary>The most bytes of config space GET/SET_CONFIG may move.</summary>
    public const uint MaxConfigSize = 256;

    /// <summary>True for the requests this back-end handles at all.</summary>
    public static bool IsSupported(VhostUserRequest request) => request switch
    {
        VhostUserRequest.GetFeatures or VhostUserRequest.SetFeatures or VhostUserRequest.SetOwner or VhostUserRequest.ResetOwner
            or VhostUserRequest.SetMemTable or VhostUserRequest.SetVringNum or VhostUserRequest.SetVringAddr
            or VhostUserRequest.SetVringBase or VhostUserRequest.GetVringBase or VhostUserRequest.SetVringKick
            or VhostUserRequest.SetVringCall or VhostUserRequest.SetVringErr or VhostUserRequest.GetProtocolFeatures
            or VhostUserRequest.SetProtocolFeatures or VhostUserRequest.GetQueueNum or VhostUserRequest.SetVringEnable
            or VhostUserRequest.NetSetMtu or VhostUserRequest.GetConfig or VhostUserRequest.SetConfig
            or VhostUserRequest.ResetDevice or VhostUserRequest.GetMaxMemSlots or VhostUserRequest.AddMemReg
            or VhostUserRequest.RemMemReg or VhostUserRequest.SetStatus or VhostUserRequest.GetStatus => true,
        _ => false,
    };

    /// <summary>True for the requests whose answer is a reply body (so REPLY_ACK adds no ack).</summary>
    public static bool HasReplyBody(VhostUserRequest request) => request is VhostUserRequest.GetFeatures
        or VhostUserRequest.GetProtocolFeatures or VhostUserRequest.GetVringBase or VhostUserRequest.GetQueueNum
        or VhostUserRequest.GetConfig or VhostUserRequest.GetMaxMemSlots or VhostUserRequest.GetStatus;

    /// <summary>Null when the message has the size and fds its request needs, else what is wrong.</summary>
    public static string? Check(Message m)
    {
        uint size = m.Header.Size;
        int fds = m.FdCount;
        string name = Name(m.Request);
        if (m.TooManyFds)
            return $"{name}: more than {Message.MaxFds} fds attached (all closed)";
        switch (m.Request)
        {
            case VhostUserRequest.SetMemTable:
            {
                if (size < 8)
                    return $"{name}: payload of {size} bytes, expected at least 8";
                uint count = m.ReadAt<uint>(0);
                if (count == 0 || count > MemoryTablePayload.MaxRegions)
                    return $"{name}: {count} regions, expected 1..{MemoryTablePayload.MaxRegions}";
                if (size != 8 + 32 * count)
                    return $"{name}: payload of {size} bytes for {count} regions, expected {8 + 32 * count}";
                return fds == count ? null : $"{name}: {fds} fds for {count} regions";
            }
            case VhostUserRequest.GetConfig or VhostUserRequest.SetConfig:
            {
                if (size < ConfigPayload.HeadLength)
                    return $"{name}: payload of {size} bytes, expected at least {ConfigPayload.HeadLength}";
                uint configSize = m.ReadAt<uint>(4);
                if (configSize > MaxConfigSize)
                    return $"{name}: {configSize} bytes of config space, at most {MaxConfigSize}";
                if (size != ConfigPayload.HeadLength + configSize)
                    return $"{name}: payload of {size} bytes for {configSize} bytes of config, expected {ConfigPayload.HeadLength + configSize}";
                return fds == 0 ? null : $"{name}: {fds} fds attached, expected none";
            }
            case VhostUserRequest.SetVringKick or VhostUserRequest.SetVringCall or VhostUserRequest.SetVringErr:
            {
                if (size != 8)
                    return $"{name}: payload of {size} bytes, expected 8";
                int want = (m.ReadAt<ulong>(0) & VringFdPayload.NoFdFlag) != 0 ? 0 : 1;
                return fds == want ? null : $"{name}: {fds} fds attached, expected {want}";
            }
            case VhostUserRequest.AddMemReg:
                return size != 40 ? $"{name}: payload of {size} bytes, expected 40"
                    : fds != 1 ? $"{name}: {fds} fds attached, expected 1" : null;
            case VhostUserRequest.RemMemReg:
                return size != 40 ? $"{name}: payload of {size} bytes, expected 40"
                    : fds > 1 ? $"{name}: {fds} fds attached, expected at most 1" : null;
        }
        uint expected = FixedSize(m.Request);
        if (size != expected)
            return $"{name}: payload of {size} bytes, expected {expected}";
        return fds == 0 ? null : $"{name}: {fds} fds attached, expected none";
    }

    private static uint FixedSize(VhostUserRequest request) => request switch
    {
        VhostUserRequest.SetFeatures or VhostUserRequest.SetProtocolFeatures or VhostUserRequest.NetSetMtu
            or VhostUserRequest.SetStatus => 8,
        VhostUserRequest.SetVringNum or VhostUserRequest.SetVringBase or VhostUserRequest.GetVringBase
            or VhostUserRequest.SetVringEnable => 8,
        VhostUserRequest.SetVringAddr => 40,
        _ => 0,
    };

    /// <summary>"SET_MEM_TABLE" for a request code, "request 99" for one we do not know.</summary>
    public static string Name(VhostUserRequest request) => Enum.IsDefined(request)
        ? ToUpperSnake(request.ToString())
        : $"request {(uint)request}";

    private static string ToUpperSnake(string pascal)
    {
        var sb = new System.Text.StringBuilder(pascal.Length + 8);
        for (int i = 0; i < pascal.Length; i++)
        {
            if (i > 0 && char.IsUpper(pascal[i]))
                sb.Append('_');
            sb.Append(char.ToUpperInvariant(pascal[i]));
        }
        return sb.ToString();
    }
}
