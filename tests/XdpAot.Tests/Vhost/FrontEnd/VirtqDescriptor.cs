namespace XdpAot.Tests.Vhost.FrontEnd;

/// <summary>A descriptor as it sits in a table: le64 addr, le32 len, le16 flags, le16 next.</summary>
public readonly record struct VirtqDescriptor(ulong Addr, uint Len, ushort Flags, ushort Next);
