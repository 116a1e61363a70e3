using System.Diagnostics;
using System.Text;

namespace XdpAot.Tests.Vhost.FrontEndTests;

/// <summary>
/// DPDK's dpdk-testpmd with a vhost PMD port, as the real back-end the front-end is proven against. Each instance has
/// its own temp dir (socket), its own --file-prefix, and no hugepages (--no-huge; guest memory comes from the
/// front-end). It forwards RX queue q back out of TX queue q of the same port (--port-topology=loop), so a frame the
/// front-end transmits on pair q comes back on pair q's RX queue, MACs swapped in macswap mode. Dispose ends it
/// (EOF on stdin, then kill) and removes its socket dir and DPDK's runtime dir.
/// </summary>
public sealed class TestPmd : IDisposable
{
    public const string Package = "dpdk-dev";
    public const string Executable = "dpdk-testpmd";
    private const string RuntimeRoot = "/var/run/dpdk";
    private const string Stdbuf = "/usr/bin/stdbuf";
    private static int s_counter;

    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private TestPmd(Process process, string dir, string socketPath, string filePrefix, int queues, bool clientMode)
    {
        _process = process;
        Directory = dir;
        SocketPath = socketPath;
        FilePrefix = filePrefix;
        Queues = queues;
        ClientMode = clientMode;
    }

    public string Directory { get; }

    /// <summary>The vhost-user socket: testpmd listens on it (server mode) or connects to it (client mode).</summary>
    public string SocketPath { get; }

    public string FilePrefix { get; }

    /// <summary>Queue pairs of the vhost port (and RX/TX queues of testpmd).</summary>
    public int Queues { get; }

    public bool ClientMode { get; }

    public bool HasExited => _process.HasExited;

    /// <summary>testpmd's stdout and stderr so far (DPDK logs every vhost-user message at INFO).</summary>
    public string Output
    {
        get
        {
            lock (_output)
                return _output.ToString();
        }
    }

    /// <summary>The path of dpdk-testpmd, or null when it is not installed.</summary>
    public static string? Find()
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Append("/usr/bin"))
        {
            if (dir.Length > 0 && File.Exists(Path.Combine(dir, Executable)))
                return Path.Combine(dir, Executable);
        }
        return null;
    }

    /// <summary>
    /// Starts testpmd with a vhost port of <paramref name="queues"/> queue pairs. In server mode it returns once the
    /// socket exists and forwarding has started; in client mode (<paramref name="clientMode"/>) the front-end must
    /// already listen on <paramref name="socketPath"/>.
    /// </summary>
    public static TestPmd Start(int queues = 2, bool clientMode = false, string forwardMode = "macswap", string? socketPath = null)
    {
        string exe = Find() ?? throw new InvalidOperationException(
            $"{Executable} was not found on PATH: the vhost front-end tests run against DPDK's vhost PMD; install the Debian package {Package} (apt-get install {Package})");
        int n = Interlocked.Increment(ref s_counter);
        int pid = Environment.ProcessId;
        string dir = Path.Combine(Path.GetTempPath(), $"xdpaot-testpmd-{pid}-{n}");
        System.IO.Directory.CreateDirectory(dir);
        string sock = socketPath ?? Path.Combine(dir, "vhost.sock");
        string prefix = $"xdpaot-fe-{pid}-{n}";
        // testpmd's stdout is a pipe here, so stdio would hold "Press enter to exit" (and the log) in its buffer:
        // stdbuf makes it line-buffered.
        var psi = new ProcessStartInfo(File.Exists(Stdbuf) ? Stdbuf : exe)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        // --no-huge cannot be combined with --in-memory (EAL refuses: --no-huge implies legacy memory), so
        // --no-shconf and --no-telemetry keep DPDK from leaving files behind besides its empty runtime dir.
        string[] args =
        [
            "-l", "0,1", "--no-huge", "-m", "512", "--no-shconf", "--no-telemetry", "--no-pci",
            "--file-prefix", prefix,
            "--vdev", $"net_vhost0,iface={sock},queues={queues}{(clientMode ? ",client=1" : "")}",
            "--",
            $"--forward-mode={forwardMode}", "--port-topology=loop", $"--rxq={queues}", $"--txq={queues}",
            "--nb-cores=1", "--total-num-mbufs=8192",
        ];
        if (File.Exists(Stdbuf))
        {
            foreach (var a in new[] { "-oL", "-eL", exe })
                psi.ArgumentList.Add(a);
        }
        foreach (var a in args)
            psi.ArgumentList.Add(a);
        var process = Process.Start(psi) ?? throw new InvalidOperationException($"cannot start {exe}");
        var pmd = new TestPmd(process, dir, sock, prefix, queues, clientMode);
        process.OutputDataReceived += (_, e) => pmd.Append(e.Data);
        process.ErrorDataReceived += (_, e) => pmd.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            pmd.WaitUntilForwarding(TimeSpan.FromSeconds(30));
        }
        catch
        {
            pmd.Dispose();
            throw;
        }
        return pmd;
    }

    private void Append(string? line)
    {
        if (line is null)
            return;
        lock (_output)
        {
            // Enough for a diagnosis; a long run must not grow without bound.
            if (_output.Length < 1 << 20)
                _output.AppendLine(line);
        }
    }

    private void WaitUntilForwarding(TimeSpan timeout)
    {
        long deadline = Environment.TickCount64 + (long)timeout.TotalMilliseconds;
        while (!(Output.Contains("Press enter to exit", StringComparison.Ordinal) && (ClientMode || File.Exists(SocketPath))))
        {
            if (_process.HasExited)
                throw new InvalidOperationException($"{Executable} exited with {_process.ExitCode} before forwarding:\n{Output}");
            if (Environment.TickCount64 > deadline)
                throw new TimeoutException($"{Executable} did not start forwarding within {timeout.TotalSeconds:0} s:\n{Output}");
            Thread.Sleep(20);
        }
    }

    /// <summary>Lines of testpmd's output containing <paramref name="text"/> (for tests that read DPDK's log).</summary>
    public IReadOnlyList<string> Lines(string text) =>
        Output.Split('\n').Where(l => l.Contains(text, StringComparison.Ordinal)).ToArray();

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                // EOF on stdin is testpmd's "enter": it stops forwarding, closes the port and exits.
                _process.StandardInput.Close();
                if (!_process.WaitForExit(5000))
                {
                    _process.Kill(entireProcessTree: true);
                    _process.WaitForExit(5000);
                }
            }
        }
        finally
        {
            _process.Dispose();
            TryDelete(Directory);
            TryDelete(Path.Combine(RuntimeRoot, FilePrefix));
        }
    }

    private static void TryDelete(string dir)
    {
        try
        {
            if (System.IO.Directory.Exists(dir))
                System.IO.Directory.Delete(dir, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}

/// <summary>One testpmd (2 queue pairs, macswap, server mode) shared by the tests of a class.</summary>
public sealed class TestPmdFixture : IDisposable
{
    private readonly Lazy<TestPmd> _pmd = new(() => TestPmd.Start(queues: 2));

    /// <summary>The running testpmd; started on first use so a missing dpdk-dev fails each test with its message.</summary>
    public TestPmd Pmd
    {
        get
        {
            var pmd = _pmd.Value;
            if (pmd.HasExited)
                throw new InvalidOperationException($"{TestPmd.Executable} died during the tests:\n{pmd.Output}");
            return pmd;
        }
    }

    public void Dispose()
    {
        if (_pmd.IsValueCreated)
            _pmd.Value.Dispose();
    }
}
