using System.Diagnostics;
using XdpAot.Tests.Infrastructure;

namespace XdpAot.Tests.Integration;

/// <summary>The program is attached through a BPF link: a process killed with SIGKILL leaves nothing behind.</summary>
[Collection(IntegrationCollection.Name)]
public class CrashSafetyTests
{
    [Theory]
    [InlineData("skb")]
    [InlineData("native")]
    public void Killed_process_leaves_no_program_on_the_interface(string mode)
    {
        using var pair = VethPair.Create();
        var psi = new ProcessStartInfo("ip") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "netns", "exec", pair.Namespace, Artifacts.Cli, "sink", "-i", pair.A, "--mode", mode, "--quiet" })
            psi.ArgumentList.Add(a);
        using var child = Process.Start(psi)!;
        try
        {
            var sw = Stopwatch.StartNew();
            while (!pair.LinkDetails(pair.A).Contains("prog/xdp") && sw.Elapsed < TimeSpan.FromSeconds(20))
            {
                if (child.HasExited)
                    Assert.Fail($"xdpaot sink exited early ({child.ExitCode}): {child.StandardError.ReadToEnd()}");
                Thread.Sleep(50);
            }
            Assert.Contains("prog/xdp", pair.LinkDetails(pair.A));
        }
        finally
        {
            // `ip netns exec` execs the program, so the child pid is xdpaot itself.
            child.Kill(entireProcessTree: true); // SIGKILL
            child.WaitForExit();
        }
        // Link release happens as the fd table is torn down; allow the kernel a moment.
        var wait = Stopwatch.StartNew();
        while (pair.LinkDetails(pair.A).Contains("prog/xdp") && wait.Elapsed < TimeSpan.FromSeconds(5))
            Thread.Sleep(20);
        Assert.DoesNotContain("prog/xdp", pair.LinkDetails(pair.A));
    }
}
