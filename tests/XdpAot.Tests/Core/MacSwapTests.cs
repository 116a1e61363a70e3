using XdpAot.Frames;

namespace XdpAot.Tests.Core;

public unsafe class MacSwapTests
{
    private static byte[] Expected(byte[] frame)
    {
        var e = (byte[])frame.Clone();
        if (frame.Length >= MacSwap.MinLength)
        {
            Array.Copy(frame, 6, e, 0, 6);
            Array.Copy(frame, 0, e, 6, 6);
        }
        return e;
    }

    private static byte[] Random(Random rnd, int length)
    {
        var f = new byte[length];
        rnd.NextBytes(f);
        return f;
    }

    [Fact]
    public void Vector_and_scalar_paths_agree_with_the_definition_on_random_frames()
    {
        var rnd = new Random(7);
        for (int length = 14; length <= 130; length++)
        {
            for (int round = 0; round < 20; round++)
            {
                byte[] frame = Random(rnd, length);
                byte[] vector = (byte[])frame.Clone(), scalar = (byte[])frame.Clone(), auto = (byte[])frame.Clone();
                fixed (byte* v = vector, s = scalar)
                {
                    if (length >= MacSwap.VectorLength)
                        MacSwap.SwapVector(v);
                    else
                        MacSwap.SwapScalar(v);
                    MacSwap.SwapScalar(s);
                }
                MacSwap.Swap(auto);
                Assert.Equal(Expected(frame), vector);
                Assert.Equal(Expected(frame), scalar);
                Assert.Equal(Expected(frame), auto);
            }
        }
    }

    [Fact]
    public void Bytes_after_the_addresses_are_untouched_by_the_vector_store()
    {
        // The vector path stores 16 bytes: the EtherType and the two bytes after it must come back unchanged.
        byte[] frame = [1, 2, 3, 4, 5, 6, 11, 12, 13, 14, 15, 16, 0x08, 0x00, 0x45, 0x00, 0xee];
        byte[] copy = (byte[])frame.Clone();
        fixed (byte* p = copy)
            MacSwap.SwapVector(p);
        Assert.Equal(new byte[] { 11, 12, 13, 14, 15, 16, 1, 2, 3, 4, 5, 6, 0x08, 0x00, 0x45, 0x00, 0xee }, copy);
    }

    [Fact]
    public void Swapping_twice_restores_the_frame()
    {
        var rnd = new Random(3);
        byte[] frame = Random(rnd, 64);
        byte[] f = (byte[])frame.Clone();
        MacSwap.Swap(f);
        MacSwap.Swap(f);
        Assert.Equal(frame, f);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(6)]
    [InlineData(11)]
    public void Frames_too_short_for_two_addresses_are_left_alone(int length)
    {
        byte[] frame = Enumerable.Range(1, length).Select(i => (byte)i).ToArray();
        byte[] f = (byte[])frame.Clone();
        MacSwap.Swap(f);
        fixed (byte* p = f)
            MacSwap.Swap(p, (uint)f.Length);
        Assert.Equal(frame, f);
    }

    [Theory]
    [InlineData(12)]
    [InlineData(13)]
    [InlineData(15)]
    public void Frames_shorter_than_a_vector_take_the_scalar_path_and_stay_in_bounds(int length)
    {
        // Exactly `length` bytes of native memory, so a 16-byte access would read or write past the end (and the
        // guard byte after it shows a write).
        byte* p = (byte*)System.Runtime.InteropServices.NativeMemory.Alloc((nuint)length + 1);
        try
        {
            for (int i = 0; i < length; i++)
                p[i] = (byte)(i + 1);
            p[length] = 0xaa;
            MacSwap.Swap(p, (uint)length);
            var f = new ReadOnlySpan<byte>(p, length).ToArray();
            Assert.Equal(Expected(Enumerable.Range(1, length).Select(i => (byte)i).ToArray()), f);
            Assert.Equal(0xaa, p[length]);
        }
        finally
        {
            System.Runtime.InteropServices.NativeMemory.Free(p);
        }
    }

    [Fact]
    public void The_vector_path_is_used_where_the_cpu_has_a_byte_shuffle()
    {
        bool shuffle = System.Runtime.Intrinsics.X86.Ssse3.IsSupported || System.Runtime.Intrinsics.Arm.AdvSimd.Arm64.IsSupported;
        Assert.Equal(shuffle, MacSwap.IsVectorized);
    }
}
