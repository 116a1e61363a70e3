namespace XdpAot.Tests.Vhost.FrontEnd;

/// <summary>A message as read from the channel: its header, payload and any fds that came with it (owned here).</summary>
public sealed class VhostUserMessage(VhostUserHeader header, byte[] payload, OwnedFd[] fds) : IDisposable
{
    public VhostUserHeader Header { get; } = header;

    public byte[] Payload { get; } = payload;

    public OwnedFd[] Fds { get; } = fds;

    public void Dispose()
    {
        foreach (var fd in Fds)
            fd.Dispose();
    }
}
