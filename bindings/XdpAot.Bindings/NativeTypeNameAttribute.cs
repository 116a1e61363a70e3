using System;
using System.Diagnostics;

namespace XdpAot.Interop;

/// <summary>
/// The C type a generated declaration mirrors, spelled so that C can use it in <c>sizeof</c>/<c>offsetof</c>:
/// <c>struct xdp_desc</c>, <c>union bpf_attr</c>, or for an unnamed member type
/// <c>__typeof__(((union bpf_attr *)0)->link_create)</c>. The ABI conformance test reads it to build its C program.
/// </summary>
/// <param name="name">The C type.</param>
[AttributeUsage(AttributeTargets.Struct | AttributeTargets.Enum | AttributeTargets.Field | AttributeTargets.Parameter | AttributeTargets.ReturnValue,
    AllowMultiple = false, Inherited = false)]
[DebuggerDisplay("{Name}")]
public sealed class NativeTypeNameAttribute(string name) : Attribute
{
    /// <summary>The C type.</summary>
    public string Name { get; } = name;
}
