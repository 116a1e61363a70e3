namespace XdpAot.Sockets;

/// <summary>
/// The socket side of a queue as the data path sees it, whichever control plane made it (our own
/// <see cref="XskSocket"/> or libxdp's). Dispose unmaps the rings and closes the socket.
/// </summary>
internal interface IQueueSocket : IDisposable
{
    /// <summary>The AF_XDP socket.</summary>
    int Fd { get; }

    /// <summary>True when bound in zero-copy mode.</summary>
    bool ZeroCopy { get; }
}
