using XdpAot.Interop;
using XdpAot.Cli.Cli;
using XdpAot.Cli.Interop;

namespace XdpAot.Cli.Commands;

/// <summary><c>xdpaot release --pin PATH</c>: undoes <c>prepare --pin</c> (unpins the map and the link: the program goes).</summary>
internal sealed class ReleaseCommand : ICommand
{
    public CommandSpec Spec { get; } = new(
        "release",
        "undo `prepare --pin`: unpin the XSKMAP and the BPF link, which detaches the program",
        ["--pin PATH"],
        [new("pin", '\0', "PATH", "the path given to prepare --pin (PATH and PATH_link are removed)")],
        ["xdpaot release --pin /sys/fs/bpf/xdpaot-veth0"]);

    public int Run(ParsedArgs a)
    {
        string path = a.Require("pin", " (the path given to prepare --pin)");
        int removed = 0;
        foreach (var p in new[] { PrepareCommand.LinkPath(path), path })
        {
            int fd = BpfObjects.OpenPinned(p);
            if (fd < 0)
            {
                if (fd != -Posix.ENOENT)
                    throw new RunFailure($"--pin '{p}': not a pinned BPF object: {Libc.StrError(-fd)}");
                continue;
            }
            Libc.Close(fd);
            if (Libc.Unlink(p) != 0)
                throw new RunFailure($"--pin '{p}': cannot unpin: {Libc.StrError(Libc.Errno)}");
            removed++;
        }
        if (removed == 0)
            throw new RunFailure($"--pin '{path}': nothing pinned there (neither {path} nor {PrepareCommand.LinkPath(path)} exists)");
        Console.Error.WriteLine($"xdpaot release: unpinned {path}{(removed == 2 ? " and its link: the program is detached" : "")}");
        return ExitCode.Ok;
    }
}
