using System.Globalization;
using System.Net;
using System.Net.Sockets;
using XdpAot.Cli.Cli;

namespace XdpAot.Cli.Traffic;

/// <summary>Parsing and printing of the MAC and IPv4 addresses given on the command line.</summary>
internal static class Addresses
{
    /// <summary>Parses <c>aa:bb:cc:dd:ee:ff</c> (or with '-'); the error names the option.</summary>
    public static byte[] ParseMac(string text, string option)
    {
        var parts = text.Split(text.Contains('-') ? '-' : ':');
        var mac = new byte[6];
        if (parts.Length != 6)
            throw new UsageException($"{option} '{text}': expected a MAC address like 02:00:00:00:00:01");
        for (int i = 0; i < 6; i++)
        {
            if (parts[i].Length is < 1 or > 2 || !byte.TryParse(parts[i], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out mac[i]))
                throw new UsageException($"{option} '{text}': '{parts[i]}' is not a hex byte");
        }
        return mac;
    }

    public static string FormatMac(ReadOnlySpan<byte> mac) =>
        string.Join(':', mac.ToArray().Select(b => b.ToString("x2", CultureInfo.InvariantCulture)));

    /// <summary>Parses a dotted IPv4 address into its 4 bytes (network order).</summary>
    public static byte[] ParseIpv4(string text, string option)
    {
        if (!IPAddress.TryParse(text, out var ip) || ip.AddressFamily != AddressFamily.InterNetwork || text.Count(c => c == '.') != 3)
            throw new UsageException($"{option} '{text}': expected an IPv4 address like 10.0.0.1");
        return ip.GetAddressBytes();
    }

    public static string FormatIpv4(ReadOnlySpan<byte> ip) => $"{ip[0]}.{ip[1]}.{ip[2]}.{ip[3]}";
}
