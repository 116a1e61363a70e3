using XdpAot.Tests.Infrastructure;

namespace XdpAot.Tests.Vhost.FrontEndTests;

/// <summary>
/// The back-end the front-end is proven against: dpdk-testpmd (the shared <see cref="TestPmd"/>) with one vhost PMD
/// port on a socket in a temp dir of its own, forwarding RX queue q back out of TX queue q of the same port
/// (--port-topology=loop) in macswap mode. A frame sent on pair q comes back on pair q with its MACs swapped.
/// </summary>
public sealed class VhostPmd : IDisposable
{
    private readonly string? _dir;

    private VhostPmd(TestPmd run, string socketPath, int queues, string? dir)
    {
        Run = run;
        SocketPath = socketPath;
        Queues = queues;
        _dir = dir;
    }

    public TestPmd Run { get; }

    /// <summary>testpmd listens here (server mode) or connects here (client mode).</summary>
    public string SocketPath { get; }

    /// <summary>Queue pairs of the vhost port.</summary>
    public int Queues { get; }

    public bool HasExited => Run.HasExited;

    /// <summary>testpmd's command line and output (DPDK logs every vhost-user message).</summary>
    public string Transcript => Run.Transcript;

    /// <summary>
    /// Starts testpmd with <paramref name="queues"/> queue pairs. In client mode the front-end must already listen on
    /// <paramref name="socketPath"/>; in server mode the socket goes in a new temp dir unless given.
    /// </summary>
    public static VhostPmd Start(int queues = 2, bool client = false, string? socketPath = null, string forwardMode = "macswap")
    {
        string? dir = socketPath is null ? Directory.CreateTempSubdirectory("xdpaot-vhostpmd-").FullName : null;
        string sock = socketPath ?? Path.Combine(dir!, "vhost.sock");
        try
        {
            var run = TestPmd.Start(new TestPmdOptions
            {
                Vdevs = [Vdev.Vhost(sock, queues, client)],
                ForwardMode = forwardMode,
                Queues = queues,
                TotalMbufs = 8192,
                AppArgs = ["--port-topology=loop", "--nb-cores=1"],
            });
            return new VhostPmd(run, sock, queues, dir);
        }
        catch
        {
            if (dir is not null)
                Directory.Delete(dir, recursive: true);
            throw;
        }
    }

    public void Dispose()
    {
        Run.Dispose();
        if (_dir is not null && Directory.Exists(_dir))
            Directory.Delete(_dir, recursive: true);
    }
}

/// <summary>One testpmd (2 queue pairs, macswap, server mode) shared by the tests of a class.</summary>
public sealed class VhostPmdFixture : IDisposable
{
    private readonly Lazy<VhostPmd> _pmd = new(() => VhostPmd.Start(queues: 2));

    /// <summary>The running testpmd; started on first use, so a missing dpdk-dev fails each test with its message.</summary>
    public VhostPmd Pmd
    {
        get
        {
            var pmd = _pmd.Value;
            if (pmd.HasExited)
                throw new InvalidOperationException($"dpdk-testpmd died during the tests:\n{pmd.Transcript}");
            return pmd;
        }
    }

    public void Dispose()
    {
        if (_pmd.IsValueCreated)
            _pmd.Value.Dispose();
    }
}
