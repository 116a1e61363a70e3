using XdpAot.Cli.Cli;

namespace XdpAot.Cli.Commands;

/// <summary>A subcommand: its options and help, and what it does. Returns the exit code.</summary>
internal interface ICommand
{
    CommandSpec Spec { get; }

    int Run(ParsedArgs args);
}
