using XdpAot.Tests.Vhost.FrontEnd;

namespace XdpAot.Tests.Vhost.FrontEndTests;

/// <summary>
/// A minimal back-end on the other end of a socketpair, for checking what the front-end sends without DPDK: it
/// records every message (header, payload, and what each fd it got points at), answers the GET requests with
/// configurable values, and acks NEED_REPLY with <see cref="AckFor"/>. <see cref="Silent"/> makes it answer nothing.
/// </summary>
public sealed class RecordingBackEnd : IDisposable
{
    public sealed record Message(VhostUserHeader Header, byte[] Payload, string[] FdTargets)
    {
        public VhostUserRequest Request => (VhostUserRequest)Header.Request;
    }

    private readonly VhostUserChannel _channel;
    private readonly List<Message> _messages = [];
    private readonly Thread _thread;
    private volatile bool _stop;

    private RecordingBackEnd(int fd)
    {
        _channel = VhostUserChannel.FromFd(fd);
        _channel.ReadTimeout = TimeSpan.FromMilliseconds(100);
        _thread = new Thread(Run) { IsBackground = true, Name = "recording back-end" };
    }

    /// <summary>A front-end over a socketpair whose other end this back-end serves; <paramref name="configure"/> runs before it starts.</summary>
    public static (VirtioNetFrontEnd FrontEnd, RecordingBackEnd BackEnd) Create(FrontEndOptions? options = null, Action<RecordingBackEnd>? configure = null)
    {
        var (channel, other) = VhostUserChannel.CreatePair();
        var backEnd = new RecordingBackEnd(other);
        configure?.Invoke(backEnd);
        backEnd._thread.Start();
        return (VirtioNetFrontEnd.Over(channel, options), backEnd);
    }

    public ulong Features { get; set; } = VirtioNetFrontEnd.DefaultFeatures | VirtioFeature.Csum;

    public ulong ProtocolFeatures { get; set; } = ProtocolFeature.Mq | ProtocolFeature.ReplyAck | ProtocolFeature.Status | ProtocolFeature.Rarp;

    public ulong QueueNum { get; set; } = 4;

    public ulong MaxMemSlots { get; set; } = 8;

    public byte Status { get; private set; }

    /// <summary>What GET_VRING_BASE answers for a vring.</summary>
    public Func<uint, uint> VringBase { get; set; } = index => 100 + index;

    /// <summary>The u64 REPLY_ACK answer for a message (0 = success).</summary>
    public Func<Message, ulong> AckFor { get; set; } = _ => 0;

    /// <summary>Read everything, answer nothing.</summary>
    public bool Silent { get; set; }

    /// <summary>Replaces a reply's header (to test the front-end's reply checks).</summary>
    public Func<VhostUserHeader, VhostUserHeader>? ReplyHeader { get; set; }

    public IReadOnlyList<Message> Messages
    {
        get
        {
            lock (_messages)
                return [.. _messages];
        }
    }

    public IReadOnlyList<VhostUserRequest> Requests => Messages.Select(m => m.Request).ToArray();

    /// <summary>Waits until <paramref name="count"/> messages arrived (the front-end does not wait for un-acked ones).</summary>
    public IReadOnlyList<Message> WaitForMessages(int count, TimeSpan? timeout = null)
    {
        long deadline = Environment.TickCount64 + (long)(timeout ?? TimeSpan.FromSeconds(5)).TotalMilliseconds;
        while (Messages.Count < count && Environment.TickCount64 < deadline)
            Thread.Sleep(5);
        return Messages;
    }

    private void Run()
    {
        while (!_stop)
        {
            VhostUserMessage received;
            try
            {
                received = _channel.Receive();
            }
            catch (TimeoutException)
            {
                continue;
            }
            catch (IOException)
            {
                return;
            }
            using (received)
            {
                var message = new Message(received.Header, received.Payload, received.Fds.Select(fd => FdCensus.TargetOf(fd.Value)).ToArray());
                lock (_messages)
                    _messages.Add(message);
                if (!Silent)
                    Answer(message);
            }
        }
    }

    private void Answer(Message m)
    {
        byte[]? body = m.Request switch
        {
            VhostUserRequest.GetFeatures => VhostUserPayload.U64(Features),
            VhostUserRequest.GetProtocolFeatures => VhostUserPayload.U64(ProtocolFeatures),
            VhostUserRequest.GetQueueNum => VhostUserPayload.U64(QueueNum),
            VhostUserRequest.GetMaxMemSlots => VhostUserPayload.U64(MaxMemSlots),
            VhostUserRequest.GetStatus => VhostUserPayload.U64(Status),
            VhostUserRequest.GetVringBase => VhostUserPayload.VringState(BitConverter.ToUInt32(m.Payload), VringBase(BitConverter.ToUInt32(m.Payload))),
            _ => null,
        };
        if (m.Request == VhostUserRequest.SetStatus)
            Status = m.Payload[0];
        if (body is null && m.Header.NeedsReply)
            body = VhostUserPayload.U64(AckFor(m));
        if (body is null)
            return;
        var header = new VhostUserHeader(m.Header.Request, VhostUserFlags.Version | VhostUserFlags.Reply, (uint)body.Length);
        header = ReplyHeader?.Invoke(header) ?? header;
        _channel.SendRaw([.. header.ToBytes(), .. body]);
    }

    public void Dispose()
    {
        _stop = true;
        if (_thread.IsAlive)
            _thread.Join(TimeSpan.FromSeconds(2));
        _channel.Dispose();
    }
}
