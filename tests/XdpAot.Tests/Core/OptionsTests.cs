using XdpAot.Options;

namespace XdpAot.Tests.Core;

public class OptionsTests
{
    [Fact]
    public void Qemu_syntax_parses_every_option()
    {
        var o = PortOptionsParser.Parse("ifname=eth0,mode=native,queues=2,start-queue=1,force-copy=on,busy-budget=64,frame-size=2048,frame-count=1024,rx-size=512,tx-size=256,fill-size=1024,comp-size=128,loader=libxdp");
        Assert.Equal("eth0", o.IfName);
        Assert.Equal(XdpMode.Native, o.Mode);
        Assert.Equal(2, o.Queues);
        Assert.Equal(1, o.StartQueue);
        Assert.True(o.ForceCopy);
        Assert.Equal(64, o.BusyBudget);
        Assert.Equal(2048u, o.FrameSize);
        Assert.Equal(1024u, o.EffectiveFrameCount);
        Assert.Equal((512u, 256u, 1024u, 128u), (o.RxSize, o.TxSize, o.FillSize, o.CompletionSize));
        Assert.Equal(LoaderKind.Libxdp, o.Loader);
    }

    [Fact]
    public void Defaults_match_qemu()
    {
        var o = PortOptionsParser.Parse("ifname=eth0");
        Assert.Null(o.Mode);
        Assert.False(o.ForceCopy);
        Assert.Equal(1, o.Queues);
        Assert.Equal(0, o.StartQueue);
        Assert.Equal(LoaderKind.Builtin, o.Loader);
        // QEMU's UMEM: 4 rings x 2048 descriptors x 4096 bytes = 32 MiB per queue.
        Assert.Equal(32ul << 20, o.UmemBytesPerQueue);
    }

    [Fact]
    public void Inhibit_with_sock_fds_and_map_path_parse()
    {
        var a = PortOptionsParser.Parse("ifname=eth0,queues=2,inhibit=on,sock-fds=3:4");
        Assert.Equal([3, 4], a.SockFds);
        var b = PortOptionsParser.Parse("ifname=eth0,inhibit=on,map-path=/sys/fs/bpf/xsks,map-start-index=5");
        Assert.Equal("/sys/fs/bpf/xsks", b.MapPath);
        Assert.Equal(5, b.MapStartIndex);
    }

    [Fact]
    public void Netdev_type_and_id_prefix_and_escaped_commas_are_accepted()
    {
        var o = PortOptionsParser.Parse("af-xdp,id=net0,ifname=eth0,inhibit=on,map-path=/sys/fs/bpf/a,,b");
        Assert.Equal("net0", o.Id);
        Assert.Equal("/sys/fs/bpf/a,b", o.MapPath);
    }

    [Theory]
    [InlineData("", "'ifname' is required")]
    [InlineData("queues=2", "'ifname' is required")]
    [InlineData("ifname=eth0,queues=0", "queues=0: must be at least 1")]
    [InlineData("ifname=eth0,queues=x", "queues='x': not an integer")]
    [InlineData("ifname=eth0,mode=turbo", "mode='turbo': expected 'native' or 'skb'")]
    [InlineData("ifname=eth0,force-copy=maybe", "force-copy='maybe': expected 'on' or 'off'")]
    [InlineData("ifname=eth0,colour=blue", "unknown option 'colour'")]
    [InlineData("ifname=eth0,ifname=eth1", "duplicate option 'ifname'")]
    [InlineData("ifname=eth0,map-start-index=1", "'map-start-index' requires 'map-path'")]
    [InlineData("ifname=eth0,map-path=/sys/fs/bpf/m", "'map-path' requires inhibit=on")]
    [InlineData("ifname=eth0,inhibit=on,map-start-index=1,sock-fds=3", "'map-start-index' requires 'map-path'")]
    [InlineData("ifname=eth0,inhibit=on", "inhibit=on requires 'sock-fds' or 'map-path'")]
    [InlineData("ifname=eth0,inhibit=on,sock-fds=3,map-path=/sys/fs/bpf/m", "'sock-fds' and 'map-path' are mutually exclusive")]
    [InlineData("ifname=eth0,sock-fds=3", "'sock-fds' requires inhibit=on")]
    [InlineData("ifname=eth0,queues=2,inhibit=on,sock-fds=3", "sock-fds has 1 fd(s) but queues=2")]
    [InlineData("ifname=eth0,inhibit=on,sock-fds=3:x", "sock-fds='3:x': 'x' is not a file descriptor number")]
    [InlineData("ifname=eth0,rx-size=1000", "rx-size=1000: must be a power of two")]
    [InlineData("ifname=eth0,frame-size=1500", "frame-size=1500: must be 2048 or 4096")]
    [InlineData("ifname=eth0,start-queue=-1", "start-queue=-1: must not be negative")]
    [InlineData("ifname=averyveryverylongname", "longer than 15 characters")]
    [InlineData("ifname=eth0,queues", "option 'queues' needs a value")]
    [InlineData("ifname=eth0,loader=bpftool", "loader='bpftool': expected 'builtin' or 'libxdp'")]
    public void Bad_options_name_the_option_and_value(string text, string message)
    {
        var e = Assert.Throws<XdpException>(() => PortOptionsParser.Parse(text));
        Assert.Contains(message, e.Message);
        Assert.Equal(-22, e.Errno);
    }

    [Theory]
    [InlineData("on", true)]
    [InlineData("yes", true)]
    [InlineData("true", true)]
    [InlineData("off", false)]
    [InlineData("no", false)]
    [InlineData("false", false)]
    public void Booleans_take_qemus_spellings(string value, bool expected) =>
        Assert.Equal(expected, PortOptionsParser.Parse($"ifname=eth0,force-copy={value}").ForceCopy);
}
