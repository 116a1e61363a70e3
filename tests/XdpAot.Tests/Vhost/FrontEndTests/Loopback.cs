using XdpAot.Tests.Vhost.FrontEnd;

namespace XdpAot.Tests.Vhost.FrontEndTests;

/// <summary>Front-ends started against testpmd, and the round trip every loopback test makes.</summary>
public static class Loopback
{
    /// <summary>The protocol features the testpmd tests ask for (DPDK 22.11 offers all three).</summary>
    public const ulong Protocol = ProtocolFeature.Mq | ProtocolFeature.ReplyAck | ProtocolFeature.Status;

    public const ulong Base = VirtioFeature.Version1 | VirtioFeature.ProtocolFeatures;

    /// <summary>Connects, negotiates <paramref name="features"/> and starts <paramref name="pairs"/> queue pairs.</summary>
    public static VirtioNetFrontEnd Start(VhostPmd pmd, ulong features, int pairs = 1, FrontEndOptions? options = null, int queueSize = 256)
    {
        var fe = VirtioNetFrontEnd.Connect(pmd.SocketPath, options);
        try
        {
            fe.Negotiate(features, Protocol);
            fe.StartQueuePairs(pairs, queueSize);
            return fe;
        }
        catch
        {
            fe.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Sends every size of <see cref="Frames.Sizes"/> <paramref name="repeat"/> times on pair <paramref name="pair"/> and
    /// checks that each comes back on the same pair, in order, MACs swapped and otherwise byte for byte. Returns the
    /// received frames. RX buffers must have been posted.
    /// </summary>
    public static IReadOnlyList<ReceivedFrame> RoundTrip(VhostPmd pmd, VirtioNetFrontEnd fe, int pair, int seq = 0, TxOptions? tx = null, int repeat = 2)
    {
        var sent = new List<byte[]>();
        for (int r = 0; r < repeat; r++)
        {
            foreach (int size in Frames.Sizes)
            {
                var frame = Frames.Make(size, seq + sent.Count);
                fe.Send(pair, frame, tx);
                sent.Add(frame);
            }
        }
        var got = Receive(pmd, fe, pair, sent.Count);
        Assert.Equal(sent.Count, got.Count);
        for (int i = 0; i < sent.Count; i++)
        {
            Frames.AssertMacSwapped(sent[i], got[i].Frame);
            Assert.Equal(0, got[i].Header.Flags);
            Assert.Equal(VirtioNetHdr.GsoNone, got[i].Header.GsoType);
        }
        return got;
    }

    /// <summary><see cref="VirtioNetFrontEnd.ReceiveFrames"/>, with testpmd's last lines in the message if it times out.</summary>
    public static IReadOnlyList<ReceivedFrame> Receive(VhostPmd pmd, VirtioNetFrontEnd fe, int pair, int count, TimeSpan? timeout = null)
    {
        try
        {
            return fe.ReceiveFrames(pair, count, timeout ?? TimeSpan.FromSeconds(20));
        }
        catch (TimeoutException e)
        {
            var lines = pmd.Transcript.Split('\n');
            throw new TimeoutException($"{e.Message}\n--- testpmd (last 40 lines) ---\n{string.Join('\n', lines.TakeLast(40))}", e);
        }
    }

    /// <summary>Waits for <paramref name="condition"/> (device-side effects that lag the last message); false on timeout.</summary>
    public static bool Eventually(Func<bool> condition, TimeSpan? timeout = null)
    {
        long deadline = Environment.TickCount64 + (long)(timeout ?? TimeSpan.FromSeconds(10)).TotalMilliseconds;
        while (!condition())
        {
            if (Environment.TickCount64 > deadline)
                return false;
            Thread.Sleep(5);
        }
        return true;
    }
}
