using System.Text.RegularExpressions;
using XdpAot.Tests.Infrastructure;

namespace XdpAot.Tests.Packaging;

/// <summary>The installed xdpaot(1): man renders it without a warning, and it says what the installed binary's
/// <c>--help</c> says, a section per command, every usage line and option.</summary>
[Collection(InstalledPackagesCollection.Name)]
public sealed partial class ManPageTests(InstalledPackages installed)
{
    [Fact]
    public void The_manual_renders_without_warnings()
    {
        var r = Man();
        Assert.True(r.ExitCode == 0 && r.StdErr.Length == 0, $"man -l {installed.ManPage}: exit {r.ExitCode}\n{r.StdErr}");
        Assert.Contains("XDPAOT(1)", r.StdOut);
        Assert.Contains($"xdpaot {ProductVersion.Text}", r.StdOut);
    }

    [Fact]
    public void The_manual_has_a_section_for_every_command_with_its_usage_and_options()
    {
        string manual = Man().StdOut;
        var commands = CommandLine().Matches(Sh.Run(installed.Xdpaot, "--help")).Select(m => m.Groups[1].Value).ToList();
        Assert.NotEmpty(commands);
        foreach (var command in commands)
        {
            int at = manual.IndexOf($"\nXDPAOT {command.ToUpperInvariant()}\n", StringComparison.Ordinal);
            Assert.True(at >= 0, $"no section XDPAOT {command.ToUpperInvariant()} in the manual");
            int end = manual.IndexOf("\nXDPAOT ", at + 1, StringComparison.Ordinal);
            string section = end < 0 ? manual[at..] : manual[at..end];
            string help = Sh.Run(installed.Xdpaot, command, "--help");
            foreach (Match usage in UsageLine().Matches(help))
                Assert.Contains(usage.Groups[1].Value.TrimEnd(), section);
            foreach (Match option in OptionLine().Matches(help))
                Assert.Contains(option.Groups[1].Value, section);
        }
    }

    private Sh.Result Man() => InstalledPackages.Exec(
        new Dictionary<string, string> { ["MANWIDTH"] = "250", ["MANPAGER"] = "cat", ["PAGER"] = "cat", ["LC_ALL"] = "C.UTF-8" },
        "man", "--warnings", "-l", installed.ManPage);

    // "  fwd        forward frames …" in the Commands: list of `xdpaot --help`.
    [GeneratedRegex(@"^  ([a-z][a-z-]+) {2,}\S", RegexOptions.Multiline)]
    private static partial Regex CommandLine();

    // "  xdpaot fwd -i IF [-o IF2] …" under Usage:.
    [GeneratedRegex(@"^  (xdpaot \S+ .*)$", RegexOptions.Multiline)]
    private static partial Regex UsageLine();

    // "  -i, --interface IF   short form …" or "      --port OPTS   …": the synopsis up to the two-space gap.
    [GeneratedRegex(@"^  (?:    )?((?:-\w, )?--[a-z][\w-]*(?: [^ ]+)?)(?:  |$)", RegexOptions.Multiline)]
    private static partial Regex OptionLine();
}
