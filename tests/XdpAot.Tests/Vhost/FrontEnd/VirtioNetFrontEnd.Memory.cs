namespace XdpAot.Tests.Vhost.FrontEnd;

public sealed partial class VirtioNetFrontEnd
{
    /// <summary>SET_MEM_TABLE with every region of guest RAM and one memfd per region, in the same order.</summary>
    public void SetMemTable()
    {
        var regions = Ram.Describe();
        if (regions.Count > VhostUserLayout.MaxMemTableRegions)
            throw new InvalidOperationException($"SET_MEM_TABLE carries at most {VhostUserLayout.MaxMemTableRegions} regions; guest RAM has {regions.Count}");
        int[] fds = Ram.Regions.Select(r => r.Fd).ToArray();
        Request(VhostUserRequest.SetMemTable, VhostUserPayload.MemoryTable(regions), fds, $"{regions.Count} regions");
    }

    /// <summary>GET_MAX_MEM_SLOTS (needs CONFIGURE_MEM_SLOTS).</summary>
    public ulong GetMaxMemSlots() => VhostUserPayload.ReadU64(Query(VhostUserRequest.GetMaxMemSlots), VhostUserRequest.GetMaxMemSlots);

    /// <summary>ADD_MEM_REG for region <paramref name="region"/>, with exactly its one memfd.</summary>
    public void AddMemReg(int region)
    {
        var r = Ram.Region(region);
        Request(VhostUserRequest.AddMemReg, VhostUserPayload.SingleRegion(r.Description), [r.Fd], $"region {region} at GPA 0x{r.Gpa:x}");
    }

    /// <summary>REM_MEM_REG for region <paramref name="region"/> (no fd, as the spec recommends). The mapping here stays.</summary>
    public void RemMemReg(int region)
    {
        var r = Ram.Region(region);
        Request(VhostUserRequest.RemMemReg, VhostUserPayload.SingleRegion(r.Description), detail: $"region {region} at GPA 0x{r.Gpa:x}");
    }

    /// <summary>Tells the back-end about all of guest RAM the way <see cref="FrontEndOptions.MemoryTable"/> says.</summary>
    public void SendMemory()
    {
        bool slots = Options.MemoryTable == MemoryTableMode.AddMemReg ||
            (Options.MemoryTable == MemoryTableMode.Auto && HasProtocol(ProtocolFeature.ConfigureMemSlots));
        if (!slots)
        {
            SetMemTable();
            return;
        }
        ulong max = GetMaxMemSlots();
        if ((ulong)Ram.RegionCount > max)
            throw new InvalidOperationException($"guest RAM has {Ram.RegionCount} regions; the back-end allows {max} memory slots");
        for (int i = 0; i < Ram.RegionCount; i++)
            AddMemReg(i);
    }
}
