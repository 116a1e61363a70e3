namespace XdpAot.Vhost.Protocol;

/// <summary>
/// The front-end broke the protocol in a way that ends the connection: a truncated or oversized message, a bad
/// header, an unknown request, or a failure it asked no acknowledgement for.
/// </summary>
public sealed class ProtocolException(string message) : Exception(message);
