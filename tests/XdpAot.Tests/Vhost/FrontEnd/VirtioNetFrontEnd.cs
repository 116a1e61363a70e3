namespace XdpAot.Tests.Vhost.FrontEnd;

/// <summary>
/// A vhost-user-net front-end for tests, doing what QEMU does for a virtio-net device: it owns guest RAM and the
/// virtqueues, negotiates with a back-end over a <see cref="VhostUserChannel"/>, starts queue pairs in QEMU 10's
/// message order (or step by step, in any order a test likes), and moves frames through the rings.
/// One file per concern: this one (lifecycle and request plumbing), .Negotiation, .Memory, .Vrings, .Traffic.
/// </summary>
public sealed partial class VirtioNetFrontEnd : IDisposable
{
    private readonly List<NetQueuePair> _pairs = [];
    private readonly List<VhostUserRequest> _sent = [];
    private readonly string? _socketPath;
    private bool _replyAck;

    private VirtioNetFrontEnd(VhostUserChannel channel, FrontEndOptions options, string? socketPath)
    {
        Options = options;
        _socketPath = socketPath;
        Channel = channel;
        Channel.ReadTimeout = options.Timeout;
        try
        {
            Ram = GuestRam.Create(options.Layout);
        }
        catch
        {
            channel.Dispose();
            throw;
        }
    }

    /// <summary>Connects to a back-end listening on <paramref name="socketPath"/> (retrying while it starts) and creates guest RAM.</summary>
    public static VirtioNetFrontEnd Connect(string socketPath, FrontEndOptions? options = null)
    {
        options ??= FrontEndOptions.Default;
        return new VirtioNetFrontEnd(VhostUserChannel.Connect(socketPath, options.Timeout), options, socketPath);
    }

    /// <summary>Waits for a back-end in client mode to connect to <paramref name="listener"/>.</summary>
    public static VirtioNetFrontEnd Accept(VhostUserListener listener, FrontEndOptions? options = null)
    {
        options ??= FrontEndOptions.Default;
        return new VirtioNetFrontEnd(listener.Accept(options.Timeout), options, null);
    }

    /// <summary>Drives an already connected channel (a socketpair for an in-process back-end, say); takes ownership of it.</summary>
    public static VirtioNetFrontEnd Over(VhostUserChannel channel, FrontEndOptions? options = null) =>
        new(channel, options ?? FrontEndOptions.Default, null);

    public FrontEndOptions Options { get; }

    public VhostUserChannel Channel { get; private set; }

    public GuestRam Ram { get; }

    /// <summary>Every request sent so far, in order (tests check message order with it).</summary>
    public IReadOnlyList<VhostUserRequest> SentRequests => _sent;

    /// <summary>Queue pairs created by <see cref="CreateQueuePairs"/> / <see cref="StartQueuePairs"/>.</summary>
    public int PairCount => _pairs.Count;

    public NetQueuePair Pair(int index) => index >= 0 && index < _pairs.Count
        ? _pairs[index]
        : throw new ArgumentOutOfRangeException(nameof(index), index, $"{_pairs.Count} queue pairs exist");

    /// <summary>The queue behind vring <paramref name="vring"/> (2k = rx of pair k, 2k+1 = tx).</summary>
    public DriverQueue Queue(int vring) => vring % 2 == 0 ? Pair(vring / 2).Rx : Pair(vring / 2).Tx;

    private int VringCount => 2 * _pairs.Count;

    /// <summary>
    /// Sends a request that has no reply body. With REPLY_ACK negotiated (and <see cref="FrontEndOptions.UseReplyAck"/>)
    /// it sets NEED_REPLY and throws unless the back-end acks with 0.
    /// </summary>
    public void Request(VhostUserRequest request, byte[]? payload = null, ReadOnlySpan<int> fds = default, string? detail = null)
    {
        bool ack = _replyAck && Options.UseReplyAck;
        Channel.Send(request, payload, fds, ack);
        _sent.Add(request);
        if (!ack)
            return;
        ulong status = VhostUserPayload.ReadU64(Channel.ReceiveReply(request), request);
        if (status != 0)
            throw new InvalidOperationException($"the back-end refused {request}{(detail is null ? "" : $" ({detail})")}: REPLY_ACK status {status}");
    }

    /// <summary>Sends a request whose reply has a body, and returns that body (checked by <see cref="VhostUserChannel.ReceiveReply(VhostUserRequest)"/>).</summary>
    public byte[] Query(VhostUserRequest request, byte[]? payload = null)
    {
        Channel.Send(request, payload);
        _sent.Add(request);
        return Channel.ReceiveReply(request);
    }

    /// <summary>Closes the connection only; guest RAM, rings and buffers in flight stay, for <see cref="Reconnect"/>.</summary>
    public void Disconnect() => Channel.Close();

    /// <summary>
    /// Connects again (to the same socket path, or over <paramref name="channel"/>), negotiates the same features
    /// and restarts the same queue pairs from the rings' used idx, as QEMU does after a back-end went away: chains
    /// that were in flight are offered again.
    /// </summary>
    public void Reconnect(VhostUserChannel? channel = null)
    {
        Channel.Close();
        Channel = channel ?? VhostUserChannel.Connect(_socketPath ?? throw new InvalidOperationException("this front-end was not connected by path: pass a channel"), Options.Timeout);
        Channel.ReadTimeout = Options.Timeout;
        _replyAck = false;
        _stoppedBases = null;
        Negotiate(WantedFeatures, WantedProtocolFeatures);
        if (_pairs.Count > 0)
            StartQueuePairs(_pairs.Count, _pairs[0].Rx.Size);
    }

    /// <summary>Closes the connection, every eventfd and every memfd, and unmaps guest RAM.</summary>
    public void Dispose()
    {
        Channel.Dispose();
        foreach (var p in _pairs)
            p.Dispose();
        _pairs.Clear();
        Ram.Dispose();
    }
}
