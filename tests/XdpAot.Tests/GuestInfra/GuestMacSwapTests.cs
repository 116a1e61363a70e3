using System.Diagnostics;
using XdpAot.Tests.Infrastructure;
using XdpAot.Tests.Integration;
using Xunit.Abstractions;

namespace XdpAot.Tests.GuestInfra;

/// <summary>
/// A QEMU guest on DPDK's vhost PMD (testpmd in macswap mode): every raw frame the guest sends comes back with its
/// MACs swapped and its bytes intact, on every queue pair, whichever side listens on the socket.
/// </summary>
[Collection(IntegrationCollection.Name)]
public sealed class GuestMacSwapTests(ITestOutputHelper output)
{
    private const int Frames = 1000;

    [Theory]
    [InlineData(1, false)]
    [InlineData(2, false)]
    [InlineData(1, true)]
    public void Guest_frames_come_back_from_testpmd_macswap_with_macs_swapped(int queuePairs, bool qemuListens)
    {
        var clock = Stopwatch.StartNew();
        string sock = TempSockets.NewPath("macswap");
        var pmdOptions = new TestPmdOptions
        {
            Vdevs = [Vdev.Vhost(sock, queuePairs, client: qemuListens)],
            ForwardMode = "macswap",
            Queues = queuePairs,
        };
        var guestOptions = new GuestOptions
        {
            SocketPath = sock,
            ServerMode = qemuListens,
            Queues = queuePairs,
            Cpus = queuePairs,
            // One sender per CPU: the guest's XPS map sends CPU k's frames on TX queue k.
            Script = $"""
                nettool raw-roundtrip -n {Frames} -s 64 -c {queuePairs} -t small
                nettool raw-roundtrip -n {Frames} -s 1514 -c {queuePairs} -t big
                """,
        };
        TestPmd? pmd = null;
        QemuGuest? guest = null;
        try
        {
            // The listening side first.
            if (qemuListens)
                guest = QemuGuest.Start(guestOptions);
            pmd = TestPmd.Start(pmdOptions);
            output.WriteLine($"testpmd forwarding at {clock.Elapsed.TotalSeconds:0.0} s");
            guest ??= QemuGuest.Start(guestOptions);

            Assert.Equal(0, guest.WaitForExit(TimeSpan.FromSeconds(90)));
            output.WriteLine(GuestTimeline.Format(guest));
            Assert.Empty(guest.Errors);
            Assert.Equal($"{queuePairs}", guest.Result("channels.combined"));
            foreach (var tag in new[] { "small", "big" })
            {
                Assert.True(guest.Counter($"{tag}.received") == Frames, $"{tag}: {Frames} frames expected back\n{guest.ConsoleLog}");
                Assert.Equal(0, guest.Counter($"{tag}.bad"));
                Assert.Equal(0, guest.Counter($"{tag}.dup"));
            }
            Assert.Equal("0", guest.Result("script.rc"));

            output.WriteLine($"guest exited at {clock.Elapsed.TotalSeconds:0.0} s");
            var report = pmd.Stop();
            output.WriteLine($"testpmd stopped at {clock.Elapsed.TotalSeconds:0.0} s");
            output.WriteLine($"testpmd port 0: {report.Ports[0]}; streams: {string.Join("; ", report.Streams)}");
            Assert.True(report.Ports[0].RxPackets >= 2 * Frames, pmd.Transcript);
            Assert.True(report.Ports[0].TxPackets >= 2 * Frames, pmd.Transcript);
            if (queuePairs > 1)
            {
                // Each queue pair carried its sender's frames (its share of both runs).
                for (int q = 0; q < queuePairs; q++)
                {
                    var stream = Assert.Single(report.Streams, s => s.RxQueue == q);
                    Assert.True(stream.RxPackets >= 2 * Frames / queuePairs, $"queue {q}: {stream}\n{pmd.Transcript}");
                }
            }
        }
        finally
        {
            guest?.Dispose();
            pmd?.Dispose();
        }
        output.WriteLine($"test took {clock.Elapsed.TotalSeconds:0.0} s");
    }

    [Fact]
    public void Guest_on_hugepage_memory_with_mtu_4000_gets_4014_byte_frames_back()
    {
        var clock = Stopwatch.StartNew();
        const int memoryMiB = 256;
        string sock = TempSockets.NewPath("jumbo");
        using var pages = HugePages.Reserve(HugePages.ForMiB(memoryMiB));
        using var pmd = TestPmd.Start(new TestPmdOptions { Vdevs = [Vdev.Vhost(sock)], ForwardMode = "macswap" });
        using var guest = QemuGuest.Start(new GuestOptions
        {
            SocketPath = sock,
            MemoryMiB = memoryMiB,
            HugePages = true,
            Mtu = 4000,
            Script = "nettool raw-roundtrip -n 200 -s 4014 -t jumbo",
        });
        Assert.Equal(0, guest.WaitForExit(TimeSpan.FromSeconds(90)));
        output.WriteLine(GuestTimeline.Format(guest));
        Assert.Empty(guest.Errors);
        Assert.Equal("4000", guest.Result("eth0.mtu"));
        Assert.True(guest.Counter("jumbo.received") == 200, guest.ConsoleLog);
        Assert.Equal(0, guest.Counter("jumbo.bad"));
        Assert.Contains(guest.Arguments, a => a.Contains("hugetlb=on", StringComparison.Ordinal));
        output.WriteLine($"test took {clock.Elapsed.TotalSeconds:0.0} s");
    }
}
