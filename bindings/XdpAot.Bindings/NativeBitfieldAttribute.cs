using System;

namespace XdpAot.Interop;

/// <summary>
/// Marks a generated <c>_bitfieldN</c> storage field: one attribute per C bitfield packed into it, with the bit
/// position and width. The C names are exposed as get/set properties of the struct.
/// </summary>
/// <param name="name">The C bitfield's name.</param>
/// <param name="offset">Its lowest bit within the storage field.</param>
/// <param name="length">Its width in bits.</param>
[AttributeUsage(AttributeTargets.Field, AllowMultiple = true, Inherited = false)]
public sealed class NativeBitfieldAttribute(string name, int offset, int length) : Attribute
{
    /// <summary>The C bitfield's name.</summary>
    public string Name { get; } = name;

    /// <summary>Its lowest bit within the storage field.</summary>
    public int Offset { get; } = offset;

    /// <summary>Its width in bits.</summary>
    public int Length { get; } = length;
}
