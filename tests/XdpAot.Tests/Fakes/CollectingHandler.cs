using XdpAot.Ports;

namespace XdpAot.Tests.Fakes;

/// <summary>Keeps a copy of every frame it takes, and refuses frames once it holds <see cref="RefuseAfter"/>.</summary>
public struct CollectingHandler : IFrameHandler
{
    public List<byte[]> Frames;
    public int RefuseAfter;

    public CollectingHandler(int refuseAfter)
    {
        Frames = [];
        RefuseAfter = refuseAfter;
    }

    public bool OnFrame(ReadOnlySpan<byte> frame)
    {
        if (Frames.Count >= RefuseAfter)
            return false;
        Frames.Add(frame.ToArray());
        return true;
    }
}
