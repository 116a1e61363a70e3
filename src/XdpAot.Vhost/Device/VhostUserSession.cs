using XdpAot.Vhost.Bridge;
using XdpAot.Vhost.Memory;
using XdpAot.Vhost.Protocol;
using XdpAot.Vhost.Virtio;

namespace XdpAot.Vhost.Device;

/// <summary>
/// One front-end connection's state and its request handlers: negotiated features, the memory table, the vrings. It
/// changes what the bridge works on only through <see cref="Reconfigure"/>, which pauses every worker, applies the
/// change, builds each worker's next <see cref="PairPlan"/> and resumes them, so no worker ever sees a ring or a region
/// half changed. Disposing it (the connection ended) stops every ring, unmaps the memory and closes every fd the
/// front-end gave; the AF_XDP port stays open for the next connection.
/// </summary>
internal sealed partial class VhostUserSession : IDisposable
{
    private readonly VhostNetDevice _device;
    private readonly VringState[] _vrings;
    private readonly MemoryTable _memory = new(VhostNetDevice.MaxMemSlots);
    private ulong _features;
    private ulong _protocolFeatures;
    private bool _featuresSet;
    private ulong _status;
    private ushort? _mtu;

    public VhostUserSession(VhostNetDevice device)
    {
        _device = device;
        _vrings = new VringState[2 * device.QueuePairs];
        for (int i = 0; i < _vrings.Length; i++)
            _vrings[i] = new VringState(i);
    }

    /// <summary>Virtio features the front-end acked.</summary>
    public ulong Features => _features;

    /// <summary>Protocol features the front-end acked.</summary>
    public ulong ProtocolFeatures => _protocolFeatures;

    /// <summary>The MTU the front-end set (NET_SET_MTU), if any.</summary>
    public ushort? Mtu => _mtu;

    private bool Has(int protocolFeature) => (_protocolFeatures & ProtocolFeature.Bit(protocolFeature)) != 0;

    private void Log(string text) => _device.Log(text);

    /// <summary>Checks a message against <see cref="MessageRules"/> and runs its handler.</summary>
    public Outcome Handle(Message m)
    {
        if (!MessageRules.IsSupported(m.Request))
            return Outcome.Fail($"{MessageRules.Name(m.Request)}: not supported by this back-end");
        if (MessageRules.Check(m) is { } bad)
            return Outcome.Fail(bad);
        try
        {
            return Dispatch(m);
        }
        catch (GuestMemoryException e)
        {
            return Outcome.Fail($"{MessageRules.Name(m.Request)}: {e.Message}");
        }
    }

    private Outcome Dispatch(Message m) => m.Request switch
    {
        VhostUserRequest.GetFeatures => Outcome.Reply(_device.Features),
        VhostUserRequest.SetFeatures => SetFeatures(m.Read<ulong>()),
        VhostUserRequest.SetOwner => Outcome.Done,
        VhostUserRequest.ResetOwner => ResetAll("RESET_OWNER"),
        VhostUserRequest.ResetDevice => ResetAll("RESET_DEVICE"),
        VhostUserRequest.GetProtocolFeatures => Outcome.Reply(_device.ProtocolFeatures),
        VhostUserRequest.SetProtocolFeatures => SetProtocolFeatures(m.Read<ulong>()),
        VhostUserRequest.GetQueueNum => Outcome.Reply((ulong)_device.QueuePairs),
        VhostUserRequest.GetMaxMemSlots => Outcome.Reply((ulong)VhostNetDevice.MaxMemSlots),
        VhostUserRequest.SetMemTable => SetMemTable(m),
        VhostUserRequest.AddMemReg => AddMemReg(m),
        VhostUserRequest.RemMemReg => RemMemReg(m),
        VhostUserRequest.SetVringNum => SetVringNum(m.Read<VringStatePayload>()),
        VhostUserRequest.SetVringAddr => SetVringAddr(m.Read<VringAddrPayload>()),
        VhostUserRequest.SetVringBase => SetVringBase(m.Read<VringStatePayload>()),
        VhostUserRequest.GetVringBase => GetVringBase(m.Read<VringStatePayload>()),
        VhostUserRequest.SetVringKick => SetVringFd(m, Which.Kick),
        VhostUserRequest.SetVringCall => SetVringFd(m, Which.Call),
        VhostUserRequest.SetVringErr => SetVringFd(m, Which.Err),
        VhostUserRequest.SetVringEnable => SetVringEnable(m.Read<VringStatePayload>()),
        VhostUserRequest.NetSetMtu => NetSetMtu(m.Read<ulong>()),
        VhostUserRequest.GetConfig => GetConfig(m.Read<ConfigPayload>()),
        VhostUserRequest.SetConfig => Outcome.Fail("SET_CONFIG: the config space is read-only"),
        VhostUserRequest.SetStatus => SetStatus(m.Read<ulong>()),
        VhostUserRequest.GetStatus => Outcome.Reply(_status),
        _ => Outcome.Fail($"{MessageRules.Name(m.Request)}: not supported by this back-end"),
    };

