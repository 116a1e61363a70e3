namespace XdpAot.Tests.Vhost.FrontEnd;

public sealed partial class VirtioNetFrontEnd
{
    private uint[]? _stoppedBases;

    /// <summary>
    /// Creates <paramref name="pairs"/> queue pairs of <paramref name="queueSize"/> in guest RAM without telling
    /// the back-end. Pairs of the same shape that already exist are kept as they are (rings, buffers in flight).
    /// </summary>
    public void CreateQueuePairs(int pairs, int queueSize = 256)
    {
        if (pairs < 1)
            throw new ArgumentOutOfRangeException(nameof(pairs), pairs, "at least one queue pair");
        if (_pairs.Count == pairs && _pairs[0].Rx.Size == queueSize)
            return;
        foreach (var p in _pairs)
            p.Dispose();
        _pairs.Clear();
        for (int k = 0; k < pairs; k++)
        {
            var pair = new NetQueuePair(Ram, k, queueSize, Options);
            pair.Rx.EventIdx = pair.Tx.EventIdx = Has(VirtioFeature.EventIdx);
            _pairs.Add(pair);
        }
    }

    /// <summary>
    /// Creates the queue pairs (if needed) and starts them in QEMU 10's order: SET_VRING_CALL and SET_VRING_ERR per
    /// vring, SET_VRING_ENABLE(1) per vring (with PROTOCOL_FEATURES), SET_FEATURES, GET/SET_STATUS(FEATURES_OK) (with
    /// STATUS), the memory table, then per vring NUM, BASE, ADDR, KICK, CALL, and GET/SET_STATUS(0xf).
    /// The base is what <see cref="Stop"/> returned, else the ring's used idx (0 for new rings).
    /// </summary>
    public void StartQueuePairs(int pairs, int queueSize = 256)
    {
        CreateQueuePairs(pairs, queueSize);
        bool status = HasProtocol(ProtocolFeature.Status);
        for (int v = 0; v < VringCount; v++)
            SetVringCall(v);
        for (int v = 0; v < VringCount; v++)
            SetVringErr(v);
        if (Has(VirtioFeature.ProtocolFeatures))
        {
            for (int v = 0; v < VringCount; v++)
                SetVringEnable(v, true);
        }
        SetFeatures(AckedFeatures);
        if (status)
            AddStatus(DeviceStatus.FeaturesOk);
        SendMemory();
        for (int v = 0; v < VringCount; v++)
        {
            SetVringNum(v);
            SetVringBase(v, _stoppedBases is { } b && v < b.Length ? b[v] : Queue(v).UsedIdx);
            SetVringAddr(v);
            SetVringKick(v);
            SetVringCall(v);
        }
        _stoppedBases = null;
        if (status)
            AddStatus(DeviceStatus.Running);
    }

    /// <summary>SET_VRING_NUM: the queue's size, or any <paramref name="num"/> a test wants to try.</summary>
    public void SetVringNum(int vring, uint? num = null)
    {
        uint n = num ?? (uint)Queue(vring).Size;
        Request(VhostUserRequest.SetVringNum, VhostUserPayload.VringState((uint)vring, n), detail: $"vring {vring}, num {n}");
    }

    /// <summary>SET_VRING_BASE: the next avail idx the back-end is to process.</summary>
    public void SetVringBase(int vring, uint @base) =>
        Request(VhostUserRequest.SetVringBase, VhostUserPayload.VringState((uint)vring, @base), detail: $"vring {vring}, base {@base}");

    /// <summary>SET_VRING_ADDR with the rings' user addresses; log_guest_addr is the used ring's GPA, as QEMU sends it.</summary>
    public void SetVringAddr(int vring, uint flags = 0)
    {
        var q = Queue(vring);
        byte[] payload = VhostUserPayload.VringAddr((uint)vring, flags,
            desc: Ram.UserAddress(q.DescGpa), used: Ram.UserAddress(q.UsedGpa), avail: Ram.UserAddress(q.AvailGpa), log: q.UsedGpa);
        Request(VhostUserRequest.SetVringAddr, payload, detail: $"vring {vring}");
    }

    /// <summary>SET_VRING_KICK with the queue's kick eventfd, or with the no-fd flag (the back-end then polls).</summary>
    public void SetVringKick(int vring, bool noFd = false) => SendVringFile(VhostUserRequest.SetVringKick, vring, Queue(vring).KickFd, noFd);

    /// <summary>SET_VRING_CALL with the queue's call eventfd, or with the no-fd flag.</summary>
    public void SetVringCall(int vring, bool noFd = false) => SendVringFile(VhostUserRequest.SetVringCall, vring, Queue(vring).CallFd, noFd);

    /// <summary>SET_VRING_ERR with the queue's error eventfd, or with the no-fd flag.</summary>
    public void SetVringErr(int vring, bool noFd = false) => SendVringFile(VhostUserRequest.SetVringErr, vring, Queue(vring).ErrFd, noFd);

    private void SendVringFile(VhostUserRequest request, int vring, EventFd fd, bool noFd) =>
        Request(request, VhostUserPayload.VringFile((uint)vring, noFd), noFd ? [] : [fd.Fd], $"vring {vring}{(noFd ? ", no fd" : "")}");

    public void SetVringEnable(int vring, bool enable) =>
        Request(VhostUserRequest.SetVringEnable, VhostUserPayload.VringState((uint)vring, enable ? 1u : 0u), detail: $"vring {vring}, {(enable ? "enable" : "disable")}");

    /// <summary>GET_VRING_BASE: stops the ring and returns the back-end's next avail idx.</summary>
    public uint GetVringBase(int vring)
    {
        var (index, num) = VhostUserPayload.ReadVringState(
            Query(VhostUserRequest.GetVringBase, VhostUserPayload.VringState((uint)vring, 0)), VhostUserRequest.GetVringBase);
        if (index != (uint)vring)
            throw new InvalidDataException($"GET_VRING_BASE for vring {vring} answered for vring {index}");
        return num;
    }

    /// <summary>
    /// Stops every vring: SET_VRING_ENABLE(0) (with PROTOCOL_FEATURES) then GET_VRING_BASE, per vring. Returns the
    /// bases by vring; the next <see cref="StartQueuePairs"/> resumes from them.
    /// </summary>
    public uint[] Stop()
    {
        var bases = new uint[VringCount];
        for (int v = 0; v < VringCount; v++)
        {
            if (Has(VirtioFeature.ProtocolFeatures))
                SetVringEnable(v, false);
            bases[v] = GetVringBase(v);
        }
        _stoppedBases = bases;
        return bases;
    }

    /// <summary>
    /// Resets the device as QEMU does: SET_STATUS(0) (with STATUS), then RESET_DEVICE if negotiated, else the old
    /// RESET_OWNER. The rings here go back to new; negotiation starts over (call <see cref="Negotiate"/> again).
    /// </summary>
    public void Reset()
    {
        if (HasProtocol(ProtocolFeature.Status))
            SetStatus(0);
        Request(HasProtocol(ProtocolFeature.ResetDevice) ? VhostUserRequest.ResetDevice : VhostUserRequest.ResetOwner);
        _replyAck = false;
        _stoppedBases = null;
        AckedFeatures = 0;
        AckedProtocolFeatures = 0;
        foreach (var p in _pairs)
            p.Reset();
    }
}
