using System.Diagnostics;
using System.Text.Json;
using XdpAot.Tests.Cli;
using XdpAot.Tests.Infrastructure;
using XdpAot.Tests.Integration;
using XdpAot.Tests.Vhost.FrontEnd;
using TestFrames = XdpAot.Tests.Vhost.FrontEndTests.Frames;

namespace XdpAot.Tests.Vhost.Integration;

/// <summary>
/// The published `xdpaot vhost` as a VMM meets it: our front-end on its socket (server, client and --fd), veth and an
/// AF_XDP peer on the wire, frames both ways byte for byte, reconnects, and the clean stop on SIGTERM.
/// </summary>
[Collection(IntegrationCollection.Name)]
public class VhostProcessTests
{
    private static byte[][] Make(int count, int size, int seq) => Enumerable.Range(seq, count).Select(i => TestFrames.Make(size, i)).ToArray();

    private static string[] Hex(IEnumerable<byte[]> frames) => frames.Select(Convert.ToHexString).ToArray();

    private static void RoundTrip(VhostPeer p, VirtioNetFrontEnd fe, int q, int seq)
    {
        var toWire = Make(50, 60 + 700 * q, seq);
        foreach (var f in toWire)
            fe.Send(q, f);
        Assert.Equal(Hex(toWire), Hex(p.ReceiveFromGuest(q, toWire.Length)));
        var toGuest = Make(50, 1514 - 500 * q, seq + 1000);
        p.SendToGuest(q, toGuest);
        Assert.Equal(Hex(toGuest), Hex(fe.ReceiveFrames(q, toGuest.Length).Select(r => r.Frame)));
    }

    [Fact]
    public void Frames_cross_the_bridge_both_ways_byte_for_byte_on_two_queue_pairs()
    {
        using var p = VhostPeer.Create(queues: 2);
        var backend = p.Start("--socket-path", "--json");
        using (var fe = VirtioNetFrontEnd.Connect(p.SocketPath))
        {
            fe.Negotiate();
            Assert.Equal(2, fe.MaxQueuePairs);
            fe.StartQueuePairs(2);
            for (int q = 0; q < 2; q++)
                fe.PostRxBuffers(q, 128, 2048);
            for (int q = 0; q < 2; q++)
                RoundTrip(p, fe, q, 100 * q);
        }
        backend.Signal("TERM");
        Assert.Equal(0, backend.WaitForExit(TimeSpan.FromSeconds(10)));
        var json = backend.Json();
        Assert.Equal(100, json.GetProperty("tx_frames").GetInt64());
        Assert.Equal(100, json.GetProperty("rx_frames").GetInt64());
        Assert.Equal(0, json.GetProperty("refused_chains").GetInt64());
        Assert.Equal(0, json.GetProperty("loop_alloc_bytes").GetInt64());
    }

    [Fact]
    public void The_server_takes_twenty_reconnects_without_fd_growth_and_keeps_the_port()
    {
        using var p = VhostPeer.Create();
        var backend = p.Start("--socket-path", "--quiet");
        int fdsAfterFirst = -1;
        for (int i = 0; i < 21; i++)
        {
            using (var fe = VirtioNetFrontEnd.Connect(p.SocketPath))
            {
                fe.Negotiate();
                fe.StartQueuePairs(1, 64);
                fe.PostRxBuffers(0, 64);
                RoundTrip(p, fe, 0, 10 * i);
                if (i == 0)
                    fdsAfterFirst = FdCount(backend.Pid);
            }
            // The next connect waits until the server has let go of this one.
        }
        using (var fe = VirtioNetFrontEnd.Connect(p.SocketPath))
        {
            fe.Negotiate();
            fe.StartQueuePairs(1, 64);
            Assert.Equal(fdsAfterFirst, FdCount(backend.Pid));
        }
        Assert.Contains("prog/xdp", p.Pair.LinkDetails(p.Pair.A)); // attached all along
    }

