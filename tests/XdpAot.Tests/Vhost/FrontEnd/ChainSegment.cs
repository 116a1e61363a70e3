namespace XdpAot.Tests.Vhost.FrontEnd;

/// <summary>One descriptor of a chain: a guest buffer, and whether the device may write it (RX) or only read it (TX).</summary>
public readonly record struct ChainSegment(ulong Gpa, uint Length, bool Writable = false);
