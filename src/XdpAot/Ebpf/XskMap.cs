using XdpAot.Interop;

namespace XdpAot.Ebpf;

/// <summary>A BPF_MAP_TYPE_XSKMAP: queue index to AF_XDP socket. Created by us, or a pinned one made by someone else.</summary>
public sealed unsafe class XskMap : IDisposable
{
    private int _fd;

    private XskMap(int fd, uint maxEntries, string? path)
    {
        _fd = fd;
        MaxEntries = maxEntries;
        PinnedPath = path;
    }

    /// <summary>The map fd.</summary>
    public int Fd => _fd;

    /// <summary>Number of keys.</summary>
    public uint MaxEntries { get; }

    /// <summary>Where it is pinned, when opened with <see cref="OpenPinned"/>.</summary>
    public string? PinnedPath { get; }

    /// <summary>Creates a new XSKMAP with keys 0..maxEntries-1.</summary>
    public static XskMap Create(uint maxEntries, string ifName)
    {
        bpf_attr attr = default;
        attr.map_type = (uint)bpf_map_type.BPF_MAP_TYPE_XSKMAP;
        attr.key_size = sizeof(uint);
        attr.value_size = sizeof(uint);
        attr.max_entries = maxEntries;
        XskProgram.WriteName(attr.map_name, "xsks_map");
        int fd = BpfSyscall.Call(bpf_cmd.BPF_MAP_CREATE, &attr);
        if (fd < 0)
            throw new XdpException(fd, $"{ifName}: cannot create an XSKMAP of {maxEntries} entries: {Libc.StrError(-fd)}" +
                (fd == -Errno.EPERM ? " (needs CAP_BPF, or root)" : ""));
        return new XskMap(fd, maxEntries, null);
    }

    /// <summary>Opens a pinned XSKMAP (map-path=); the path must be on a bpffs and name an XSKMAP.</summary>
    public static XskMap OpenPinned(string path)
    {
        string dir = Path.GetDirectoryName(path) is { Length: > 0 } d ? d : "/";
        Libc.StatFsBuf st;
        if (Libc.StatFs(dir, &st) != 0)
        {
            int errno = Libc.Errno;
            throw new XdpException(-errno, $"map-path='{path}': cannot stat '{dir}': {Libc.StrError(errno)}");
        }
        if ((uint)st.Type != Libc.BPF_FS_MAGIC)
            throw new XdpException(-Errno.EINVAL, $"map-path='{path}': '{dir}' is not on a bpffs (mount one with: mount -t bpf bpf {dir})");
        var bytes = System.Text.Encoding.UTF8.GetBytes(path + "\0");
        int fd;
        fixed (byte* p = bytes)
        {
            bpf_attr attr = default;
            attr.pathname = (ulong)p;
            fd = BpfSyscall.Call(bpf_cmd.BPF_OBJ_GET, &attr);
        }
        if (fd < 0)
            throw new XdpException(fd, $"map-path='{path}': cannot open the pinned map: {Libc.StrError(-fd)}");
        bpf_map_info info = default;
        int r = BpfSyscall.GetInfo(fd, &info, (uint)sizeof(bpf_map_info));
        if (r < 0 || info.type != (uint)bpf_map_type.BPF_MAP_TYPE_XSKMAP)
        {
            Libc.Close(fd);
            throw new XdpException(-Errno.EINVAL, r < 0
                ? $"map-path='{path}': cannot query the map: {Libc.StrError(-r)}"
                : $"map-path='{path}': not an XSKMAP (map type {info.type})");
        }
        return new XskMap(fd, info.max_entries, path);
    }

    /// <summary>Puts a socket at a key.</summary>
    public void Set(uint key, int socketFd, string what)
    {
        if (key >= MaxEntries)
            throw new XdpException(-Errno.E2BIG, $"{what}: key {key} is beyond the XSKMAP's {MaxEntries} entries");
        uint value = (uint)socketFd;
        bpf_attr attr = default;
        attr.map_fd = (uint)_fd;
        attr.key = (ulong)&key;
        attr.value = (ulong)&value;
        attr.flags = Bpf.BPF_ANY;
        int r = BpfSyscall.Call(bpf_cmd.BPF_MAP_UPDATE_ELEM, &attr);
        if (r < 0)
            throw new XdpException(r, $"{what}: cannot insert the socket at key {key}: {Libc.StrError(-r)}");
    }

    /// <summary>Removes the socket at a key; missing keys are fine.</summary>
    public void Delete(uint key)
    {
        bpf_attr attr = default;
        attr.map_fd = (uint)_fd;
        attr.key = (ulong)&key;
        BpfSyscall.Call(bpf_cmd.BPF_MAP_DELETE_ELEM, &attr);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_fd >= 0)
        {
            Libc.Close(_fd);
            _fd = -1;
        }
    }
}
