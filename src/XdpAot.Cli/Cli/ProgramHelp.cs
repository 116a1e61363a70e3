using System.Text;

namespace XdpAot.Cli.Cli;

/// <summary>
/// What <c>xdpaot --help</c> says about the program as a whole. The man page (<see cref="ManPage"/>) is made from
/// the same texts and the same <see cref="CommandSpec"/>s, so the two cannot say different things.
/// </summary>
internal static class ProgramHelp
{
    public const string Summary =
        "AF_XDP forwarder, traffic generator, sink, reflector, interface inspector and privileged socket helper and " +
        "vhost-user-net back-end for VMMs, " +
        "on the XdpAot core (native AOT, no libbpf or libxdp needed)";

    public const string Usage = "COMMAND [options]";

    public const string PortSyntax = "A port is given as -i IF [-q QUEUE] [--queues N] [--mode skb|native] or in QEMU's syntax:";

    public const string PortExample = "--port ifname=veth0,mode=skb,queues=2,start-queue=0";

    public static readonly (int Code, string Meaning)[] ExitCodes =
    [
        (ExitCode.Ok, "success"),
        (ExitCode.Failure, "runtime failure (interface, attach, permissions, no traffic)"),
        (ExitCode.Usage, "usage error"),
    ];

    public static readonly (string Command, string Comment)[] Examples =
    [
        ("sudo xdpaot demo", "gen -> fwd -> sink through veth pairs, 5 s"),
        ("xdpaot info -i eth0", "queues, XDP modes, zero-copy, attached programs"),
        ("xdpaot gen -i veth0 --duration 10 --json", ""),
        ("xdpaot vhost --socket-path /run/vm1.sock --port ifname=eth0,queues=2", "a QEMU guest's virtio-net on AF_XDP"),
        ("xdpaot prepare -i eth0 --queues 2 -- setpriv --reuid=qemu ... sh -c 'exec qemu-system-x86_64 ... -netdev af-xdp,id=n0,$XDPAOT_PORT'", ""),
    ];

    /// <summary>The text of <c>xdpaot --help</c>.</summary>
    public static string Overview(string version, IEnumerable<CommandSpec> commands)
    {
        var sb = new StringBuilder();
        AppendWrapped(sb, $"xdpaot {version}: {Summary}.", 110);
        sb.AppendLine();
        sb.AppendLine($"Usage: xdpaot {Usage}      (xdpaot COMMAND --help for its options and examples)");
        sb.AppendLine();
        sb.AppendLine("Commands:");
        foreach (var c in commands)
            sb.Append("  ").Append(c.Name.PadRight(11)).AppendLine(c.Summary);
        sb.AppendLine();
        sb.AppendLine(PortSyntax);
        sb.Append("  ").AppendLine(PortExample);
        sb.AppendLine();
        sb.Append("Exit codes: ").AppendJoin(", ", ExitCodes.Select(e => $"{e.Code} {e.Meaning}")).AppendLine(".");
        sb.AppendLine();
        sb.AppendLine("Examples:");
        foreach (var (command, comment) in Examples)
        {
            sb.Append("  ").Append(comment.Length == 0 ? command : command.PadRight(Math.Max(51, command.Length + 3)) + "# " + comment);
            sb.AppendLine();
        }
        return sb.ToString();
    }

    private static void AppendWrapped(StringBuilder sb, string text, int width)
    {
        int col = 0;
        foreach (var word in text.Split(' '))
        {
            if (col > 0 && col + 1 + word.Length > width)
            {
                sb.AppendLine();
                col = 0;
            }
            else if (col > 0)
            {
                sb.Append(' ');
                col++;
            }
            sb.Append(word);
            col += word.Length;
        }
        sb.AppendLine();
    }
}