    [Fact]
    public void Sigterm_stops_it_within_a_second_detaches_and_removes_the_socket()
    {
        using var p = VhostPeer.Create();
        var backend = p.Start("--socket-path", "--json");
        using var fe = VirtioNetFrontEnd.Connect(p.SocketPath);
        fe.Negotiate();
        fe.StartQueuePairs(1);
        Assert.Contains("prog/xdp", p.Pair.LinkDetails(p.Pair.A));
        var sw = Stopwatch.StartNew();
        backend.Signal("TERM");
        Assert.Equal(0, backend.WaitForExit(TimeSpan.FromSeconds(10)));
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(1), $"exit took {sw.ElapsedMilliseconds} ms");
        Assert.False(File.Exists(p.SocketPath));
        Assert.DoesNotContain("prog/xdp", p.Pair.LinkDetails(p.Pair.A));
        Assert.Equal("SIGTERM", backend.Json().GetProperty("stop_reason").GetString());
        Assert.True(fe.Channel.WaitForClose(TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public void In_client_mode_it_connects_when_the_vmm_listens_and_again_after_it_went_away()
    {
        using var p = VhostPeer.Create();
        var backend = p.Start("--client", "--quiet");   // nobody listens yet: it retries every second
        Thread.Sleep(1500);
        using var listener = VhostUserChannel.Listen(p.SocketPath);
        for (int round = 0; round < 2; round++)
        {
            using var fe = VirtioNetFrontEnd.Accept(listener, new FrontEndOptions { Timeout = TimeSpan.FromSeconds(15) });
            fe.Negotiate();
            fe.StartQueuePairs(1);
            fe.PostRxBuffers(0, 64);
            RoundTrip(p, fe, 0, 1000 * round);
        }
        Assert.False(backend.HasExited, backend.Transcript);
    }

    [Fact]
    public void With_fd_it_serves_the_inherited_socket_and_exits_when_it_closes()
    {
        using var p = VhostPeer.Create();
        var (channel, otherFd) = InheritablePair();
        try
        {
            var backend = XdpaotProcess.Start(p.Pair.Namespace, "vhost", "--fd", $"{otherFd}", "--port", $"ifname={p.Pair.A},mode=skb", "--json");
            FrontEnd.Native.Close(otherFd);
            otherFd = -1;
            using (var fe = VirtioNetFrontEnd.Over(channel))
            {
                fe.Negotiate();
                fe.StartQueuePairs(1);
                fe.PostRxBuffers(0, 64);
                RoundTrip(p, fe, 0, 7);
            }
            Assert.Equal(0, backend.WaitForExit(TimeSpan.FromSeconds(10)));
            Assert.Equal("closed", backend.Json().GetProperty("stop_reason").GetString());
            backend.Dispose();
        }
        finally
        {
            if (otherFd >= 0)
                FrontEnd.Native.Close(otherFd);
        }
    }

    [Fact]
    public void Print_capabilities_says_net_and_bad_command_lines_are_usage_errors()
    {
        var caps = XdpaotProcess.Run(TimeSpan.FromSeconds(20), null, "vhost", "--print-capabilities");
        Assert.Equal(0, caps.ExitCode);
        Assert.Equal("net", JsonDocument.Parse(caps.StdOut).RootElement.GetProperty("type").GetString());
        foreach (var args in new[]
        {
            new[] { "vhost", "--port", "ifname=lo" },
            ["vhost", "--socket-path", "/tmp/x.sock", "--fd", "3", "--port", "ifname=lo"],
            ["vhost", "--client", "--fd", "3", "--port", "ifname=lo"],
            ["vhost", "--socket-path", "/tmp/x.sock", "--idle", "sometimes", "--port", "ifname=lo"],
            ["vhost", "--socket-path", "/tmp/x.sock", "--mac", "52:54:00", "--port", "ifname=lo"],
            ["vhost", "--client", "--socket-path", "/tmp/x.sock", "--socket-group", "0", "--port", "ifname=lo"],
        })
        {
            var r = XdpaotProcess.Run(TimeSpan.FromSeconds(20), null, args);
            Assert.True(r.ExitCode == 2, r.Transcript);
            Assert.Contains("xdpaot vhost:", r.StdErr);
        }
    }

    [Fact]
    public void A_socket_group_lets_an_unprivileged_vmm_connect()
    {
        using var p = VhostPeer.Create();
        p.Start("--socket-path", "--quiet", "--socket-group", "65534");
        var st = new FileInfo(p.SocketPath);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite, st.UnixFileMode);
        Assert.Contains(":65534 ", Sh.Run("stat", "-c", "%u:%g ", p.SocketPath));
    }

    [Fact]
    public void Cpu_pins_the_queue_pair_threads_and_the_live_line_comes_every_second()
    {
        using var p = VhostPeer.Create(queues: 2);
        var backend = p.Start("--socket-path", "--cpu", "1,0");
        Thread.Sleep(2500);
        var pairs = Directory.GetDirectories($"/proc/{backend.Pid}/task")
            .Select(t => (Name: File.ReadAllText(Path.Combine(t, "comm")).Trim(), Status: File.ReadAllText(Path.Combine(t, "status"))))
            .Where(t => t.Name.StartsWith("vhost pair", StringComparison.Ordinal))
            .ToDictionary(t => t.Name, t => t.Status.Split('\n').First(l => l.StartsWith("Cpus_allowed_list:", StringComparison.Ordinal)).Split(':')[1].Trim());
        Assert.Equal("1", pairs["vhost pair 0"]);
        Assert.Equal("0", pairs["vhost pair 1"]);
        Assert.Matches(@"\d+ s  tx \d+\.\d{3} Mpps .* rx \d+\.\d{3} Mpps .* drops \d+  irq/s \d+  waiting for a front-end", backend.StdOut);
    }

    [Fact]
    public void An_idle_guest_costs_the_back_end_next_to_no_cpu()
    {
        using var p = VhostPeer.Create();
        var backend = p.Start("--socket-path", "--quiet");
        using var fe = VirtioNetFrontEnd.Connect(p.SocketPath);
        fe.Negotiate();
        fe.StartQueuePairs(1);
        fe.PostRxBuffers(0, 128);
        RoundTrip(p, fe, 0, 1);
        Thread.Sleep(500);
        long before = CpuTicks(backend.Pid);
        Thread.Sleep(4000);
        long used = CpuTicks(backend.Pid) - before;
        // Clock ticks are 10 ms: 1% of a core over 4 s is 4 ticks.
        Assert.True(used <= 4, $"{used} ticks of CPU in 4 s with the guest idle");
    }

    [Fact]
    public void Systemd_readiness_comes_once_the_socket_listens_and_stopping_on_sigterm()
    {
        using var p = VhostPeer.Create();
        string notifyPath = TempSockets.NewPath("notify");
        using var notify = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.Unix, System.Net.Sockets.SocketType.Dgram, System.Net.Sockets.ProtocolType.Unspecified);
        notify.Bind(new System.Net.Sockets.UnixDomainSocketEndPoint(notifyPath));
        notify.ReceiveTimeout = 30_000;
        try
        {
            using var backend = XdpaotProcess.StartFile(p.Pair.Namespace, "env", $"NOTIFY_SOCKET={notifyPath}", Artifacts.Cli,
                "vhost", "--socket-path", p.SocketPath, "--port", $"ifname={p.Pair.A},mode=skb", "--quiet");
            var buffer = new byte[4096];
            string ready = System.Text.Encoding.UTF8.GetString(buffer, 0, notify.Receive(buffer));
            Assert.Contains("READY=1", ready);
            Assert.True(File.Exists(p.SocketPath), "READY=1 came before the socket listened");
            using (var fe = VirtioNetFrontEnd.Connect(p.SocketPath))
                fe.Negotiate();
            backend.Signal("TERM");
            string stopping = System.Text.Encoding.UTF8.GetString(buffer, 0, notify.Receive(buffer));
            Assert.Contains("STOPPING=1", stopping);
            Assert.Equal(0, backend.WaitForExit(TimeSpan.FromSeconds(10)));
        }
        finally
        {
            File.Delete(notifyPath);
        }
    }

    /// <summary>utime + stime of a process, in clock ticks (fields 14 and 15 of /proc/PID/stat).</summary>
    private static long CpuTicks(int pid)
    {
        string stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return long.Parse(fields[11]) + long.Parse(fields[12]);
    }

    private static int FdCount(int pid) => Directory.GetFiles($"/proc/{pid}/fd").Length;

    /// <summary>A socketpair whose second end a child inherits (no close-on-exec), as libvirt hands one over.</summary>
    private static unsafe (VhostUserChannel, int) InheritablePair()
    {
        int* sv = stackalloc int[2];
        Assert.Equal(0, FrontEnd.Native.SocketPair(1, 1, 0, sv));
        // Ours must not leak into the child: only the second end is meant for it.
        Assert.Equal(0, Fcntl(sv[0], 2 /* F_SETFD */, 1 /* FD_CLOEXEC */));
        return (VhostUserChannel.FromFd(sv[0]), sv[1]);
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "fcntl")]
    private static extern int Fcntl(int fd, int cmd, int arg);
}
