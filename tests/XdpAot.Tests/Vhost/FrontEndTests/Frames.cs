using System.Buffers.Binary;

namespace XdpAot.Tests.Vhost.FrontEndTests;

/// <summary>Test Ethernet frames with a recognisable payload, and the check that testpmd's macswap returned them intact.</summary>
public static class Frames
{
    public static readonly byte[] DstMac = [0x02, 0x00, 0x00, 0x00, 0x00, 0x01];
    public static readonly byte[] SrcMac = [0x02, 0x00, 0x00, 0x00, 0x00, 0x02];

    /// <summary>The sizes the brief asks for: minimum, 64 and full 1514.</summary>
    public static readonly int[] Sizes = [60, 64, 1514];

    /// <summary>A frame of <paramref name="length"/> bytes: dst, src, ethertype 0x88b5 (local experimental), then a pattern keyed by <paramref name="seq"/>.</summary>
    public static byte[] Make(int length, int seq)
    {
        var f = new byte[length];
        DstMac.CopyTo(f, 0);
        SrcMac.CopyTo(f, 6);
        BinaryPrimitives.WriteUInt16BigEndian(f.AsSpan(12), 0x88b5);
        BinaryPrimitives.WriteInt32BigEndian(f.AsSpan(14), seq);
        for (int i = 18; i < length; i++)
            f[i] = (byte)(i * 7 + seq);
        return f;
    }

    public static byte[] MacSwapped(byte[] frame)
    {
        var f = (byte[])frame.Clone();
        frame.AsSpan(0, 6).CopyTo(f.AsSpan(6));
        frame.AsSpan(6, 6).CopyTo(f.AsSpan(0));
        return f;
    }

    /// <summary>Asserts <paramref name="got"/> is <paramref name="sent"/> byte for byte, except that the MACs are swapped.</summary>
    public static void AssertMacSwapped(byte[] sent, byte[] got)
    {
        Assert.Equal(sent.Length, got.Length);
        Assert.Equal(Convert.ToHexString(MacSwapped(sent)), Convert.ToHexString(got));
    }
}
