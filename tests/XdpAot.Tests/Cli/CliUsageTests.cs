namespace XdpAot.Tests.Cli;

/// <summary>The command line itself: help, version, exit codes and error texts. No privileges, no network.</summary>
public class CliUsageTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    private static XdpaotProcess Run(params string[] args)
    {
        var p = XdpaotProcess.Run(Timeout, null, args);
        return p;
    }

    [Fact]
    public void Version_prints_the_name_and_version_and_exits_0()
    {
        using var p = Run("--version");
        Assert.Equal(0, p.ExitCode);
        Assert.Matches(@"^xdpaot \d+\.\d+\.\d+ \(native AOT", p.StdOut);
    }

    [Fact]
    public void Help_lists_every_subcommand()
    {
        using var p = Run("--help");
        Assert.Equal(0, p.ExitCode);
        foreach (var cmd in new[] { "fwd", "gen", "sink", "reflect", "info", "prepare", "release", "demo" })
            Assert.Contains($"  {cmd} ", p.StdOut);
    }

    [Theory]
    [InlineData("fwd")]
    [InlineData("gen")]
    [InlineData("sink")]
    [InlineData("reflect")]
    [InlineData("info")]
    [InlineData("prepare")]
    [InlineData("release")]
    [InlineData("demo")]
    public void Every_subcommand_has_help_with_examples(string cmd)
    {
        using var p = Run(cmd, "--help");
        Assert.Equal(0, p.ExitCode);
        Assert.Contains($"xdpaot {cmd}:", p.StdOut);
        Assert.Contains("Usage:", p.StdOut);
        Assert.Contains("Examples:", p.StdOut);
        Assert.Contains($"xdpaot {cmd}", p.StdOut[p.StdOut.IndexOf("Examples:", StringComparison.Ordinal)..]);
    }

    [Fact]
    public void No_arguments_is_a_usage_error()
    {
        using var p = Run();
        Assert.Equal(2, p.ExitCode);
        Assert.Contains("Usage:", p.StdErr);
    }

    [Fact]
    public void Unknown_command_is_a_usage_error()
    {
        using var p = Run("frobnicate");
        Assert.Equal(2, p.ExitCode);
        Assert.Contains("unknown command 'frobnicate'", p.StdErr);
    }

    [Theory]
    [InlineData("unknown option '--bogus' for 'gen'", "gen", "-i", "lo", "--bogus")]
    [InlineData("did you mean --duration?", "sink", "-i", "lo", "--duraton", "3")]
    [InlineData("--rate 'fast'", "gen", "-i", "lo", "--rate", "fast")]
    [InlineData("--mode 'turbo': expected skb or native", "sink", "-i", "lo", "--mode", "turbo")]
    [InlineData("--size '10': expected an integer in 64..4100", "gen", "-i", "lo", "--size", "10")]
    [InlineData("--duration needs a value", "sink", "-i", "lo", "--duration")]
    [InlineData("--dst-mac 'zz:00:00:00:00:01'", "gen", "-i", "lo", "--dst-mac", "zz:00:00:00:00:01")]
    [InlineData("--src-ip '10.0.0'", "gen", "-i", "lo", "--src-ip", "10.0.0")]
    [InlineData("--cpu 'x'", "sink", "-i", "lo", "--cpu", "x")]
    [InlineData("queues=0: must be at least 1", "sink", "--port", "ifname=lo,queues=0")]
    [InlineData("unknown option 'speed'", "sink", "--port", "ifname=lo,speed=fast")]
    [InlineData("--queue goes with -i", "sink", "--port", "ifname=lo", "--queue", "1")]
    [InlineData("no port: give -i IF", "sink")]
    [InlineData("either as --port OPTS or as -i IF", "sink", "-i", "lo", "--port", "ifname=lo")]
    [InlineData("say where the sockets go", "prepare", "-i", "lo")]
    [InlineData("--pin is required", "release")]
    [InlineData("fwd takes at most two ports", "fwd", "--port", "ifname=a", "--port", "ifname=b", "--port", "ifname=c")]
    public void Usage_errors_exit_2_and_name_the_option(string message, params string[] args)
    {
        using var p = Run(args);
        Assert.True(p.ExitCode == 2, $"expected exit 2:\n{p.Transcript}");
        Assert.Contains(message, p.StdErr);
        Assert.Contains($"Try 'xdpaot {args[0]} --help'", p.StdErr);
        Assert.Equal("", p.StdOut);
    }

    [Fact]
    public void A_missing_interface_is_a_runtime_error_that_names_it()
    {
        using var p = Run("sink", "-i", "nosuchif0", "--duration", "1");
        Assert.True(p.ExitCode == 1, p.Transcript);
        Assert.Contains("'nosuchif0'", p.StdErr);
    }

    [Fact]
    public void Self_check_passes_on_the_shipped_binary()
    {
        using var p = Run("self-check");
        Assert.True(p.ExitCode == 0, p.Transcript);
        Assert.Contains("self-check: ok", p.StdOut);
    }
}
