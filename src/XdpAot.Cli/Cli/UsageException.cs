namespace XdpAot.Cli.Cli;

/// <summary>A command line that cannot be run as written: exit code 2, the message and a pointer to --help.</summary>
internal sealed class UsageException(string message) : Exception(message);

/// <summary>A failure at run time that has already been explained (exit code 1).</summary>
internal sealed class RunFailure(string message) : Exception(message);

/// <summary>The process exit codes.</summary>
internal static class ExitCode
{
    public const int Ok = 0;

    /// <summary>A runtime failure: interface missing, attach refused, no traffic within the wait, …</summary>
    public const int Failure = 1;

    /// <summary>A usage error: unknown command or option, a bad or missing value.</summary>
    public const int Usage = 2;
}
