using XdpAot.Tests.Infrastructure;

namespace XdpAot.Tests.GuestInfra;

/// <summary>The QEMU command line <see cref="QemuGuest"/> starts, from <see cref="GuestOptions"/>.</summary>
public sealed class QemuArgsTests
{
    private static readonly GuestImage s_image = new("/img/vmlinux", "/img/initramfs.gz", "/img/nettool", "linux-image-test 1");

    private static string After(IReadOnlyList<string> args, string option, int nth = 0) =>
        args.Select((a, i) => (a, i)).Where(x => x.a == option).Select(x => args[x.i + 1]).ElementAt(nth);

    [Fact]
    public void Multiqueue_client_device_gets_queues_vectors_and_shared_memory()
    {
        var args = QemuArgs.Build(new GuestOptions { SocketPath = "/tmp/s.sock", Queues = 4, Cpus = 2, MemoryMiB = 512 }, s_image, null);
        Assert.Equal("tcg", After(args, "-accel"));
        Assert.Equal("2", After(args, "-smp"));
        Assert.Equal("memory-backend-memfd,id=mem,size=512M,share=on", After(args, "-object"));
        Assert.Equal("socket,id=vu0,path=/tmp/s.sock", After(args, "-chardev"));
        Assert.Equal("vhost-user,id=net0,chardev=vu0,queues=4", After(args, "-netdev"));
        Assert.Equal("virtio-net-pci,netdev=net0,mq=on,vectors=10,mac=52:54:00:12:34:56", After(args, "-device"));
        Assert.Contains("xdpaot.queues=4", After(args, "-append").Split(' '));
        Assert.DoesNotContain("-fw_cfg", args);
    }

    [Fact]
    public void Server_mode_mtu_hugepages_and_script_reach_their_options()
    {
        var args = QemuArgs.Build(new GuestOptions
        {
            SocketPath = "/tmp/s.sock",
            ServerMode = true,
            Mtu = 9000,
            HugePages = true,
            Ip = "10.0.0.2/24",
            DeviceProperties = ["mrg_rxbuf=off"],
        }, s_image, "/tmp/script.sh");
        Assert.Equal("socket,id=vu0,path=/tmp/s.sock,server=on,wait=off", After(args, "-chardev"));
        Assert.EndsWith(",hugetlb=on,hugetlbsize=2M", After(args, "-object"));
        Assert.Equal("virtio-net-pci,netdev=net0,mq=on,vectors=4,mac=52:54:00:12:34:56,host_mtu=9000,mrg_rxbuf=off", After(args, "-device"));
        var cmdline = After(args, "-append").Split(' ');
        Assert.Contains("xdpaot.mtu=9000", cmdline);
        Assert.Contains("xdpaot.ip=10.0.0.2/24", cmdline);
        Assert.Contains("console=ttyS0", cmdline);
        Assert.Equal($"name={QemuArgs.ScriptKey},file=/tmp/script.sh", After(args, "-fw_cfg"));
        Assert.Equal("/img/vmlinux", After(args, "-kernel"));
        Assert.Equal("/img/initramfs.gz", After(args, "-initrd"));
    }

    [Fact]
    public void Client_reconnect_is_passed_as_reconnect_ms()
    {
        var args = QemuArgs.Build(new GuestOptions { SocketPath = "/tmp/s.sock", ReconnectMs = 500 }, s_image, null);
        Assert.Equal("socket,id=vu0,path=/tmp/s.sock,reconnect-ms=500", After(args, "-chardev"));
    }

    [Theory]
    [InlineData(0, 1, false, null, "Queues")]
    [InlineData(1, 0, false, null, "Cpus")]
    [InlineData(1, 1, true, 100, "ReconnectMs")]
    public void Bad_options_are_refused_naming_the_option(int queues, int cpus, bool server, int? reconnect, string option)
    {
        var e = Assert.Throws<ArgumentException>(() => QemuArgs.Build(
            new GuestOptions { SocketPath = "/tmp/s.sock", Queues = queues, Cpus = cpus, ServerMode = server, ReconnectMs = reconnect }, s_image, null));
        Assert.Contains($"GuestOptions.{option}", e.Message);
    }

    [Fact]
    public void A_socket_path_with_a_comma_is_refused()
    {
        var e = Assert.Throws<ArgumentException>(() => QemuArgs.Build(new GuestOptions { SocketPath = "/tmp/a,b.sock" }, s_image, null));
        Assert.Contains("GuestOptions.SocketPath", e.Message);
    }
}
