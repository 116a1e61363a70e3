using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using XdpAot.Tests.Infrastructure;
using XdpAot.Tests.Integration;

namespace XdpAot.Tests.Cli;

/// <summary>
/// gen, sink, reflect and fwd end to end on veth pairs in a namespace of the test's own. Runs move 2000 frames:
/// fewer than a ring holds, so a receiver that is descheduled for a while on a busy 2-core machine still loses
/// nothing, and a test takes a second or two.
/// </summary>
[Collection(IntegrationCollection.Name)]
public class CliTrafficTests
{
    private const string Frames = "2000";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public void Gen_to_sink_delivers_every_frame_in_order()
    {
        using var pair = VethPair.Create();
        using var sink = XdpaotProcess.Start(pair.Namespace, "sink", "-i", pair.A, "--count", Frames, "--verify", "--json", "--wait", "10").WaitReady();
        using var gen = XdpaotProcess.Start(pair.Namespace, "gen", "-i", pair.B, "--count", Frames, "--rate", "50000", "--json");
        Assert.True(gen.WaitForExit(Timeout) == 0, gen.Transcript);
        Assert.True(sink.WaitForExit(Timeout) == 0, sink.Transcript);

        var s = sink.Json();
        Assert.Equal(2000, s.GetProperty("total_frames").GetInt64());
        var v = s.GetProperty("verify");
        Assert.Equal(2000UL, v.GetProperty("received").GetUInt64());
        Assert.Equal(0UL, v.GetProperty("lost").GetUInt64());
        Assert.Equal(0UL, v.GetProperty("reordered").GetUInt64());
        Assert.Equal(0UL, v.GetProperty("foreign").GetUInt64());
        var g = gen.Json();
        Assert.Equal(2000, g.GetProperty("frames").GetInt64());
        Assert.Equal(2000 * 60, g.GetProperty("bytes").GetInt64());
        Assert.Equal(2000, g.GetProperty("sent").GetInt64());
        // The I/O threads' own count (GC.GetAllocatedBytesForCurrentThread over the loop): nothing per frame.
        Assert.Equal(0, s.GetProperty("loop_alloc_bytes").GetInt64());
        Assert.Equal(0, g.GetProperty("loop_alloc_bytes").GetInt64());
        Assert.DoesNotContain("prog/xdp", pair.LinkDetails(pair.A));
        Assert.DoesNotContain("prog/xdp", pair.LinkDetails(pair.B));
    }

    [Fact]
    public void Sink_naps_between_short_batches_and_still_loses_nothing()
    {
        using var pair = VethPair.Create();
        // Default idle mode (nap). With --idle spin the same run takes a whole core (share ~1.0).
        using var sink = XdpaotProcess.Start(pair.Namespace, "sink", "-i", pair.A, "--count", "300000", "--verify", "--json", "--wait", "10", "--cpu", "1").WaitReady();
        using var gen = XdpaotProcess.Start(pair.Namespace, "gen", "-i", pair.B, "--count", "300000", "--rate", "150000", "--json", "--cpu", "0");
        Assert.True(gen.WaitForExit(Timeout) == 0, gen.Transcript);
        Assert.True(sink.WaitForExit(Timeout) == 0, sink.Transcript);

        var s = sink.Json();
        var v = s.GetProperty("verify");
        Assert.Equal(300000UL, v.GetProperty("received").GetUInt64());
        Assert.Equal(0UL, v.GetProperty("lost").GetUInt64());
        double seconds = s.GetProperty("seconds").GetDouble();
        double share = (s.GetProperty("user_s").GetDouble() + s.GetProperty("sys_s").GetDouble()) / seconds;
        Assert.True(seconds > 1.5, sink.Transcript);
        Assert.True(share < 0.6, $"the sink used {share:F2} of a core\n{sink.Transcript}");
    }

