using XdpAot.Tests.Infrastructure;

namespace XdpAot.Tests.CAbi;

/// <summary>xdpaot_open/xdpaot_close from C: option strings good and bad, error texts, NULL and out-of-range arguments.</summary>
public sealed class OpenCloseTests
{
    [Fact]
    public void Good_and_bad_options_NULL_and_out_of_range_arguments_behave_as_documented()
    {
        string program = NativeArtifacts.Program("open_test.c");
        using var pair = VethPair.Create(queues: 1);
        string output = CProgramRun.InNamespace(pair, program, pair.A);
        Assert.Contains("PASS open_test", output);
        // The C ABI passes the managed parser's messages through unchanged.
        Assert.Contains("mode='turbo': expected 'native' or 'skb'", output);
        Assert.Contains($"start-queue=64 is out of range: '{pair.A}' has 1 queue(s)", output);
        Assert.DoesNotContain("prog/xdp", pair.LinkDetails(pair.A));
    }
}
