using XdpAot.Interop;
using XdpAot.Tests.Fakes;
using XdpAot.Tests.Vhost.FrontEnd;
using XdpAot.Vhost.Bridge;
using XdpAot.Vhost.Device;
using XdpAot.Vhost.Protocol;

namespace XdpAot.Tests.Vhost.Device;

/// <summary>
/// The whole back-end in this process: a <see cref="VhostNetDevice"/> over fake AF_XDP queues (the test plays the
/// kernel's side of their rings), serving our own front-end over a socketpair on a thread of its own. No privileges,
/// no network: the protocol, the ring states and the bridge's data path as a VMM and a NIC would see them.
/// </summary>
public sealed class DeviceHarness : IDisposable
{
    private Thread _server;
    private readonly int _wakeFd;
    private readonly List<string> _log = [];

    public DeviceHarness(int pairs = 1, DeviceOptions? options = null, FrontEndOptions? frontEnd = null, uint frameSize = 4096)
    {
        Wire = Enumerable.Range(0, pairs).Select(_ => new FakeQueue(ringSize: 256, frameSize: frameSize, frameCount: 2048)).ToArray();
        // Nap: the fake queues have no fd to sleep on, and spinning would take a core from the test thread.
        Device = new VhostNetDevice(Wire.Select(w => w.Queue).ToArray(), (options ?? new DeviceOptions()) with
        {
            Wait = options?.Wait is WaitMode.Spin ? WaitMode.Spin : WaitMode.Nap,
            Log = text => { lock (_log) _log.Add(text); },
        });
        Device.Start();
        _wakeFd = Libc.EventFd(0, Libc.EFD_CLOEXEC | Libc.EFD_NONBLOCK);
        var (channel, backendFd) = VhostUserChannel.CreatePair();
        _server = new Thread(() => Serve(backendFd)) { Name = "vhost harness", IsBackground = true };
        _server.Start();
        FrontEnd = VirtioNetFrontEnd.Over(channel, frontEnd);
    }

    public FakeQueue[] Wire { get; }
    public VhostNetDevice Device { get; }
    public VirtioNetFrontEnd FrontEnd { get; private set; }

    /// <summary>How the last connection ended (set when it has).</summary>
    public SessionEnd? End { get; private set; }
    public string? EndReason { get; private set; }

    public IReadOnlyList<string> Log
    {
        get { lock (_log) return [.. _log]; }
    }

    private void Serve(int fd)
    {
        using var channel = new MessageChannel(fd);
        End = Device.Serve(channel, _wakeFd, out string? reason);
        EndReason = reason;
    }

    /// <summary>Waits for the back-end to end the connection (it closed it, or saw ours close).</summary>
    public SessionEnd WaitForEnd(TimeSpan? timeout = null)
    {
        Assert.True(_server.Join(timeout ?? TimeSpan.FromSeconds(10)), "the back-end did not end the connection");
        return End!.Value;
    }

    /// <summary>A second connection to the same device (the first must have ended).</summary>
    public VirtioNetFrontEnd Reconnect(FrontEndOptions? frontEnd = null)
    {
        FrontEnd.Dispose();
        WaitForEnd();
        var (channel, backendFd) = VhostUserChannel.CreatePair();
        _server = new Thread(() => Serve(backendFd)) { Name = "vhost harness", IsBackground = true };
        _server.Start();
        return FrontEnd = VirtioNetFrontEnd.Over(channel, frontEnd);
    }

    /// <summary>
    /// The back-end's front-end goes away and comes back with the same guest (QEMU reconnecting): same RAM, rings and
    /// buffers in flight; it negotiates again and restarts the rings from their used index.
    /// </summary>
    public void ReconnectKeepingGuest()
    {
        FrontEnd.Disconnect();
        WaitForEnd();
        var (channel, backendFd) = VhostUserChannel.CreatePair();
        _server = new Thread(() => Serve(backendFd)) { Name = "vhost harness", IsBackground = true };
        _server.Start();
        FrontEnd.Reconnect(channel);
    }

    /// <summary>Negotiates and sends features and memory, but starts no ring: for tests that set rings up by hand.</summary>
    public VirtioNetFrontEnd NegotiateWithMemory(int pairs = 1)
    {
        FrontEnd.Negotiate();
        FrontEnd.CreateQueuePairs(pairs);
        FrontEnd.SetFeatures(FrontEnd.AckedFeatures);
        FrontEnd.SendMemory();
        return FrontEnd;
    }

    /// <summary>The usual start: negotiate everything offered, then start the queue pairs in QEMU's order.</summary>
    public VirtioNetFrontEnd Start(int pairs = 1, int queueSize = 256, ulong features = VirtioNetFrontEnd.DefaultFeatures)
    {
        FrontEnd.Negotiate(features);
        FrontEnd.StartQueuePairs(pairs, queueSize);
        return FrontEnd;
    }

    /// <summary>Frames the bridge put on AF_XDP queue <paramref name="queue"/>'s TX ring, waiting until <paramref name="count"/> came.</summary>
    public List<byte[]> WireFrames(int queue, int count, TimeSpan? timeout = null)
    {
        var frames = new List<byte[]>();
        long deadline = Environment.TickCount64 + (long)(timeout ?? TimeSpan.FromSeconds(10)).TotalMilliseconds;
        while (frames.Count < count && Environment.TickCount64 < deadline)
        {
            if (Wire[queue].Kernel.Transmit(64, frames) == 0)
                Thread.Sleep(1);
        }
        return frames;
    }

    /// <summary>"Receives" frames on AF_XDP queue <paramref name="queue"/> (the fake kernel writes them into its RX ring).</summary>
    public void Deliver(int queue, params byte[][] frames)
    {
        foreach (var f in frames)
        {
            long deadline = Environment.TickCount64 + 10_000;
            while (!Wire[queue].Kernel.Deliver(f))
            {
                Assert.True(Environment.TickCount64 < deadline, $"AF_XDP queue {queue}: the fake kernel's RX ring stayed full");
                Thread.Sleep(1);
            }
        }
    }

    public void Dispose()
    {
        FrontEnd.Dispose();
        Libc.SignalEventFd(_wakeFd);
        _server.Join(TimeSpan.FromSeconds(10));
        Device.Dispose();
        foreach (var w in Wire)
            w.Dispose();
        Libc.Close(_wakeFd);
    }
}
