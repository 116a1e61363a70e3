using System.Text;
using XdpAot.Ebpf;
using XdpAot.Cli.Cli;
using XdpAot.Interop;

namespace XdpAot.Cli.Interop;

/// <summary>
/// BPF object introspection and pinning for `info`, `prepare --pin` and `release`, on the core's bpf() wrapper
/// and generated <c>bpf_attr</c>. (Candidates for the core's Bpf folder; kept here until it has them.)
/// </summary>
internal static unsafe class BpfObjects
{
    /// <summary>An XDP BPF link: its id, the program it holds and the interface index it is attached to.</summary>
    public readonly record struct XdpLinkInfo(uint LinkId, uint ProgramId, uint IfIndex);

    /// <summary>
    /// Every XDP link on the system (BPF_LINK_GET_NEXT_ID, BPF_LINK_GET_FD_BY_ID, BPF_OBJ_GET_INFO_BY_FD).
    /// Needs CAP_SYS_ADMIN; returns null with the errno when the kernel refuses.
    /// </summary>
    public static List<XdpLinkInfo>? XdpLinks(out int errno)
    {
        var links = new List<XdpLinkInfo>();
        uint id = 0;
        errno = 0;
        while (true)
        {
            bpf_attr attr = default;
            attr.start_id = id;
            int r = BpfSyscall.Call(bpf_cmd.BPF_LINK_GET_NEXT_ID, &attr);
            if (r < 0)
            {
                if (r == -Posix.ENOENT)
                    return links;
                errno = -r;
                return null;
            }
            id = attr.next_id;
            bpf_attr get = default;
            get.link_id = id;
            int fd = BpfSyscall.Call(bpf_cmd.BPF_LINK_GET_FD_BY_ID, &get);
            if (fd < 0)
                continue; // went away meanwhile
            bpf_link_info info = default;
            r = BpfSyscall.GetInfo(fd, &info, (uint)sizeof(bpf_link_info));
            Libc.Close(fd);
            if (r == 0 && info.type == (uint)bpf_link_type.BPF_LINK_TYPE_XDP)
                links.Add(new XdpLinkInfo(info.id, info.prog_id, info.xdp.ifindex));
        }
    }

    /// <summary>The name a program was loaded with, or null.</summary>
    public static string? ProgramName(uint programId)
    {
        bpf_attr attr = default;
        attr.prog_id = programId;
        int fd = BpfSyscall.Call(bpf_cmd.BPF_PROG_GET_FD_BY_ID, &attr);
        if (fd < 0)
            return null;
        try
        {
            bpf_prog_info info = default;
            if (BpfSyscall.GetInfo(fd, &info, (uint)sizeof(bpf_prog_info)) != 0)
                return null;
            var name = new ReadOnlySpan<byte>(info.name, (int)Bpf.BPF_OBJ_NAME_LEN);
            int end = name.IndexOf((byte)0);
            return Encoding.ASCII.GetString(end < 0 ? name : name[..end]);
        }
        finally
        {
            Libc.Close(fd);
        }
    }

    /// <summary>Pins a BPF object (map, link) at a path on a bpffs.</summary>
    public static void Pin(int fd, string path, string what)
    {
        var bytes = Encoding.UTF8.GetBytes(path + "\0");
        fixed (byte* p = bytes)
        {
            bpf_attr attr = default;
            attr.pathname = (ulong)p;
            attr.bpf_fd = (uint)fd;
            int r = BpfSyscall.Call(bpf_cmd.BPF_OBJ_PIN, &attr);
            if (r < 0)
            {
                string hint = -r switch
                {
                    Posix.EEXIST => " (already pinned: `xdpaot release --pin` it first)",
                    Posix.EPERM or Posix.EINVAL => $" (is '{Path.GetDirectoryName(path)}' on a bpffs? mount one with: mount -t bpf bpf {Path.GetDirectoryName(path)})",
                    Posix.ENOENT => " (the directory does not exist)",
                    _ => "",
                };
                throw new RunFailure($"--pin '{path}': cannot pin the {what}: {Libc.StrError(-r)}{hint}");
            }
        }
    }

    /// <summary>Opens a pinned object (BPF_OBJ_GET); returns the fd or -errno.</summary>
    public static int OpenPinned(string path)
    {
        var bytes = Encoding.UTF8.GetBytes(path + "\0");
        fixed (byte* p = bytes)
        {
            bpf_attr attr = default;
            attr.pathname = (ulong)p;
            return BpfSyscall.Call(bpf_cmd.BPF_OBJ_GET, &attr);
        }
    }
}
