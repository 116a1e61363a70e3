using XdpAot.Tests.Infrastructure;

namespace XdpAot.Tests.GuestInfra;

/// <summary>dpdk-testpmd 22.11's statistics output, as <see cref="TestPmd"/> parses it.</summary>
public sealed class TestPmdStatsTests
{
    // testpmd clears the screen before each periodic block.
    private const string Clear = "\u001b[2J\u001b[1;1H";

    private static TestPmdStats Parse(string text)
    {
        var s = new TestPmdStats();
        foreach (var line in text.Split('\n'))
            s.Add(line);
        return s;
    }

    [Fact]
    public void Periodic_port_statistics_give_the_latest_block_per_port()
    {
        var s = Parse($"""
            {Clear}
            Port statistics ====================================
              ######################## NIC statistics for port 0  ########################
              RX-packets: 10         RX-missed: 1          RX-bytes:  640
              RX-errors: 2
              RX-nombuf:  3
              TX-packets: 9          TX-errors: 4          TX-bytes:  576

              Throughput (since last show)
              Rx-pps:            5          Rx-bps:         2560
              Tx-pps:            4          Tx-bps:         2304
              ############################################################################
              ######################## NIC statistics for port 1  ########################
              RX-packets: 7          RX-missed: 0          RX-bytes:  700
              RX-errors: 0
              RX-nombuf:  0
              TX-packets: 6          TX-errors: 0          TX-bytes:  600
              ############################################################################
            {Clear}
            Port statistics ====================================
              ######################## NIC statistics for port 0  ########################
              RX-packets: 2000       RX-missed: 0          RX-bytes:  128000
              RX-errors: 0
              RX-nombuf:  0
              TX-packets: 1999       TX-errors: 0          TX-bytes:  127936
            """);
        Assert.Equal(new PortStats(2000, 0, 128000, 0, 0, 1999, 0, 127936), s.Port(0));
        Assert.Equal(new PortStats(7, 0, 700, 0, 0, 6, 0, 600), s.Port(1));
        Assert.Null(s.Port(2));
        Assert.Null(s.Forward(0));
    }

    [Fact]
    public void The_exit_report_gives_totals_per_port_and_per_stream()
    {
        var s = Parse("""
            Telling cores to stop...
            Waiting for lcores to finish...

              ------- Forward Stats for RX Port= 0/Queue= 0 -> TX Port= 0/Queue= 0 -------
              RX-packets: 124416         TX-packets: 0              TX-dropped: 0

              ------- Forward Stats for RX Port= 0/Queue= 1 -> TX Port= 0/Queue= 1 -------
              RX-packets: 124410         TX-packets: 5              TX-dropped: 6

              ---------------------- Forward statistics for port 0  ----------------------
              RX-packets: 248826         RX-dropped: 7             RX-total: 248833
              TX-packets: 5              TX-dropped: 6             TX-total: 11
              ----------------------------------------------------------------------------

              +++++++++++++++ Accumulated forward statistics for all ports+++++++++++++++
              RX-packets: 999999         RX-dropped: 0             RX-total: 999999
              TX-packets: 0              TX-dropped: 0             TX-total: 0
              ++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++
            """);
        Assert.Equal(new ForwardStats(248826, 7, 5, 6), s.Forward(0));
        Assert.Equal(
            [new StreamStats(0, 0, 0, 0, 124416, 0, 0), new StreamStats(0, 1, 0, 1, 124410, 5, 6)],
            s.Streams);
        Assert.Null(s.Port(0));
    }
}
