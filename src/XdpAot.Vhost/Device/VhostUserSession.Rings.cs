using XdpAot.Vhost.Protocol;
using XdpAot.Vhost.Virtio;

namespace XdpAot.Vhost.Device;

// The vring requests.
internal sealed partial class VhostUserSession
{
    private enum Which { Kick, Call, Err }

    private bool TryRing(uint index, string request, out VringState vr, out Outcome failure)
    {
        if (index < (uint)_vrings.Length)
        {
            vr = _vrings[index];
            failure = default;
            return true;
        }
        vr = null!;
        failure = Outcome.Fail($"{request}: vring {index} does not exist ({_device.QueuePairs} queue pair(s): vrings 0..{_vrings.Length - 1})");
        return false;
    }

    private Outcome SetVringNum(VringStatePayload p)
    {
        if (!TryRing(p.Index, "SET_VRING_NUM", out var vr, out var failure))
            return failure;
        // 0 means "this ring is not in use": DPDK's virtio_user sends it for the queues of pairs its driver does not
        // have. A ring of size 0 never maps, so it never runs; anything else must be a valid size.
        if (p.Num != 0 && !SplitRingLayout.IsValidSize(p.Num))
            return Outcome.Fail($"SET_VRING_NUM: {vr.Name}: size {p.Num} is not a power of two in 1..{SplitRingLayout.MaxQueueSize}");
        Reconfigure(() =>
        {
            vr.Num = p.Num;
            vr.MappedMemory = null; // a new size: map again
        });
        return Outcome.Done;
    }

    private Outcome SetVringAddr(VringAddrPayload p)
    {
        if (!TryRing(p.Index, "SET_VRING_ADDR", out var vr, out var failure))
            return failure;
        if ((p.Flags & VringAddrPayload.FlagLog) != 0)
            return Outcome.Fail($"SET_VRING_ADDR: {vr.Name}: dirty logging (VHOST_VRING_F_LOG) is not supported (LOG_ALL was not offered)");
        Reconfigure(() =>
        {
            vr.DescAddr = p.Desc;
            vr.AvailAddr = p.Avail;
            vr.UsedAddr = p.Used;
            vr.AddrSet = true;
            vr.MappedMemory = null; // new addresses: map again
        });
        return Outcome.Done;
    }

    private Outcome SetVringBase(VringStatePayload p)
    {
        if (!TryRing(p.Index, "SET_VRING_BASE", out var vr, out var failure))
            return failure;
        if (p.Num > ushort.MaxValue)
            return Outcome.Fail($"SET_VRING_BASE: {vr.Name}: base 0x{p.Num:x} has bits set above the 16-bit index (packed rings are not offered)");
        Reconfigure(() =>
        {
            vr.Base = (ushort)p.Num;
            if (vr.Started)
            {
                vr.Queue = null; // a running ring told to move: take the new position
                vr.MappedMemory = null;
            }
        });
        return Outcome.Done;
    }

    /// <summary>Stops the ring without resetting it, and closes its kick and call fds (a restart sends new ones).</summary>
    private Outcome GetVringBase(VringStatePayload p)
    {
        if (!TryRing(p.Index, "GET_VRING_BASE", out var vr, out var failure))
            return failure;
        ushort position = 0;
        bool wasStarted = vr.Started;
        Reconfigure(() =>
        {
            position = vr.Stop();
            VringState.Replace(ref vr.KickFd, -1);
            VringState.Replace(ref vr.CallFd, -1);
        });
        if (wasStarted)
            Log($"{vr.Name} stopped at {position}");
        var reply = new byte[8];
        BitConverter.TryWriteBytes(reply.AsSpan(0), p.Index);
        BitConverter.TryWriteBytes(reply.AsSpan(4), (uint)position);
        return Outcome.Reply(reply);
    }

    /// <summary>
    /// SET_VRING_KICK starts the ring. The spec's start is "upon receiving a kick", but a virtio-net RX queue is kicked
    /// once, when the driver first posts buffers: a back-end that waited for a kick after a reconnect would never
    /// deliver again. So the ring starts here, and anything already in it is processed at once.
    /// </summary>
    private Outcome SetVringFd(Message m, Which which)
    {
        ulong value = m.Read<ulong>();
        string request = which switch { Which.Kick => "SET_VRING_KICK", Which.Call => "SET_VRING_CALL", _ => "SET_VRING_ERR" };
        if ((value & ~(VringFdPayload.IndexMask | VringFdPayload.NoFdFlag)) != 0)
            return Outcome.Fail($"{request}: 0x{value:x} has bits set above bit 8");
        if (!TryRing((uint)(value & VringFdPayload.IndexMask), request, out var vr, out var failure))
            return failure;
        int fd = (value & VringFdPayload.NoFdFlag) != 0 ? -1 : m.TakeFd(0);
        bool starting = which == Which.Kick && !vr.Started;
        Reconfigure(() =>
        {
            switch (which)
            {
                case Which.Kick:
                    VringState.Replace(ref vr.KickFd, fd);
                    vr.Started = true;
                    break;
                case Which.Call:
                    VringState.Replace(ref vr.CallFd, fd);
                    break;
                default:
                    VringState.Replace(ref vr.ErrFd, fd);
                    break;
            }
        });
        if (starting)
        {
            Log(vr.Queue is { } q
                ? $"{vr.Name} started: {vr.Num} entries at {q.NextAvail}{(vr.Enabled ? "" : " (disabled)")}{(fd < 0 ? ", no kick fd: polled" : "")}"
                : $"{vr.Name} started but cannot run: {vr.MapError}");
        }
        return Outcome.Done;
    }

    private Outcome SetVringEnable(VringStatePayload p)
    {
        if (!TryRing(p.Index, "SET_VRING_ENABLE", out var vr, out var failure))
            return failure;
        if (p.Num > 1)
            return Outcome.Fail($"SET_VRING_ENABLE: {vr.Name}: {p.Num} is neither 0 nor 1");
        bool enable = p.Num == 1;
        if (vr.Enabled != enable)
            Reconfigure(() => vr.Enabled = enable);
        return Outcome.Done;
    }
}