    [Fact]
    public void Sink_started_into_a_running_stream_receives_while_the_program_is_still_being_attached()
    {
        // The program is live some 10-20 ms before the call that attaches it returns. The receive loop must already
        // be running then: when it started only after the attach, a stream of 400 kfps overran the 2,048-frame Fill
        // ring in that window (1,700 to 4,500 drops a run). The stream here is slower, so that a few ms of lost CPU
        // (this VM's host, the test host starting up) cannot drop frames either way; the ordering shows in the
        // timestamps: the first frame arrives before the sink is ready (attached), where it used to come after.
        using var pair = VethPair.Create();
        using var gen = XdpaotProcess.Start(pair.Namespace, "gen", "-i", pair.B, "--rate", "100000", "--duration", "30", "--quiet", "--cpu", "0").WaitReady();
        Thread.Sleep(200);
        using var sink = XdpaotProcess.Start(pair.Namespace, "sink", "-i", pair.A, "--duration", "1", "--warmup", "0", "--json", "--cpu", "1");
        Assert.True(sink.WaitForExit(Timeout) == 0, sink.Transcript);
        var s = sink.Json();
        Assert.True(s.GetProperty("frames").GetInt64() > 50_000, sink.Transcript);
        double first = s.GetProperty("first_frame_ms").GetDouble(), ready = s.GetProperty("ready_ms").GetDouble();
        Assert.True(first < ready, $"first frame after {first} ms, ready (attached) after {ready} ms\n{sink.Transcript}");
        Assert.Equal(0UL, s.GetProperty("rx_fill_ring_empty").GetUInt64());
        Assert.Equal(0UL, s.GetProperty("rx_dropped").GetUInt64());
        Assert.Equal("native", s.GetProperty("mode").GetString());
    }

    [Fact]
    public void Json_summary_has_the_benchmark_keys_first_and_nothing_else_on_stdout()
    {
        using var pair = VethPair.Create();
        using var sink = XdpaotProcess.Start(pair.Namespace, "sink", "-i", pair.A, "--mode", "skb", "--count", "500", "--json", "--wait", "10").WaitReady();
        using var gen = XdpaotProcess.Start(pair.Namespace, "gen", "-i", pair.B, "--mode", "skb", "--count", "500", "--json", "--cpu", "0");
        Assert.True(gen.WaitForExit(Timeout) == 0, gen.Transcript);
        Assert.True(sink.WaitForExit(Timeout) == 0, sink.Transcript);
        foreach (var p in new[] { sink, gen })
        {
            var lines = p.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.True(lines.Length == 1, $"stdout must be the JSON line only:\n{p.Transcript}");
            var json = p.Json();
            string[] contract = ["tool", "cmd", "frames", "bytes", "seconds", "mpps", "user_s", "sys_s", "cpu_ns_per_frame"];
            Assert.Equal(contract, json.EnumerateObject().Take(contract.Length).Select(o => o.Name).ToArray());
            Assert.Equal("xdpaot", json.GetProperty("tool").GetString());
            foreach (var key in contract[2..])
                Assert.Equal(JsonValueKind.Number, json.GetProperty(key).ValueKind);
            Assert.Equal("skb", json.GetProperty("mode").GetString());
            Assert.True(json.GetProperty("first_frame_ms").GetDouble() > 0);
        }
        Assert.Equal("sink", sink.Json().GetProperty("cmd").GetString());
        Assert.Equal("gen", gen.Json().GetProperty("cmd").GetString());
    }

