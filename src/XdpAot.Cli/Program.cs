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
            case "help" when args is [_, "--man"]:
                Console.Out.Write(ManPage.Render(Version, Array.ConvertAll(s_commands, c => c.Spec)));
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

    private static string Overview() => ProgramHelp.Overview(Version, s_commands.Select(c => c.Spec));
}
