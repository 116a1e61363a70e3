namespace XdpAot.Tests.Infrastructure;

/// <summary>How <see cref="QemuGuest.Start"/> boots the test guest: one virtio-net-pci device served by a vhost-user
/// back-end on <see cref="SocketPath"/>, and a shell script the guest's /init runs once eth0 is up.</summary>
public sealed record GuestOptions
{
    /// <summary>The vhost-user Unix socket. QEMU connects to it (the back-end listens) unless <see cref="ServerMode"/>.</summary>
    public required string SocketPath { get; init; }

    /// <summary>Queue pairs of the device (-netdev queues=, and the guest enables as many with ethtool -L).</summary>
    public int Queues { get; init; } = 1;

    /// <summary>vCPUs; Linux enables at most one queue pair per CPU, so multiqueue tests want Cpus = Queues.</summary>
    public int Cpus { get; init; } = 1;

    public int MemoryMiB { get; init; } = 256;

    /// <summary>eth0's MTU; also offered to the guest as host_mtu (VIRTIO_NET_F_MTU, if the back-end offers it).</summary>
    public int? Mtu { get; init; }

    public string Mac { get; init; } = "52:54:00:12:34:56";

    /// <summary>eth0's IPv4 address with prefix ("10.0.0.2/24"); none when null.</summary>
    public string? Ip { get; init; }

    /// <summary>Shell script (busybox sh) the guest runs after link-up, passed in fw_cfg opt/xdpaot/script; the guest
    /// powers off when it ends. `nettool` (tests/guest/nettool) is on its PATH.</summary>
    public string? Script { get; init; }

    /// <summary>Back guest RAM with 2 MiB hugepages (memfd hugetlb=on); the caller reserves them (<see cref="HugePages"/>).</summary>
    public bool HugePages { get; init; }

    /// <summary>QEMU listens on <see cref="SocketPath"/> and the back-end connects (chardev server=on,wait=off).
    /// QEMU's vhost-user netdev still waits for that connection before the guest starts.</summary>
    public bool ServerMode { get; init; }

    /// <summary>Client mode: reconnect to the back-end after it went away (chardev reconnect-ms=).</summary>
    public int? ReconnectMs { get; init; }

    /// <summary>How long /init waits for carrier before it runs the script anyway (and reports an error).</summary>
    public int LinkWaitSeconds { get; init; } = 20;

    /// <summary>Extra virtio-net-pci properties, e.g. "mrg_rxbuf=off", "packed=on", "rx_queue_size=1024".</summary>
    public IReadOnlyList<string> DeviceProperties { get; init; } = [];

    /// <summary>Extra kernel command-line words.</summary>
    public IReadOnlyList<string> KernelArgs { get; init; } = [];
}
