using System.Globalization;
using System.Text.RegularExpressions;

namespace XdpAot.Tests.Infrastructure;

/// <summary>A port's counters from testpmd's periodic "NIC statistics for port N" block.</summary>
public readonly record struct PortStats(
    long RxPackets, long RxMissed, long RxBytes, long RxErrors, long RxNoMbuf, long TxPackets, long TxErrors, long TxBytes);

/// <summary>One forwarding stream's totals, printed when testpmd stops ("Forward Stats for RX Port= p/Queue= q -> …").</summary>
public readonly record struct StreamStats(int RxPort, int RxQueue, int TxPort, int TxQueue, long RxPackets, long TxPackets, long TxDropped);

/// <summary>A port's forwarding totals, printed when testpmd stops ("Forward statistics for port N").</summary>
public readonly record struct ForwardStats(long RxPackets, long RxDropped, long TxPackets, long TxDropped);

/// <summary>
/// Parses dpdk-testpmd's statistics from its output, line by line as it arrives (screen-clearing escapes and all).
/// Streams are listed per queue only when a port has more than one.
/// </summary>
public sealed partial class TestPmdStats
{
    private enum Block { None, Port, Stream, Forward }

    private readonly Dictionary<int, PortStats> _ports = [];
    private readonly Dictionary<int, ForwardStats> _forward = [];
    private readonly List<StreamStats> _streams = [];
    private readonly Dictionary<string, long> _values = new(StringComparer.Ordinal);
    private Block _block;
    private int _port;
    private (int RxPort, int RxQueue, int TxPort, int TxQueue) _stream;

    public void Add(string line)
    {
        line = Escape().Replace(line, "");
        Match m;
        if ((m = PortHeader().Match(line)).Success)
            Begin(Block.Port, Int(m, "port"));
        else if ((m = StreamHeader().Match(line)).Success)
        {
            Begin(Block.Stream, 0);
            _stream = (Int(m, "rxp"), Int(m, "rxq"), Int(m, "txp"), Int(m, "txq"));
            _streams.Add(new StreamStats(_stream.RxPort, _stream.RxQueue, _stream.TxPort, _stream.TxQueue, 0, 0, 0));
        }
        else if ((m = ForwardHeader().Match(line)).Success)
            Begin(Block.Forward, Int(m, "port"));
        else if (line.Contains("Accumulated forward statistics", StringComparison.Ordinal))
            Begin(Block.None, 0);
        else if (_block != Block.None)
        {
            bool any = false;
            foreach (Match kv in Counter().Matches(line))
            {
                _values[kv.Groups["key"].Value] = long.Parse(kv.Groups["value"].Value, CultureInfo.InvariantCulture);
                any = true;
            }
            if (any)
                Commit();
        }
    }

    /// <summary>The latest periodic statistics of <paramref name="port"/>, or null before the first.</summary>
    public PortStats? Port(int port) => _ports.TryGetValue(port, out var s) ? s : null;

    /// <summary>Per-port totals from testpmd's exit report, or null before it stopped.</summary>
    public ForwardStats? Forward(int port) => _forward.TryGetValue(port, out var s) ? s : null;

    /// <summary>Per-stream totals from the exit report (only printed with more streams than ports).</summary>
    public IReadOnlyList<StreamStats> Streams => _streams.ToArray();

    private void Begin(Block block, int port)
    {
        _block = block;
        _port = port;
        _values.Clear();
    }

    private long V(string key) => _values.TryGetValue(key, out long v) ? v : 0;

    private void Commit()
    {
        switch (_block)
        {
            case Block.Port:
                _ports[_port] = new PortStats(V("RX-packets"), V("RX-missed"), V("RX-bytes"), V("RX-errors"), V("RX-nombuf"),
                    V("TX-packets"), V("TX-errors"), V("TX-bytes"));
                break;
            case Block.Stream:
                _streams[^1] = new StreamStats(_stream.RxPort, _stream.RxQueue, _stream.TxPort, _stream.TxQueue,
                    V("RX-packets"), V("TX-packets"), V("TX-dropped"));
                break;
            case Block.Forward:
                _forward[_port] = new ForwardStats(V("RX-packets"), V("RX-dropped"), V("TX-packets"), V("TX-dropped"));
                break;
        }
    }

    private static int Int(Match m, string group) => int.Parse(m.Groups[group].Value, CultureInfo.InvariantCulture);

    [GeneratedRegex(@"\x1b\[[0-9;]*[A-Za-z]")]
    private static partial Regex Escape();

    [GeneratedRegex(@"NIC statistics for port (?<port>\d+)")]
    private static partial Regex PortHeader();

    [GeneratedRegex(@"Forward Stats for RX Port=\s*(?<rxp>\d+)/Queue=\s*(?<rxq>\d+) -> TX Port=\s*(?<txp>\d+)/Queue=\s*(?<txq>\d+)")]
    private static partial Regex StreamHeader();

    [GeneratedRegex(@"Forward statistics for port (?<port>\d+)")]
    private static partial Regex ForwardHeader();

    [GeneratedRegex(@"(?<key>[A-Za-z]+-[A-Za-z]+):\s*(?<value>\d+)")]
    private static partial Regex Counter();
}
