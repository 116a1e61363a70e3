namespace XdpAot.Ports;

/// <summary>A received frame inside the UMEM (zero-copy receive).</summary>
/// <remarks>Layout (pointer, then 32-bit length) is ABI: the C ABI hands arrays of these out as <c>xdpaot_frame</c>.</remarks>
[System.Runtime.InteropServices.StructLayout(System.Runtime.InteropServices.LayoutKind.Sequential)]
public readonly unsafe struct FrameRef
{
    /// <summary>Creates a reference.</summary>
    public FrameRef(byte* data, uint length)
    {
        Data = data;
        Length = length;
    }

    /// <summary>First byte of the frame.</summary>
    public byte* Data { get; }

    /// <summary>Frame length (0 for a descriptor that could not be delivered).</summary>
    public uint Length { get; }

    /// <summary>The frame as a span.</summary>
    public ReadOnlySpan<byte> Span => new(Data, (int)Length);
}