    [Fact]
    public void Gen_frames_pass_the_kernels_IPv4_and_UDP_checksum_checks()
    {
        using var pair = VethPair.Create();
        pair.Ip("addr", "add", "10.9.0.2/24", "dev", pair.B);
        var bMac = string.Join(':', pair.Mac(pair.B).Select(b => b.ToString("x2")));
        Socket udp;
        using (pair.Enter())
        {
            // A plain UDP socket on B: the kernel drops a datagram whose IP or UDP checksum is wrong (UdpInCsumErrors).
            udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp) { ReceiveTimeout = 10000 };
            udp.Bind(new IPEndPoint(IPAddress.Parse("10.9.0.2"), 9999));
        }
        using (udp)
        {
            using var gen = XdpaotProcess.Start(pair.Namespace, "gen", "-i", pair.A, "--count", "200", "--rate", "20000", "--size", "128",
                "--dst-mac", bMac, "--src-ip", "10.9.0.1", "--dst-ip", "10.9.0.2", "--udp", "1234:9999", "--quiet");
            Assert.True(gen.WaitForExit(Timeout) == 0, gen.Transcript);
            var buf = new byte[2048];
            for (ulong seq = 0; seq < 200; seq++)
            {
                EndPoint from = new IPEndPoint(IPAddress.Any, 0);
                int n = udp.ReceiveFrom(buf, ref from);
                Assert.Equal(128 - 4 - 42, n);
                Assert.Equal(new IPEndPoint(IPAddress.Parse("10.9.0.1"), 1234), from);
                Assert.Equal(0x58445041u, BinaryPrimitives.ReadUInt32BigEndian(buf));
                Assert.Equal(0u, BinaryPrimitives.ReadUInt32BigEndian(buf.AsSpan(4)));
                Assert.Equal(seq, BinaryPrimitives.ReadUInt64BigEndian(buf.AsSpan(8)));
            }
        }
    }

    [Fact]
    public void Reflect_sends_every_frame_back_without_allocating()
    {
        using var pair = VethPair.Create();
        using var reflect = XdpaotProcess.Start(pair.Namespace, "reflect", "-i", pair.A, "--count", Frames, "--idle", "poll", "--json", "--wait", "10").WaitReady();
        using var gen = XdpaotProcess.Start(pair.Namespace, "gen", "-i", pair.B, "--count", Frames, "--rate", "50000", "--rx", "--json");
        Assert.True(gen.WaitForExit(Timeout) == 0, gen.Transcript);
        Assert.True(reflect.WaitForExit(Timeout) == 0, reflect.Transcript);
        Assert.Equal(2000, reflect.Json().GetProperty("total_frames").GetInt64());
        Assert.Equal(0, reflect.Json().GetProperty("loop_alloc_bytes").GetInt64());
        Assert.Equal(2000, gen.Json().GetProperty("rx_frames").GetInt64());
    }

    [Fact]
    public void Fwd_forwards_between_two_ports()
    {
        using var pair = VethPair.Create();
        string c = pair.A + "c", d = pair.A + "d";
        pair.Ip("link", "add", c, "type", "veth", "peer", "name", d);
        foreach (var dev in new[] { c, d })
        {
            pair.Ip("link", "set", dev, "addrgenmode", "none");
            pair.Ip("link", "set", dev, "up");
        }
        // gen -> B ==> A -> fwd -> C ==> D -> sink
        using var sink = XdpaotProcess.Start(pair.Namespace, "sink", "-i", d, "--count", Frames, "--verify", "--idle", "poll", "--json", "--wait", "10").WaitReady();
        using var fwd = XdpaotProcess.Start(pair.Namespace, "fwd", "-i", pair.A, "-o", c, "--count", Frames, "--idle", "poll", "--json", "--wait", "10").WaitReady();
        using var gen = XdpaotProcess.Start(pair.Namespace, "gen", "-i", pair.B, "--count", Frames, "--rate", "50000", "--quiet");
        Assert.True(gen.WaitForExit(Timeout) == 0, gen.Transcript);
        Assert.True(fwd.WaitForExit(Timeout) == 0, fwd.Transcript);
        Assert.True(sink.WaitForExit(Timeout) == 0, sink.Transcript);
        var v = sink.Json().GetProperty("verify");
        Assert.Equal(2000UL, v.GetProperty("received").GetUInt64());
        Assert.Equal(0UL, v.GetProperty("lost").GetUInt64());
        var f = fwd.Json();
        Assert.Equal(2000, f.GetProperty("total_frames").GetInt64());
        Assert.Equal($"{pair.A},{c}", f.GetProperty("ifname").GetString());
        Assert.Equal(0, f.GetProperty("loop_alloc_bytes").GetInt64());
    }

    [Fact]
    public void Fwd_with_one_port_sends_frames_back_out_of_it()
    {
        using var pair = VethPair.Create();
        using var fwd = XdpaotProcess.Start(pair.Namespace, "fwd", "-i", pair.A, "--count", Frames, "--idle", "poll", "--quiet", "--wait", "10").WaitReady();
        using var gen = XdpaotProcess.Start(pair.Namespace, "gen", "-i", pair.B, "--count", Frames, "--rate", "50000", "--rx", "--json");
        Assert.True(gen.WaitForExit(Timeout) == 0, gen.Transcript);
        Assert.True(fwd.WaitForExit(Timeout) == 0, fwd.Transcript);
        Assert.Equal(2000, gen.Json().GetProperty("rx_frames").GetInt64());
    }

    [Fact]
    public void Two_queues_run_a_thread_each_and_keep_one_sequence_per_stream()
    {
        using var pair = VethPair.Create(queues: 2);
        using var sink = XdpaotProcess.Start(pair.Namespace, "sink", "--port", $"ifname={pair.A},queues=2", "--count", "4000", "--verify",
            "--idle", "poll", "--json", "--wait", "10").WaitReady();
        using var gen = XdpaotProcess.Start(pair.Namespace, "gen", "--port", $"ifname={pair.B},queues=2", "--count", "4000", "--rate", "50000", "--quiet");
        Assert.True(gen.WaitForExit(Timeout) == 0, gen.Transcript);
        Assert.True(sink.WaitForExit(Timeout) == 0, sink.Transcript);
        var s = sink.Json();
        var v = s.GetProperty("verify");
        Assert.Equal(2, v.GetProperty("streams").GetInt32());
        Assert.Equal(4000UL, v.GetProperty("received").GetUInt64());
        Assert.Equal(0UL, v.GetProperty("lost").GetUInt64());
        var queues = s.GetProperty("per_queue").EnumerateArray().ToArray();
        Assert.Equal([0, 1], queues.Select(q => q.GetProperty("queue").GetInt32()));
        Assert.All(queues, q => Assert.True(q.GetProperty("rx_packets").GetUInt64() > 0, s.ToString()));
    }

    [Theory]
    [InlineData("TERM")]
    [InlineData("INT")]
    public void A_signal_stops_the_run_detaches_and_prints_the_summary(string signal)
    {
        using var pair = VethPair.Create();
        using var sink = XdpaotProcess.Start(pair.Namespace, "sink", "-i", pair.A, "--idle", "poll", "--json").WaitReady();
        Assert.Contains("prog/xdp", pair.LinkDetails(pair.A));
        sink.Signal(signal);
        Assert.True(sink.WaitForExit(Timeout) == 0, sink.Transcript);
        Assert.Equal($"SIG{signal}", sink.Json().GetProperty("stop_reason").GetString());
        Assert.DoesNotContain("prog/xdp", pair.LinkDetails(pair.A));
    }

    [Fact]
    public void Gen_at_a_rate_runs_for_its_duration_and_prints_a_live_line_a_second()
    {
        using var pair = VethPair.Create();
        var sw = Stopwatch.StartNew();
        using var gen = XdpaotProcess.Start(pair.Namespace, "gen", "-i", pair.B, "--rate", "1000", "--duration", "2.5");
        Assert.True(gen.WaitForExit(Timeout) == 0, gen.Transcript);
        Assert.InRange(sw.Elapsed.TotalSeconds, 2.5, 15);
        var live = gen.StdOut.Split('\n').Where(l => l.Contains(" s  gen ", StringComparison.Ordinal)).ToArray();
        Assert.True(live.Length >= 2, gen.Transcript);
        Assert.Contains("Mpps", live[0]);
        Assert.Contains("drops", live[0]);
        Assert.Contains("ring-full", live[0]);
        // 1000 pps for 2.5 s: the pacing is within a few percent.
        var m = System.Text.RegularExpressions.Regex.Match(gen.StdOut, @": (\d+) frames, ");
        Assert.True(m.Success, gen.Transcript);
        Assert.InRange(long.Parse(m.Groups[1].Value), 2300, 2700);
    }

    [Fact]
    public void Sink_without_traffic_gives_up_after_the_wait_and_names_the_queue()
    {
        using var pair = VethPair.Create();
        using var sink = XdpaotProcess.Start(pair.Namespace, "sink", "-i", pair.A, "--count", "10", "--wait", "1", "--idle", "poll");
        Assert.True(sink.WaitForExit(Timeout) == 1, sink.Transcript);
        Assert.Contains($"no frames received on {pair.A} queue 0 within 1 s", sink.StdErr);
        Assert.DoesNotContain("prog/xdp", pair.LinkDetails(pair.A));
    }

    [Fact]
    public void A_queue_the_interface_lacks_is_a_runtime_error_naming_it()
    {
        using var pair = VethPair.Create();
        using var sink = XdpaotProcess.Start(pair.Namespace, "sink", "-i", pair.A, "-q", "3", "--duration", "1");
        Assert.True(sink.WaitForExit(Timeout) == 1, sink.Transcript);
        Assert.Contains("start-queue=3", sink.StdErr);
        Assert.Contains(pair.A, sink.StdErr);
    }
}
