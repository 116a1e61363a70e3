using System.Text.RegularExpressions;
using XdpAot.Tests.Infrastructure;
using XdpAot.Tests.Integration;

namespace XdpAot.Tests.Cli;

/// <summary>`xdpaot demo`, the README's main job: runs, reports, and leaves no namespace behind.</summary>
[Collection(IntegrationCollection.Name)]
public class CliDemoTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public void Demo_runs_gen_fwd_sink_prints_live_lines_and_a_table_then_cleans_up()
    {
        using var demo = XdpaotProcess.Start(null, "demo", "--duration", "2.5");
        Assert.True(demo.WaitForExit(Timeout) == 0, demo.Transcript);
        string o = demo.StdOut;
        Assert.Matches(@"\n +1 s  gen \d+\.\d{3} Mpps .* fwd \d+\.\d{3} Mpps .* sink \d+\.\d{3} Mpps .* drops \d+", o);
        Assert.Matches(@"\ngen +xdpaot\d+g queue 0 +[1-9]\d*", o);
        Assert.Matches(@"\nfwd +xdpaot\d+a queue 0 <-> xdpaot\d+b queue 0 +[1-9]\d*", o);
        Assert.Matches(@"\nsink +xdpaot\d+s queue 0 +[1-9]\d*", o);
        Assert.Matches(@"sink verified the sequence numbers: \d+ lost .*, 0 reordered, 0 not from gen", o);
        Assert.Contains("time to first frame:", o);
        AssertNamespacesRemoved(demo);
    }

    [Fact]
    public void Ctrl_C_stops_the_demo_early_with_the_summary_and_removes_everything()
    {
        using var demo = XdpaotProcess.Start(null, "demo", "--duration", "60", "--rate", "100000");
        demo.WaitFor(" s  gen ", TimeSpan.FromSeconds(30), stdout: true);
        demo.Signal("INT");
        Assert.True(demo.WaitForExit(TimeSpan.FromSeconds(20)) == 0, demo.Transcript);
        Assert.Matches(@"\nsink +xdpaot\d+s queue 0 +[1-9]\d*", demo.StdOut);
        AssertNamespacesRemoved(demo);
    }

    [Fact]
    public void Demo_json_has_three_stages_and_the_verification()
    {
        using var demo = XdpaotProcess.Start(null, "demo", "--duration", "1.5", "--rate", "100000", "--json");
        Assert.True(demo.WaitForExit(Timeout) == 0, demo.Transcript);
        var j = demo.Json();
        Assert.Equal("demo", j.GetProperty("cmd").GetString());
        Assert.Equal(["gen", "fwd", "sink"], j.GetProperty("stages").EnumerateArray().Select(s => s.GetProperty("name").GetString()));
        Assert.True(j.GetProperty("verify").GetProperty("received").GetUInt64() > 0, j.ToString());
        Assert.Equal(0UL, j.GetProperty("verify").GetProperty("reordered").GetUInt64());
        AssertNamespacesRemoved(demo);
    }

    private static void AssertNamespacesRemoved(XdpaotProcess demo)
    {
        var m = Regex.Match(demo.StdOut + demo.StdErr, @"xdpaot-demo-(\d+)-gen");
        Assert.True(m.Success, demo.Transcript);
        Assert.DoesNotContain($"xdpaot-demo-{m.Groups[1].Value}-", Sh.Run("ip", "netns", "list"));
    }
}
