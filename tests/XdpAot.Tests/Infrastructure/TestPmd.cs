using System.Globalization;
using System.Text.RegularExpressions;

namespace XdpAot.Tests.Infrastructure;

/// <summary>
/// A dpdk-testpmd run (DPDK 22.11, package dpdk-dev): the given vdevs, a forward mode, statistics every second
/// (without --stats-period testpmd exits at once, its stdin being at EOF). Start returns once forwarding has
/// started (a virtio_user with server=1: once it listens); <see cref="Stats"/> reads the latest port statistics; <see cref="Stop"/> ends it with SIGINT so it prints its
/// totals and closes its vhost-user connections cleanly. Dispose always stops or kills it, and removes its runtime
/// directory, the sockets it created, and the hugepages it reserved.
/// </summary>
/// <example>
/// <code>
/// using var pmd = TestPmd.Start(new TestPmdOptions { Vdevs = [Vdev.Vhost(sock)], ForwardMode = "macswap" });
/// // … front-end sends …
/// var s = pmd.WaitForStats(s => s.RxPackets >= 1000, TimeSpan.FromSeconds(20));
/// </code>
/// </example>
public sealed partial class TestPmd : IDisposable
{
    public const string Program = "dpdk-testpmd";
    private const string RuntimeRoot = "/var/run/dpdk";

    private static int s_counter;

    private readonly LineProcess _pmd;
    private readonly TestPmdStats _stats;
    private readonly HugePages? _hugePages;
    private readonly string _prefix;
    private readonly IReadOnlyList<string> _socketsToRemove;
    private bool _disposed;

    private TestPmd(TestPmdOptions options, LineProcess pmd, TestPmdStats stats, HugePages? hugePages, string prefix, IReadOnlyList<string> sockets)
    {
        Options = options;
        _pmd = pmd;
        _stats = stats;
        _hugePages = hugePages;
        _prefix = prefix;
        _socketsToRemove = sockets;
    }

    public TestPmdOptions Options { get; }

    public int Pid => _pmd.Pid;

    public bool HasExited => _pmd.HasExited;

    /// <summary>Time since testpmd was started.</summary>
    public TimeSpan Elapsed => _pmd.Elapsed;

    /// <summary>The command line and all output so far, for failure messages.</summary>
    public string Transcript => _pmd.Transcript();

    /// <summary>Starts testpmd and waits (up to 60 s) until it forwards, or for a listening virtio_user (server=1) until it
    /// waits for its back-end; throws with its output if it exits first.</summary>
    public static TestPmd Start(TestPmdOptions options)
    {
        if (!Tool.Exists(Program))
            throw new InvalidOperationException($"{Program} not found: install dpdk-dev (`dotnet pwsh build.ps1 setup`)");
        string prefix = $"xdpaot-{Environment.ProcessId}-{Interlocked.Increment(ref s_counter)}";
        int memory = options.MemoryMiB ?? (options.HugePages ? 128 : 512);
        // Sockets named in the vdevs that do not exist yet are testpmd's own (it listens there): removed afterwards,
        // also when it was killed and could not unlink them.
        var sockets = SocketPaths(options.Vdevs).Where(p => !File.Exists(p)).ToArray();
        // EAL's own allocations come on top of -m.
        var hugePages = options.HugePages ? HugePages.Reserve(HugePages.ForMiB(memory) + 16) : null;
        try
        {
            var args = Arguments(options, prefix, memory);
            var stats = new TestPmdStats();
            var pmd = LineProcess.Start(Program, args, options.Namespace, line =>
            {
                lock (stats)
                    stats.Add(line.Text);
            });
            var run = new TestPmd(options, pmd, stats, hugePages, prefix, sockets);
            if (pmd.WaitForLine(IsReady, TimeSpan.FromSeconds(60)) is null)
            {
                string why = pmd.HasExited ? "exited" : "did not start forwarding (or listening) within 60 s";
                string transcript = pmd.Transcript();
                run.Dispose();
                throw new InvalidOperationException($"{Program} {why}:\n{transcript}");
            }
            return run;
        }
        catch
        {
            hugePages?.Dispose();
            throw;
        }
    }

    /// <summary>Forwarding has started; or a virtio_user with server=1 listens and blocks in its start-up until a
    /// back-end connects (it forwards from then on).</summary>
    private static bool IsReady(OutputLine line) =>
        line.Text.Contains("packet forwarding - ports=", StringComparison.Ordinal)
        || line.Text.Contains("waiting for client connection", StringComparison.Ordinal);

