namespace XdpAot.Tests.Vhost.FrontEnd;

/// <summary>
/// One guest memory region as vhost-user describes it: its guest-physical address, size, the front-end's
/// user address for it (what ring addresses are expressed in) and the offset of the region in its fd.
/// </summary>
public readonly record struct MemoryRegionDescription(ulong GuestPhysAddr, ulong MemorySize, ulong UserspaceAddr, ulong MmapOffset);
