namespace XdpAot.Tests.Vhost.FrontEnd;

/// <summary>
/// A frame taken from an RX queue: the bytes after the virtio-net header (all merged buffers concatenated),
/// the header as the device wrote it, and how many buffers (used entries) it took.
/// </summary>
public sealed record ReceivedFrame(byte[] Frame, VirtioNetHeader Header, int Buffers, IReadOnlyList<UsedElement> Used);