    private Outcome SetFeatures(ulong features)
    {
        ulong extra = features & ~_device.Features;
        if (extra != 0)
            return Outcome.Fail($"SET_FEATURES: 0x{features:x} has features that were not offered: {VirtioFeature.Describe(extra)}");
        bool first = !_featuresSet;
        Reconfigure(() =>
        {
            _features = features;
            _featuresSet = true;
            // Without PROTOCOL_FEATURES there is no SET_VRING_ENABLE: every ring is enabled. A later SET_FEATURES
            // (LOG_ALL toggling, in other back-ends) must not disable anything.
            if (!VirtioFeature.Has(features, VirtioFeature.ProtocolFeatures))
            {
                foreach (var vr in _vrings)
                    vr.Enabled = true;
            }
        });
        if (first)
            Log($"features 0x{features:x}: {VirtioFeature.Describe(features)}");
        return Outcome.Done;
    }

    private Outcome SetProtocolFeatures(ulong features)
    {
        ulong extra = features & ~_device.ProtocolFeatures;
        if (extra != 0)
            return Outcome.Fail($"SET_PROTOCOL_FEATURES: 0x{features:x} has features that were not offered: {ProtocolFeature.Describe(extra)}");
        _protocolFeatures = features;
        return Outcome.Done;
    }

    private Outcome NetSetMtu(ulong mtu)
    {
        if (mtu < 68 || mtu > _device.MaxMtu)
            return Outcome.Fail($"NET_SET_MTU: MTU {mtu} is outside 68..{_device.MaxMtu}");
        _mtu = (ushort)mtu;
        Log($"MTU {mtu}");
        return Outcome.Done;
    }

    private Outcome SetStatus(ulong status)
    {
        if (status > 0xff)
            return Outcome.Fail($"SET_STATUS: 0x{status:x} is not a device status byte");
        _status = status;
        return Outcome.Done;
    }

    /// <summary>
    /// GET_CONFIG: virtio_net_config (mac, status, max_virtqueue_pairs, mtu, speed, duplex); bytes past it read as 0.
    /// Offered only with --mac (CONFIG protocol feature).
    /// </summary>
    private Outcome GetConfig(ConfigPayload request)
    {
        if (!Has(ProtocolFeature.Config))
            return Outcome.Fail("GET_CONFIG: the CONFIG protocol feature was not negotiated");
        byte[] space = _device.ConfigSpace(_mtu);
        var body = new byte[ConfigPayload.HeadLength + request.Size];
        BitConverter.TryWriteBytes(body.AsSpan(0), request.Offset);
        BitConverter.TryWriteBytes(body.AsSpan(4), request.Size);
        BitConverter.TryWriteBytes(body.AsSpan(8), request.Flags);
        for (uint i = 0; i < request.Size; i++)
        {
            ulong at = (ulong)request.Offset + i;
            body[ConfigPayload.HeadLength + i] = at < (ulong)space.Length ? space[at] : (byte)0;
        }
        return Outcome.Reply(body);
    }

    /// <summary>RESET_OWNER (deprecated: "disable all rings") and RESET_DEVICE: back to the state of a new connection.</summary>
    private Outcome ResetAll(string why)
    {
        Reconfigure(() =>
        {
            foreach (var vr in _vrings)
                vr.Reset();
            _memory.Clear();
            _features = 0;
            _featuresSet = false;
            _status = 0;
            _mtu = null;
        });
        Log($"{why}: all rings stopped and reset, memory unmapped");
        return Outcome.Done;
    }

    /// <summary>
    /// Applies a change with every worker paused, then gives each its next plan. Whatever the change throws, the
    /// workers are resumed with plans made from the state as it then is.
    /// </summary>
    private void Reconfigure(Action change)
    {
        _device.PauseWorkers();
        try
        {
            change();
        }
        finally
        {
            _device.ResumeWorkers(BuildPlans());
        }
    }

    /// <summary>The connection is over: every ring stopped, every fd closed, the memory unmapped.</summary>
    public void Dispose()
    {
        Reconfigure(() =>
        {
            foreach (var vr in _vrings)
                vr.Reset();
            _memory.Clear();
        });
    }
}
