using System.Diagnostics;
using System.Reflection;
using XdpAot;
using XdpAot.Cli.Cli;
using XdpAot.Cli.Commands;

namespace XdpAot.Cli;

/// <summary>
/// <c>xdpaot</c>: finds the subcommand, parses its options, runs it, and turns failures into exit codes and one
/// clear line on stderr (2: usage, 1: runtime).
/// </summary>
internal static class Program
{
    private static long s_startTicks;

    private static readonly ICommand[] s_commands =
    [
        new FwdCommand(), new GenCommand(), new SinkCommand(), new ReflectCommand(), new InfoCommand(),
        new PrepareCommand(), new ReleaseCommand(), new VhostCommand(), new DemoCommand(), new SelfCheckCommand(),
    ];

    /// <summary>Milliseconds from entering Main to a Stopwatch timestamp (time to ready, to first frame).</summary>
    public static double MillisecondsSinceStart(long ticks) => (double)(ticks - s_startTicks) * 1000 / Stopwatch.Frequency;

    public static string Version =>
        typeof(Program).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";

    private static int Main(string[] args)
    {
        s_startTicks = Stopwatch.GetTimestamp();
        if (args.Length == 0)
        {
            Console.Error.Write(Overview());
            return ExitCode.Usage;
        }
        switch (args[0])
        {
            case "--version" or "-V" or "version":
                Console.Out.WriteLine($"xdpaot {Version} (native AOT, .NET {Environment.Version}, {System.Runtime.InteropServices.RuntimeInformation.RuntimeIdentifier})");
                return ExitCode.Ok;
            case "--help" or "-h":
                Console.Out.Write(Overview());
                return ExitCode.Ok;
            case "help":
                if (args.Length > 1 && Find(args[1]) is { } c)
                {
                    Console.Out.Write(c.Spec.Help());
                    return ExitCode.Ok;
                }
                Console.Out.Write(Overview());
                return args.Length > 1 ? ExitCode.Usage : ExitCode.Ok;
        }
        var command = Find(args[0]);
        if (command is null)
        {
            Console.Error.WriteLine($"xdpaot: unknown command '{args[0]}'");
            Console.Error.WriteLine("Try 'xdpaot --help'.");
            return ExitCode.Usage;
        }
        string name = command.Spec.Name;
        try
        {
            var parsed = ArgParser.Parse(command.Spec, args.AsSpan(1));
            if (parsed.HelpRequested)
            {
                Console.Out.Write(command.Spec.Help());
                return ExitCode.Ok;
            }
            return command.Run(parsed);
        }
        catch (UsageException e)
        {
            Console.Error.WriteLine($"xdpaot {name}: {e.Message}");
            Console.Error.WriteLine($"Try 'xdpaot {name} --help'.");
            return ExitCode.Usage;
        }
        catch (Exception e) when (e is RunFailure or XdpException or IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"xdpaot {name}: {e.Message}");
            return ExitCode.Failure;
        }
    }

    private static ICommand? Find(string name) => Array.Find(s_commands, c => c.Spec.Name == name);

    private static string Overview()
    {
        var sb = new System.Text.StringBuilder();
        sb.AppendLine($"xdpaot {Version}: AF_XDP forwarder, traffic generator, sink, reflector, interface inspector and");
        sb.AppendLine("privileged socket helper and vhost-user-net back-end for VMMs, on the XdpAot core (native AOT, no libbpf or libxdp needed).");
        sb.AppendLine();
        sb.AppendLine("Usage: xdpaot COMMAND [options]      (xdpaot COMMAND --help for its options and examples)");
        sb.AppendLine();
        sb.AppendLine("Commands:");
        foreach (var c in s_commands)
            sb.Append("  ").Append(c.Spec.Name.PadRight(11)).AppendLine(c.Spec.Summary);
        sb.AppendLine();
        sb.AppendLine("A port is given as -i IF [-q QUEUE] [--queues N] [--mode skb|native] or in QEMU's syntax:");
        sb.AppendLine("  --port ifname=veth0,mode=skb,queues=2,start-queue=0");
        sb.AppendLine();
        sb.AppendLine("Exit codes: 0 success, 1 runtime failure (interface, attach, permissions, no traffic), 2 usage error.");
        sb.AppendLine();
        sb.AppendLine("Examples:");
        sb.AppendLine("  sudo xdpaot demo                                   # gen -> fwd -> sink through veth pairs, 5 s");
        sb.AppendLine("  xdpaot info -i eth0                                # queues, XDP modes, zero-copy, attached programs");
        sb.AppendLine("  xdpaot gen -i veth0 --duration 10 --json");
        sb.AppendLine("  xdpaot vhost --socket-path /run/vm1.sock --port ifname=eth0,queues=2   # a QEMU guest's virtio-net on AF_XDP");
        sb.AppendLine("  xdpaot prepare -i eth0 --queues 2 -- setpriv --reuid=qemu ... sh -c 'exec qemu-system-x86_64 ... -netdev af-xdp,id=n0,$XDPAOT_PORT'");
        return sb.ToString();
    }
}
