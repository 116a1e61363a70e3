namespace XdpAot.Ports;

/// <summary>One piece of a gathered frame (a C iovec).</summary>
[System.Runtime.InteropServices.StructLayout(System.Runtime.InteropServices.LayoutKind.Sequential)]
public readonly unsafe struct Segment
{
    /// <summary>Creates a segment.</summary>
    public Segment(byte* data, nuint length)
    {
        Data = data;
        Length = length;
    }

    /// <summary>First byte.</summary>
    public byte* Data { get; }

    /// <summary>Length in bytes.</summary>
    public nuint Length { get; }
}