    private static List<string> Arguments(TestPmdOptions o, string prefix, int memoryMiB)
    {
        var args = new List<string>
        {
            // Both lcores may run on either CPU: a fixed pinning would put two busy-polling testpmds on one core.
            "--lcores", "0@(0-1),1@(0-1)",
            "--file-prefix", prefix,
            "--no-pci",
            "-m", memoryMiB.ToString(CultureInfo.InvariantCulture),
        };
        // --in-memory: no hugetlbfs mount needed (memfd) and no files; --no-huge is legacy memory, which refuses it.
        args.AddRange(o.HugePages ? ["--in-memory", "--single-file-segments"] : ["--no-huge", "--no-shconf"]);
        foreach (var v in o.Vdevs)
            args.AddRange(["--vdev", v]);
        args.AddRange(o.EalArgs);
        args.Add("--");
        args.AddRange([
            "--stats-period", "1",
            $"--forward-mode={o.ForwardMode}",
            $"--rxq={o.Queues}", $"--txq={o.Queues}",
            $"--burst={o.Burst}",
            $"--total-num-mbufs={o.TotalMbufs}",
        ]);
        if (o.TxPacketLength is int len)
            args.Add($"--txpkts={len}");
        args.AddRange(o.AppArgs);
        return args;
    }

    /// <summary>The latest periodic statistics of <paramref name="port"/>; throws with the output before the first.</summary>
    public PortStats Stats(int port = 0)
    {
        lock (_stats)
        {
            return _stats.Port(port) ?? throw new InvalidOperationException($"{Program}: no statistics for port {port} yet\n{Transcript}");
        }
    }

    /// <summary>Waits until port <paramref name="port"/>'s statistics satisfy <paramref name="done"/>; returns them,
    /// or throws with the output (and the last statistics) on timeout.</summary>
    public PortStats WaitForStats(Func<PortStats, bool> done, TimeSpan timeout, int port = 0)
    {
        bool Ready()
        {
            lock (_stats)
                return _stats.Port(port) is PortStats s && done(s);
        }
        if (_pmd.WaitForLine(_ => Ready(), timeout) is null && !Ready())
        {
            PortStats? last;
            lock (_stats)
                last = _stats.Port(port);
            throw new TimeoutException($"{Program}: port {port} statistics not as expected within {timeout.TotalSeconds:0} s (last: {last})\n{Transcript}");
        }
        return Stats(port);
    }

    /// <summary>SIGINT, then waits (up to <paramref name="timeout"/>, default 15 s) for the exit report; kills it if it
    /// hangs. Returns the per-port and per-stream totals testpmd printed.</summary>
    public TestPmdReport Stop(TimeSpan? timeout = null)
    {
        _pmd.Signal(LineProcess.SIGINT);
        if (!_pmd.WaitForExit(timeout ?? TimeSpan.FromSeconds(15)))
        {
            _pmd.Kill();
            throw new TimeoutException($"{Program} did not exit after SIGINT (killed)\n{Transcript}");
        }
        lock (_stats)
        {
            var ports = Enumerable.Range(0, Options.Vdevs.Count)
                .Select(p => _stats.Forward(p) ?? throw new InvalidOperationException($"{Program} printed no totals for port {p}\n{Transcript}"))
                .ToArray();
            return new TestPmdReport(ports, _stats.Streams);
        }
    }

    public void Dispose()
    {
        if (_disposed)
            return;
        _disposed = true;
        if (!_pmd.HasExited)
        {
            _pmd.Signal(LineProcess.SIGINT);
            _pmd.WaitForExit(TimeSpan.FromSeconds(10));
        }
        _pmd.Dispose();   // kills it if SIGINT did not end it
        foreach (var s in _socketsToRemove)
            File.Delete(s);
        try
        {
            Directory.Delete(Path.Combine(RuntimeRoot, _prefix), recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
        _hugePages?.Dispose();
    }

    private static IEnumerable<string> SocketPaths(IEnumerable<string> vdevs) =>
        vdevs.SelectMany(v => SocketArg().Matches(v)).Select(m => m.Groups["path"].Value);

    [GeneratedRegex(@"(?:^|,)(?:iface|path)=(?<path>/[^,]+)")]
    private static partial Regex SocketArg();
}

/// <summary>What testpmd printed when it stopped: totals per port (in vdev order) and per stream.</summary>
public sealed record TestPmdReport(IReadOnlyList<ForwardStats> Ports, IReadOnlyList<StreamStats> Streams);
