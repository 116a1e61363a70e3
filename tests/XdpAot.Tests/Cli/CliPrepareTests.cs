using System.Diagnostics;
using System.Text.RegularExpressions;
using XdpAot.Tests.Infrastructure;
using XdpAot.Tests.Integration;

namespace XdpAot.Tests.Cli;

/// <summary>
/// `xdpaot prepare`: the privileged half of inhibit=on,sock-fds= (and map-path=). The consumer is `xdpaot sink`
/// run by setpriv as nobody with every capability dropped (no CAP_NET_RAW, CAP_BPF, CAP_IPC_LOCK), so it can
/// neither create an AF_XDP socket nor load a program: it moves frames only through what prepare handed it.
/// </summary>
[Collection(IntegrationCollection.Name)]
public class CliPrepareTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private static readonly string[] Unprivileged =
        ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all", "--bounding-set=-all"];

    /// <summary>The child: prints its capabilities, then execs an xdpaot sink on the handed-over sockets.</summary>
    private static string[] UnprivilegedSink(params string[] sinkArgs) =>
        [.. Unprivileged, "sh", "-c",
            "grep CapEff /proc/self/status >&2; exec \"$0\" sink --port \"$XDPAOT_PORT,frame-count=$XDPAOT_FRAME_COUNT\" \"$@\"",
            Artifacts.Cli, .. sinkArgs];

    [Fact]
    public void A_child_without_capabilities_moves_frames_on_the_sockets_it_inherits()
    {
        using var pair = VethPair.Create();
        using var prepare = XdpaotProcess.Start(pair.Namespace, ["prepare", "-i", pair.A, "--", .. UnprivilegedSink(
            "--count", "2000", "--verify", "--idle", "poll", "--json", "--wait", "10")]).WaitReady();
        Assert.Contains("CapEff:\t0000000000000000", prepare.StdErr);
        Assert.Contains("prog/xdp", pair.LinkDetails(pair.A));
        using var gen = XdpaotProcess.Start(pair.Namespace, "gen", "-i", pair.B, "--count", "2000", "--rate", "50000", "--quiet");
        Assert.True(gen.WaitForExit(Timeout) == 0, gen.Transcript);
        Assert.True(prepare.WaitForExit(Timeout) == 0, prepare.Transcript);
        var v = prepare.Json().GetProperty("verify"); // the child's stdout is prepare's
        Assert.Equal(2000UL, v.GetProperty("received").GetUInt64());
        Assert.Equal(0UL, v.GetProperty("lost").GetUInt64());
        Assert.DoesNotContain("prog/xdp", pair.LinkDetails(pair.A));
    }

    [Fact]
    public void Killing_the_child_with_SIGKILL_removes_the_program()
    {
        using var pair = VethPair.Create();
        using var prepare = XdpaotProcess.Start(pair.Namespace, ["prepare", "-i", pair.A, "--", .. UnprivilegedSink("--idle", "poll", "--quiet")]).WaitReady();
        int child = ChildPid(prepare);
        Assert.Contains("prog/xdp", pair.LinkDetails(pair.A));
        Sh.Run("kill", "-KILL", $"{child}");
        Assert.True(prepare.WaitForExit(Timeout) == 128 + 9, prepare.Transcript);
        Assert.Contains($"pid {child} exited with 137", prepare.StdErr);
        AssertNoProgramSoon(pair);
    }

    [Fact]
    public void The_program_lives_as_long_as_the_child_even_when_prepare_is_killed()
    {
        using var pair = VethPair.Create();
        using var prepare = XdpaotProcess.Start(pair.Namespace, ["prepare", "-i", pair.A, "--", .. UnprivilegedSink("--idle", "poll", "--quiet")]).WaitReady();
        int child = ChildPid(prepare);
        try
        {
            prepare.Signal("KILL");
            prepare.WaitForExit(Timeout);
            // The child holds the link fd (XDPAOT_LINK_FD): the program stays while it runs.
            Thread.Sleep(200);
            Assert.Contains("prog/xdp", pair.LinkDetails(pair.A));
        }
        finally
        {
            Sh.Try("kill", "-KILL", $"{child}");
        }
        AssertNoProgramSoon(pair);
    }

    [Fact]
    public void Unix_socket_handover_to_an_unprivileged_process()
    {
        using var pair = VethPair.Create();
        string path = $"/tmp/xdpaot-t{Environment.ProcessId}-{pair.A}.sock";
        using var prepare = XdpaotProcess.Start(pair.Namespace, "prepare", "-i", pair.A, "--unix", path, "--chown", "65534");
        prepare.WaitFor("waiting for a connection", Timeout);
        using var sink = XdpaotProcess.StartFile(pair.Namespace, Unprivileged[0], [.. Unprivileged[1..], Artifacts.Cli, "sink", "--fds-from", path,
            "--count", "2000", "--verify", "--idle", "poll", "--json", "--wait", "10"]).WaitReady();
        Assert.True(prepare.WaitForExit(Timeout) == 0, prepare.Transcript); // handed over, gone
        Assert.Contains("prog/xdp", pair.LinkDetails(pair.A)); // kept by the receiver's link fd
        using var gen = XdpaotProcess.Start(pair.Namespace, "gen", "-i", pair.B, "--count", "2000", "--rate", "50000", "--quiet");
        Assert.True(gen.WaitForExit(Timeout) == 0, gen.Transcript);
        Assert.True(sink.WaitForExit(Timeout) == 0, sink.Transcript);
        Assert.Equal(2000UL, sink.Json().GetProperty("verify").GetProperty("received").GetUInt64());
        Assert.False(File.Exists(path));
        AssertNoProgramSoon(pair);
    }

    [Fact]
    public void Pinned_map_for_map_path_consumers_and_release()
    {
        using var pair = VethPair.Create();
        string bpffs = Path.Combine(Path.GetTempPath(), $"xdpaot-t{Environment.ProcessId}-{pair.A}-bpf");
        Directory.CreateDirectory(bpffs);
        Sh.Run("mount", "-t", "bpf", "bpf", bpffs);
        try
        {
            string map = Path.Combine(bpffs, "map");
            using var prepare = XdpaotProcess.Run(Timeout, pair.Namespace, "prepare", "-i", pair.A, "--pin", map);
            Assert.True(prepare.ExitCode == 0, prepare.Transcript);
            string options = prepare.StdOut.Trim();
            Assert.Equal($"ifname={pair.A},inhibit=on,map-path={map},map-start-index=0,start-queue=0,queues=1", options);
            Assert.True(File.Exists(map) && File.Exists(map + "_link"));
            Assert.Contains("prog/xdp", pair.LinkDetails(pair.A)); // pinned: outlives prepare

            using var sink = XdpaotProcess.Start(pair.Namespace, "sink", "--port", options, "--count", "2000", "--verify", "--idle", "poll", "--json", "--wait", "10").WaitReady();
            using var gen = XdpaotProcess.Start(pair.Namespace, "gen", "-i", pair.B, "--count", "2000", "--rate", "50000", "--quiet");
            Assert.True(gen.WaitForExit(Timeout) == 0, gen.Transcript);
            Assert.True(sink.WaitForExit(Timeout) == 0, sink.Transcript);
            Assert.Equal(2000UL, sink.Json().GetProperty("verify").GetProperty("received").GetUInt64());
            Assert.Contains("prog/xdp", pair.LinkDetails(pair.A));

            using var release = XdpaotProcess.Run(Timeout, pair.Namespace, "release", "--pin", map);
            Assert.True(release.ExitCode == 0, release.Transcript);
            Assert.False(File.Exists(map) || File.Exists(map + "_link"));
            AssertNoProgramSoon(pair);
            using var again = XdpaotProcess.Run(Timeout, pair.Namespace, "release", "--pin", map);
            Assert.True(again.ExitCode == 1, again.Transcript);
            Assert.Contains("nothing pinned there", again.StdErr);
        }
        finally
        {
            Sh.Try("umount", bpffs);
            Directory.Delete(bpffs);
        }
    }

    private static int ChildPid(XdpaotProcess prepare)
    {
        var m = Regex.Match(prepare.StdErr, @"started pid (\d+)");
        Assert.True(m.Success, prepare.Transcript);
        return int.Parse(m.Groups[1].Value);
    }

    /// <summary>The link goes when its last fd is closed, as the dying process's fd table is torn down.</summary>
    private static void AssertNoProgramSoon(VethPair pair)
    {
        var sw = Stopwatch.StartNew();
        while (pair.LinkDetails(pair.A).Contains("prog/xdp") && sw.Elapsed < TimeSpan.FromSeconds(5))
            Thread.Sleep(20);
        Assert.DoesNotContain("prog/xdp", pair.LinkDetails(pair.A));
    }
}
