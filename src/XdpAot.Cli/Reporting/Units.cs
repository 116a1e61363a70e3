using System.Globalization;

namespace XdpAot.Cli.Reporting;

/// <summary>Number formatting for people: invariant culture, fixed decimals.</summary>
internal static class Units
{
    public static string F(double value, int decimals) => value.ToString("F" + decimals, CultureInfo.InvariantCulture);

    public static string N(ulong value) => value.ToString(CultureInfo.InvariantCulture);

    public static string N(long value) => value.ToString(CultureInfo.InvariantCulture);

    public static double Mpps(long frames, double seconds) => seconds > 0 ? frames / seconds / 1e6 : 0;

    /// <summary>Mbit/s of the frames' bytes (Ethernet header and payload; no FCS, preamble or gap).</summary>
    public static double Mbps(long bytes, double seconds) => seconds > 0 ? bytes * 8 / seconds / 1e6 : 0;
}

/// <summary>A plain text table: the first <c>leftColumns</c> columns (names) left-aligned, the rest (numbers) right-aligned.</summary>
internal sealed class TextTable(int leftColumns, params string[] headers)
{
    private readonly List<string[]> _rows = [];

    public void Add(params string[] cells) => _rows.Add(cells);

    public void WriteTo(TextWriter w)
    {
        var widths = new int[headers.Length];
        for (int c = 0; c < headers.Length; c++)
            widths[c] = Math.Max(headers[c].Length, _rows.Count == 0 ? 0 : _rows.Max(r => r[c].Length));
        WriteRow(w, headers, widths);
        foreach (var r in _rows)
            WriteRow(w, r, widths);
    }

    private void WriteRow(TextWriter w, string[] cells, int[] widths)
    {
        for (int c = 0; c < cells.Length; c++)
        {
            if (c > 0)
                w.Write("  ");
            w.Write(c < leftColumns ? cells[c].PadRight(widths[c]) : cells[c].PadLeft(widths[c]));
        }
        w.WriteLine();
    }
}
