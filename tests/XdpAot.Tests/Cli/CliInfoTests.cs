using System.Text.Json;
using XdpAot.Tests.Infrastructure;
using XdpAot.Tests.Integration;

namespace XdpAot.Tests.Cli;

/// <summary>`xdpaot info`: what it finds out about a veth end, by reading and by trying.</summary>
[Collection(IntegrationCollection.Name)]
public class CliInfoTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public void Info_reports_queues_mtu_frame_size_and_tries_both_modes()
    {
        using var pair = VethPair.Create();
        using var info = XdpaotProcess.Run(Timeout, pair.Namespace, "info", "-i", pair.A);
        Assert.True(info.ExitCode == 0, info.Transcript);
        string o = info.StdOut;
        Assert.Contains($"{pair.A}: ifindex ", o);
        Assert.Contains("MTU 1500", o);
        Assert.Contains("AF_XDP can use queues 0..0", o);
        Assert.Contains("frame-size=2048 holds it", o);
        Assert.Contains("attached now: no XDP program", o);
        Assert.Matches(@"native +yes +zero-copy: no", o); // veth: copy mode only
        Assert.Matches(@"skb +yes +zero-copy: no", o);
        Assert.DoesNotContain("prog/xdp", pair.LinkDetails(pair.A)); // the trials detached
    }

    [Fact]
    public void Info_json_is_one_object_with_channels_and_modes()
    {
        using var pair = VethPair.Create(queues: 2);
        using var info = XdpaotProcess.Run(Timeout, pair.Namespace, "info", "-i", pair.A, "--json");
        Assert.True(info.ExitCode == 0, info.Transcript);
        var j = info.Json();
        Assert.Equal(pair.A, j.GetProperty("ifname").GetString());
        Assert.Equal(1500, j.GetProperty("mtu").GetInt32());
        Assert.Equal(2u, j.GetProperty("channels").GetProperty("active").GetUInt32());
        Assert.Equal(2048u, j.GetProperty("frame_size_needed").GetUInt32());
        var modes = j.GetProperty("modes").EnumerateArray().ToDictionary(m => m.GetProperty("mode").GetString()!);
        Assert.True(modes["native"].GetProperty("supported").GetBoolean(), j.ToString());
        Assert.True(modes["skb"].GetProperty("supported").GetBoolean(), j.ToString());
        Assert.False(modes["skb"].GetProperty("zero_copy").GetBoolean());
        Assert.Equal(JsonValueKind.Array, j.GetProperty("attached").ValueKind);
        Assert.Equal(0, j.GetProperty("attached").GetArrayLength());
    }

    [Fact]
    public void Info_names_the_attached_program_and_its_link_and_does_not_disturb_it()
    {
        using var pair = VethPair.Create();
        using var sink = XdpaotProcess.Start(pair.Namespace, "sink", "-i", pair.A, "--mode", "skb", "--idle", "poll", "--quiet").WaitReady();
        using var info = XdpaotProcess.Run(Timeout, pair.Namespace, "info", "-i", pair.A);
        Assert.True(info.ExitCode == 0, info.Transcript);
        Assert.Matches(@"attached now: program \d+ ""xdpaot_xsk"" in skb mode through BPF link \d+", info.StdOut);
        Assert.Contains("modes not tried", info.StdOut);
        Assert.False(sink.HasExited, sink.Transcript);
        Assert.Contains("prog/xdp", pair.LinkDetails(pair.A));
    }

    [Fact]
    public void Info_explains_why_native_mode_fails_at_a_jumbo_mtu()
    {
        using var pair = VethPair.Create(mtu: 9000);
        using var info = XdpaotProcess.Run(Timeout, pair.Namespace, "info", "-i", pair.A);
        Assert.True(info.ExitCode == 0, info.Transcript);
        Assert.Matches(@"native +no +.*MTU \(9000\) is too large for native XDP", info.StdOut);
        Assert.Matches(@"skb +yes", info.StdOut);
        Assert.Contains("needs multi-buffer AF_XDP", info.StdOut);
    }

    [Fact]
    public void Info_on_a_missing_interface_exits_1_naming_it()
    {
        using var pair = VethPair.Create();
        using var info = XdpaotProcess.Run(Timeout, pair.Namespace, "info", "-i", "nosuch0");
        Assert.True(info.ExitCode == 1, info.Transcript);
        Assert.Contains("'nosuch0'", info.StdErr);
    }
}
