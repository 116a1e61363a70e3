using XdpAot.Vhost.Memory;
using XdpAot.Vhost.Protocol;

namespace XdpAot.Vhost.Device;

// The memory requests. Region fds are only mmapped: the message closes them afterwards, so a region costs no fd.
internal sealed partial class VhostUserSession
{
    private Outcome SetMemTable(Message m)
    {
        uint count = m.ReadAt<uint>(0);
        var regions = new List<MemoryRegion>((int)count);
        try
        {
            for (int i = 0; i < count; i++)
            {
                var r = m.ReadAt<MemoryRegionPayload>(8 + 32 * i);
                regions.Add(MemoryRegion.Map(r.GuestPhysAddr, r.MemorySize, r.UserAddr, r.MmapOffset, m.PeekFd(i)));
            }
        }
        catch
        {
            foreach (var r in regions)
                r.Dispose();
            throw;
        }
        List<MemoryRegion>? old = null;
        Reconfigure(() => old = _memory.Replace(regions));
        // Unmapped only now: the rings were re-mapped onto the new regions before the workers resumed.
        foreach (var r in old!)
            r.Dispose();
        Log($"memory: {string.Join(", ", _memory.View.Regions)}");
        return Outcome.Done;
    }

    private Outcome AddMemReg(Message m)
    {
        if (!Has(ProtocolFeature.ConfigureMemSlots))
            return Outcome.Fail("ADD_MEM_REG: CONFIGURE_MEM_SLOTS was not negotiated");
        var r = m.Read<SingleRegionPayload>().Region;
        var region = MemoryRegion.Map(r.GuestPhysAddr, r.MemorySize, r.UserAddr, r.MmapOffset, m.PeekFd(0));
        bool added = false;
        Reconfigure(() => added = _memory.Add(region));
        Log(added ? $"memory: added {region} ({_memory.Count} region(s))" : $"memory: {region} is already there");
        return Outcome.Done;
    }

    private Outcome RemMemReg(Message m)
    {
        if (!Has(ProtocolFeature.ConfigureMemSlots))
            return Outcome.Fail("REM_MEM_REG: CONFIGURE_MEM_SLOTS was not negotiated");
        var r = m.Read<SingleRegionPayload>().Region;
        MemoryRegion? removed = null;
        Reconfigure(() => removed = _memory.Remove(r.GuestPhysAddr, r.MemorySize, r.UserAddr));
        Log($"memory: removed {removed} ({_memory.Count} region(s))");
        removed!.Dispose();
        return Outcome.Done;
    }
}
