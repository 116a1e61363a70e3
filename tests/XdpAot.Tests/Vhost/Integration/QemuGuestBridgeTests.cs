using System.Globalization;
using XdpAot.Tests.Cli;
using XdpAot.Tests.Infrastructure;
using XdpAot.Tests.Integration;
using Xunit.Abstractions;

namespace XdpAot.Tests.Vhost.Integration;

/// <summary>
/// A real QEMU 10 guest (TCG, a Linux kernel with Debian's virtio-net driver) whose NIC is `xdpaot vhost`: it boots,
/// brings eth0 up and pings an address on the other end of the veth pair, where the host's own IP stack answers.
/// </summary>
[Collection(IntegrationCollection.Name)]
public sealed class QemuGuestBridgeTests(ITestOutputHelper output)
{
    private const string PeerIp = "10.78.0.1";
    private const string GuestIp = "10.78.0.2";

    [Fact]
    public void A_qemu_guest_boots_on_the_bridge_and_pings_the_peer()
    {
        using var pair = VethPair.Create();
        string sock = TempSockets.NewPath("guest");
        pair.Ip("addr", "add", $"{PeerIp}/24", "dev", pair.B);
        using var backend = XdpaotProcess.Start(pair.Namespace, "vhost", "--socket-path", sock, "--port", $"ifname={pair.A},mode=skb", "--json");
        backend.WaitFor("vhost ready on", TimeSpan.FromSeconds(30));
        using var guest = QemuGuest.Start(new GuestOptions
        {
            SocketPath = sock,
            Ip = $"{GuestIp}/24",
            Script = $$"""
                ping -c 5 -W 10 {{PeerIp}} >/tmp/ping.out 2>&1
                cat /tmp/ping.out
                received=$(sed -n 's/.* \([0-9][0-9]*\) packets received.*/\1/p' /tmp/ping.out)
                echo "XDPAOT-RESULT ping.received=${received:-0}"
                """,
        });
        Assert.True(guest.WaitForExit(TimeSpan.FromSeconds(120)) == 0, guest.ConsoleLog);
        output.WriteLine(XdpAot.Tests.GuestInfra.GuestTimeline.Format(guest));
        Assert.Empty(guest.Errors);
        Assert.True(guest.Counter("ping.received") == 5, $"5 of 5 replies expected\n{guest.ConsoleLog}\n{backend.Transcript}");
        backend.Signal("TERM");
        Assert.Equal(0, backend.WaitForExit(TimeSpan.FromSeconds(10)));
        var json = backend.Json();
        output.WriteLine(backend.StdErr);
        // ARP and the echoes both ways, every frame accounted for.
        Assert.True(json.GetProperty("tx_frames").GetInt64() >= 6 && json.GetProperty("rx_frames").GetInt64() >= 6, backend.Transcript);
        Assert.Equal(0, json.GetProperty("refused_chains").GetInt64());
        Assert.Contains("VERSION_1", backend.StdErr);
    }

    /// <summary>A frame in tests/guest/nettool's format (magic, seq, stream, length, then a pattern), to the broadcast address.</summary>
    private static byte[] NettoolFrame(uint seq, int size, ushort stream = 0)
    {
        var f = new byte[size];
        f.AsSpan(0, 6).Fill(0xff);
        byte[] src = [0x02, 0x00, 0x00, 0x00, 0x00, 0x77];
        src.CopyTo(f, 6);
        f[12] = 0x88;
        f[13] = 0xb5;
        var p = f.AsSpan(14);
        "XDPG"u8.CopyTo(p);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(p[4..], seq);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt16BigEndian(p[8..], stream);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt16BigEndian(p[10..], (ushort)p.Length);
        for (int i = 12; i < p.Length; i++)
            p[i] = (byte)(seq * 131u + stream * 17u + (uint)i);
        return f;
    }

    [Fact]
    public void A_one_cpu_guest_on_two_queue_pairs_gets_the_frames_of_both_af_xdp_queues()
    {
        using var p = VhostPeer.Create(queues: 2);
        var backend = p.Start("--socket-path", "--json");
        using var guest = QemuGuest.Start(new GuestOptions
        {
            SocketPath = p.SocketPath,
            Queues = 2,
            Cpus = 1,   // Linux enables min(queue pairs, CPUs): one pair
            Script = "nettool raw-recv -i eth0 -n 400 -s 128 -w 60 -t rx",
        });
        guest.WaitForEvent("rx.ready", TimeSpan.FromSeconds(90));
        for (int q = 0; q < 2; q++)
            p.SendToGuest(q, Enumerable.Range(0, 200).Select(i => NettoolFrame((uint)(200 * q + i), 128)));
        Assert.True(guest.WaitForExit(TimeSpan.FromSeconds(90)) == 0, guest.ConsoleLog);
        output.WriteLine(XdpAot.Tests.GuestInfra.GuestTimeline.Format(guest));
        Assert.Equal(400, guest.Counter("rx.received"));
        Assert.Equal(0, guest.Counter("rx.bad"));
        output.WriteLine($"QEMU start to the guest's first received frame: {guest.Events["rx.first-rx"].TotalMilliseconds:0} ms (frames sent at rx.ready, {guest.Events["rx.ready"].TotalMilliseconds:0} ms)");
        backend.Signal("TERM");
        Assert.Equal(0, backend.WaitForExit(TimeSpan.FromSeconds(10)));
        var json = backend.Json();
        Assert.Equal(400, json.GetProperty("rx_frames").GetInt64());
        Assert.Equal(0, json.GetProperty("rx_no_guest").GetInt64());
    }
}
