namespace XdpAot.HeaderGen;

/// <summary>Something in the exports cannot be expressed in C (or breaks a rule of the header); fails the build.</summary>
internal sealed class HeaderGenException(string where, string message) : Exception(message)
{
    /// <summary>The member the problem is on, e.g. <c>XdpAot.Native.Exports.Open</c>.</summary>
    public override string Source => where;
}
