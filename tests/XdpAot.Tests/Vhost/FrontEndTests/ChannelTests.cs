using System.Diagnostics;
using XdpAot.Tests.Vhost.FrontEnd;

namespace XdpAot.Tests.Vhost.FrontEndTests;

/// <summary>The vhost-user channel over a socketpair: framing, fd passing, reply checks, timeouts, raw sends.</summary>
[Collection(ProcessCensusCollection.Name)]
public class ChannelTests
{
    private static (VhostUserChannel Front, VhostUserChannel Back) Pair()
    {
        var (front, other) = VhostUserChannel.CreatePair();
        return (front, VhostUserChannel.FromFd(other));
    }

    private static unsafe byte[] ReadAvailable(VhostUserChannel channel, int max)
    {
        Assert.True(Native.WaitReadable(channel.Fd, TimeSpan.FromSeconds(5)));
        var buffer = new byte[max];
        nint n;
        fixed (byte* p = buffer)
            n = Native.Read(channel.Fd, p, (nuint)max);
        return buffer[..(int)n];
    }

    [Fact]
    public unsafe void Send_carries_header_payload_and_live_fds_in_one_message()
    {
        var (front, back) = Pair();
        using var _ = front;
        using var __ = back;
        using var kick = new EventFd();
        using var call = new EventFd();
        front.Send(VhostUserRequest.SetVringKick, VhostUserPayload.VringFile(1, false), [kick.Fd, call.Fd], needReply: true);
        using var m = back.Receive();
        Assert.Equal(VhostUserHeader.ForRequest(VhostUserRequest.SetVringKick, 8, needReply: true), m.Header);
        Assert.Equal(VhostUserPayload.VringFile(1, false), m.Payload);
        Assert.Equal(2, m.Fds.Length);
        Assert.Equal("anon_inode:[eventfd]", FdCensus.TargetOf(m.Fds[0].Value));
        // The received fd is the same eventfd: a write through it is seen by the original.
        ulong one = 1;
        Native.Write(m.Fds[0].Value, &one, 8);
        Assert.Equal(1UL, kick.Consume());
        Assert.Equal(0UL, call.Consume());
    }

    [Fact]
    public void SendRaw_sends_any_bytes_and_any_number_of_fds()
    {
        var (front, back) = Pair();
        using var _ = front;
        using var __ = back;
        var fds = Enumerable.Range(0, 40).Select(_ => new EventFd()).ToArray();
        try
        {
            front.SendRaw([0x05, 0x00, 0x00, 0x00, 0x01], fds.Select(f => f.Fd).ToArray());
            Assert.Equal([0x05, 0x00, 0x00, 0x00, 0x01], ReadAvailable(back, 64));
        }
        finally
        {
            foreach (var f in fds)
                f.Dispose();
        }
        Assert.Throws<ArgumentException>(() => front.SendRaw([], [1]));
    }

    [Fact]
    public void ReceiveReply_returns_the_payload_of_a_proper_reply()
    {
        var (front, back) = Pair();
        using var _ = front;
        using var __ = back;
        back.SendRaw([.. new VhostUserHeader(1, VhostUserFlags.Version | VhostUserFlags.Reply, 8).ToBytes(), .. VhostUserPayload.U64(0x1234)]);
        Assert.Equal(0x1234UL, VhostUserPayload.ReadU64(front.ReceiveReply(VhostUserRequest.GetFeatures), VhostUserRequest.GetFeatures));
    }

    [Theory]
    [InlineData(1u, VhostUserFlags.Version, "REPLY")]
    [InlineData(1u, 2u | VhostUserFlags.Reply, "version 2")]
    [InlineData(15u, VhostUserFlags.Version | VhostUserFlags.Reply, "GetProtocolFeatures")]
    public void ReceiveReply_refuses_a_reply_without_REPLY_with_another_version_or_for_another_request(uint request, uint flags, string named)
    {
        var (front, back) = Pair();
        using var _ = front;
        using var __ = back;
        back.SendRaw([.. new VhostUserHeader(request, flags, 8).ToBytes(), .. VhostUserPayload.U64(0)]);
        var e = Assert.Throws<InvalidDataException>(() => front.ReceiveReply(VhostUserRequest.GetFeatures));
        Assert.Contains(named, e.Message);
        Assert.Contains("GetFeatures", e.Message);
    }

    [Fact]
    public void A_silent_back_end_times_out_instead_of_hanging()
    {
        var (front, back) = Pair();
        using var _ = front;
        using var __ = back;
        front.ReadTimeout = TimeSpan.FromMilliseconds(200);
        var sw = Stopwatch.StartNew();
        var e = Assert.Throws<TimeoutException>(() => front.ReceiveReply(VhostUserRequest.GetFeatures));
        Assert.InRange(sw.ElapsedMilliseconds, 150, 5000);
        Assert.Contains("GetFeatures", e.Message);
    }

    [Fact]
    public void A_back_end_stopping_mid_message_times_out_and_one_that_closes_is_an_IOException()
    {
        var (front, back) = Pair();
        using var _ = front;
        front.ReadTimeout = TimeSpan.FromMilliseconds(200);
        back.SendRaw([.. new VhostUserHeader(1, 5, 8).ToBytes(), 1, 2, 3]);
        Assert.Throws<TimeoutException>(() => front.ReceiveReply(VhostUserRequest.GetFeatures));
        back.Close();
        var e = Assert.Throws<IOException>(() => front.Receive());
        Assert.Contains("closed", e.Message);
    }

    [Fact]
    public void An_announced_payload_over_4096_bytes_is_refused()
    {
        var (front, back) = Pair();
        using var _ = front;
        using var __ = back;
        back.SendRaw(new VhostUserHeader(1, 5, 4097).ToBytes());
        Assert.Throws<InvalidDataException>(() => front.Receive());
    }

    [Fact]
    public void WaitForClose_sees_the_peer_go_away()
    {
        var (front, back) = Pair();
        using var _ = front;
        Assert.False(front.WaitForClose(TimeSpan.FromMilliseconds(50)));
        back.SendRaw([1, 2, 3]);
        back.Close();
        Assert.True(front.WaitForClose(TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task Connect_waits_for_a_listener_that_appears_later_and_Accept_gets_the_connection()
    {
        string dir = Directory.CreateTempSubdirectory("xdpaot-fe-").FullName;
        try
        {
            string path = Path.Combine(dir, "s.sock");
            var connecting = Task.Run(() => VhostUserChannel.Connect(path, TimeSpan.FromSeconds(10)));
            await Task.Delay(200);
            Assert.False(connecting.IsCompleted);
            using (var listener = VhostUserChannel.Listen(path))
            {
                using var accepted = listener.Accept(TimeSpan.FromSeconds(5));
                using var client = await connecting;
                client.Send(VhostUserRequest.SetOwner);
                using var m = accepted.Receive();
                Assert.Equal((uint)VhostUserRequest.SetOwner, m.Header.Request);
            }
            Assert.False(File.Exists(path));
            Assert.Throws<TimeoutException>(() => VhostUserChannel.Connect(path, TimeSpan.FromMilliseconds(100)));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
