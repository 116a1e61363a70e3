namespace XdpAot.Vhost.Device;

/// <summary>What a request handler decided: success, success with a reply body, or failure with the reason.</summary>
internal readonly record struct Outcome(bool Ok, byte[]? Body, string? Error)
{
    public static Outcome Done => new(true, null, null);

    public static Outcome Reply(byte[] body) => new(true, body, null);

    public static Outcome Reply(ulong value) => Reply(BitConverter.GetBytes(value));

    public static Outcome Fail(string error) => new(false, null, error);
}
