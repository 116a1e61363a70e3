using XdpAot.Umem;

namespace XdpAot.Tests.Core;

public class FramePoolTests
{
    [Fact]
    public void Pool_is_LIFO_and_starts_with_frame_zero()
    {
        using var pool = new FramePool(4);
        pool.AddAll(4, 4096);
        Assert.Equal(4u, pool.Count);
        Assert.Equal(0ul, pool.Pop());
        Assert.Equal(4096ul, pool.Pop());
        pool.Push(4096);
        Assert.True(pool.TryPop(out ulong a));
        Assert.Equal(4096ul, a);
    }

    [Fact]
    public void Empty_pool_pops_nothing()
    {
        using var pool = new FramePool(1);
        Assert.False(pool.TryPop(out _));
        pool.AddAll(1, 2048);
        Assert.True(pool.TryPop(out _));
        Assert.False(pool.TryPop(out _));
    }

    [Fact]
    public void Returning_more_frames_than_exist_is_caught()
    {
        // QEMU once had an off-by-one filling its pool; a double return must not silently corrupt the UMEM.
        using var pool = new FramePool(2);
        pool.AddAll(2, 2048);
        Assert.Throws<InvalidOperationException>(() => pool.Push(0));
        Assert.Throws<InvalidOperationException>(() => pool.AddAll(1, 2048));
    }
}
