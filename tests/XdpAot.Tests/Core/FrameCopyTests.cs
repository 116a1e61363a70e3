using XdpAot.Frames;

namespace XdpAot.Tests.Core;

public class FrameCopyTests
{
    [Fact]
    public void Every_length_up_to_two_hundred_copies_exactly_and_writes_nothing_after()
    {
        var rnd = new Random(13);
        for (int length = 0; length <= 200; length++)
        {
            var src = new byte[length];
            rnd.NextBytes(src);
            var dst = new byte[length + 32];
            Array.Fill(dst, (byte)0xaa);
            Assert.Equal(length, FrameCopy.Copy(src, dst));
            Assert.Equal(src, dst[..length]);
            Assert.All(dst[length..], b => Assert.Equal(0xaa, b));
        }
    }

    [Theory]
    [InlineData(255)]
    [InlineData(1514)]
    [InlineData(1518)]
    [InlineData(2047)]
    [InlineData(4032)]
    [InlineData(4096)]
    [InlineData(9018)]
    public void Large_frames_copy_exactly_and_write_nothing_after(int length)
    {
        var rnd = new Random(length);
        var src = new byte[length];
        rnd.NextBytes(src);
        // Unaligned on purpose: the copy makes no assumption about alignment.
        var dst = new byte[length + 33];
        Array.Fill(dst, (byte)0xaa);
        Assert.Equal(length, FrameCopy.Copy(src, dst.AsSpan(1)));
        Assert.Equal(0xaa, dst[0]);
        Assert.Equal(src, dst[1..(length + 1)]);
        Assert.All(dst[(length + 1)..], b => Assert.Equal(0xaa, b));
    }

    [Fact]
    public void A_destination_shorter_than_the_frame_is_refused()
    {
        Assert.Throws<ArgumentException>(() => FrameCopy.Copy(new byte[65], new byte[64]));
    }
}
