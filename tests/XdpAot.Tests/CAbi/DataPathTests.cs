using Xunit.Abstractions;
using XdpAot.Tests.Infrastructure;

namespace XdpAot.Tests.CAbi;

/// <summary>
/// Frames through a veth pair from C, the way a VMM drives the library: each test runs one program from
/// tests/c inside the pair's namespace; the programs check every frame byte for byte and the counters.
/// </summary>
public sealed class DataPathTests(ITestOutputHelper output)
{
    [Fact]
    public void Poll_loop_moves_frames_both_ways_in_order_byte_for_byte()
    {
        string result = Run("poll_loop_test.c", queues: 1, "20000");
        Assert.Contains("PASS poll_loop_test", result);
    }

    [Fact]
    public void Send_returns_0_when_full_and_every_frame_arrives_in_order_after_POLLOUT()
    {
        string result = Run("backpressure_test.c", queues: 1, "20000");
        Assert.Contains("PASS backpressure_test", result);
    }

    [Fact]
    public void Refused_frames_are_delivered_again_first_and_peeked_frames_until_released()
    {
        string result = Run("refuse_test.c", queues: 1, "1500");
        Assert.Contains("ok  refusing callback", result);
        Assert.Contains("ok  peek/release", result);
    }

    [Fact]
    public void Two_queues_are_driven_by_two_threads_at_once()
    {
        string result = Run("threads_test.c", queues: 2, "20000");
        Assert.Contains("PASS threads_test", result);
    }

    private string Run(string source, int queues, params string[] extra)
    {
        string program = NativeArtifacts.Program(source);
        using var pair = VethPair.Create(queues);
        string result = CProgramRun.InNamespace(pair, program, [pair.A, pair.B, .. extra]);
        output.WriteLine(result);
        // Closing the ports detached their programs.
        Assert.DoesNotContain("prog/xdp", pair.LinkDetails(pair.A));
        Assert.DoesNotContain("prog/xdp", pair.LinkDetails(pair.B));
        return result;
    }
}
