using XdpAot.Ports;
using XdpAot.Tests.Infrastructure;
using XdpAot.Tests.Cli;
using XdpAot.Tests.Integration;

namespace XdpAot.Tests.Vhost.Integration;

/// <summary>
/// `xdpaot vhost` on end A of a veth pair in a namespace of the test's own, and an AF_XDP port of the test's own on
/// end B: the wire the bridge talks to. Frames the guest sends come out of B's queues; frames sent on B's queue q reach
/// guest queue pair q (veth delivers TX queue q on the peer's RX queue q).
/// </summary>
public sealed class VhostPeer : IDisposable
{
    private VhostPeer(VethPair pair, Port peer, string socketPath, string mode)
    {
        Pair = pair;
        Peer = peer;
        SocketPath = socketPath;
        Mode = mode;
    }

    /// <summary>
    /// The XDP mode of both ends. With more than one queue it is native: in skb mode veth does not record the queue a
    /// frame came in on, so every frame would reach queue 0.
    /// </summary>
    public string Mode { get; }

    public VethPair Pair { get; }
    public Port Peer { get; }
    public string SocketPath { get; }
    public XdpaotProcess? Backend { get; private set; }

    /// <summary>The veth pair, the peer port on B, and a socket path; nothing started yet.</summary>
    public static VhostPeer Create(int queues = 1, int mtu = 1500, string? mode = null)
    {
        mode ??= queues > 1 ? "native" : "skb";
        var pair = VethPair.Create(queues, mtu);
        try
        {
            Port peer;
            using (pair.Enter())
                peer = Port.Open($"ifname={pair.B},mode={mode},queues={queues}");
            return new VhostPeer(pair, peer, TempSockets.NewPath("vhost"), mode);
        }
        catch
        {
            pair.Dispose();
            throw;
        }
    }

    /// <summary>Starts `xdpaot vhost` on A with these arguments (the port and the socket are added) and waits for it.</summary>
    public XdpaotProcess Start(string role = "--socket-path", params string[] extra)
    {
        var args = new List<string> { "vhost" };
        if (role == "--client")
            args.AddRange(["--client", "--socket-path", SocketPath]);
        else if (role == "--socket-path")
            args.AddRange(["--socket-path", SocketPath]);
        args.AddRange(["--port", $"ifname={Pair.A},mode={Mode},queues={Peer.Queues.Count}"]);
        args.AddRange(extra);
        Backend = XdpaotProcess.Start(Pair.Namespace, [.. args]);
        Backend.WaitFor("vhost ready on", TimeSpan.FromSeconds(30));
        return Backend;
    }

    /// <summary>Sends frames from B's queue <paramref name="q"/> (towards guest pair q).</summary>
    public void SendToGuest(int q, IEnumerable<byte[]> frames) => Traffic.SendAll(Peer.Queues[q], frames);

    /// <summary>Receives what the guest sent, on B's queue <paramref name="q"/>.</summary>
    public List<byte[]> ReceiveFromGuest(int q, int count, TimeSpan? timeout = null) => Traffic.Receive(Peer.Queues[q], count, timeout);

    private struct AnyFrame : IFrameHandler
    {
        public List<byte[]> Frames;

        public bool OnFrame(ReadOnlySpan<byte> frame)
        {
            Frames.Add(frame.ToArray());
            return true;
        }
    }

    /// <summary>Every frame on B's queue <paramref name="q"/> (not only our test frames), until <paramref name="count"/> came.</summary>
    public List<byte[]> ReceiveAny(int q, int count, TimeSpan timeout)
    {
        var h = new AnyFrame { Frames = [] };
        var queue = Peer.Queues[q];
        long deadline = Environment.TickCount64 + (long)timeout.TotalMilliseconds;
        while (h.Frames.Count < count && Environment.TickCount64 < deadline)
        {
            if (queue.Receive(ref h) == 0)
                Traffic.Poll(queue.Fd, XdpAot.Interop.Libc.POLLIN, 50);
        }
        return h.Frames;
    }

    public void Dispose()
    {
        Backend?.Dispose();
        Peer.Dispose();
        Pair.Dispose();
        File.Delete(SocketPath);
    }
}
