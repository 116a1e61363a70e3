using System.Diagnostics;
using Xunit.Abstractions;
using XdpAot.Tests.Infrastructure;

namespace XdpAot.Tests.Perf;

/// <summary>
/// The deterministic perf gate (perf/gate/gate.ps1) as a test, so CI fails on a regression: instructions per frame of
/// the data path's hot loops under callgrind, against perf/gate/baseline.json, 5% tolerance. Not a timing test:
/// instruction counts do not depend on how busy the machine is.
/// </summary>
public class InstructionGateTests(ITestOutputHelper output)
{
    [Fact]
    public void Hot_loops_cost_no_more_instructions_per_frame_than_the_baseline()
    {
        // The script builds its two programs (gcc, and an incremental NativeAOT publish), then counts. PowerShell is
        // the repository's local dotnet tool, found from the repository root.
        var restore = Run(TimeSpan.FromMinutes(2), "tool", "restore");
        Assert.True(restore.ExitCode == 0, $"dotnet tool restore failed:\n{restore.Output}");
        string script = Path.Combine(Artifacts.RepoRoot, "perf", "gate", "gate.ps1");
        string outDir = Path.Combine(Artifacts.Dir, "gate");
        var r = Run(TimeSpan.FromMinutes(10), "pwsh", "-NoProfile", "-NonInteractive", "-File", script, "-OutDir", outDir);
        output.WriteLine(r.Output);
        Assert.True(r.ExitCode == 0, $"perf gate failed (exit {r.ExitCode}):\n{r.Output}");
    }

    private static (int ExitCode, string Output) Run(TimeSpan timeout, params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = Artifacts.RepoRoot,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in args)
            psi.ArgumentList.Add(a);
        using var p = Process.Start(psi) ?? throw new InvalidOperationException("cannot start dotnet");
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeout))
        {
            p.Kill(entireProcessTree: true);
            p.WaitForExit();
            return (124, $"{stdout.Result}{stderr.Result}\n(timed out after {timeout.TotalMinutes:0} min)");
        }
        p.WaitForExit();
        return (p.ExitCode, stdout.Result + stderr.Result);
    }
}
