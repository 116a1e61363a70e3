using XdpAot.Vhost.Bridge;

namespace XdpAot.Vhost.Device;

/// <summary>How the vhost-user-net device presents itself and runs; fixed for the life of the process.</summary>
public sealed record DeviceOptions
{
    /// <summary>The MAC offered in the config space (VIRTIO_NET_F_MAC, GET_CONFIG); null: none offered.</summary>
    public byte[]? Mac { get; init; }

    /// <summary>The MTU offered (VIRTIO_NET_F_MTU) and the largest NET_SET_MTU accepted; null: none offered.</summary>
    public ushort? Mtu { get; init; }

    /// <summary>What workers do when idle.</summary>
    public WaitMode Wait { get; init; } = WaitMode.Poll;

    /// <summary>The i-th queue pair's worker runs on the i-th CPU of this list (wrapping); null: not pinned.</summary>
    public int[]? Cpus { get; init; }

    /// <summary>In <see cref="WaitMode.Poll"/>, how long a worker keeps polling after its last work.</summary>
    public int SpinMicroseconds { get; init; } = 20;

    /// <summary>Control-path events (connections, negotiation, rings starting and stopping, errors).</summary>
    public Action<string>? Log { get; init; }
}
