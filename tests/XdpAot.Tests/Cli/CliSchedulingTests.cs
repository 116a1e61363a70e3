using XdpAot.Tests.Infrastructure;
using XdpAot.Tests.Integration;

namespace XdpAot.Tests.Cli;

/// <summary>
/// How the executable shares its cores: the I/O threads spin, so every other thread of the process must sleep for
/// real. A thread that waits by spinning with sched_yield is always runnable, takes turns with a loop on the same
/// core and, in the benchmark, cost the sink a few percent of its rate and showed as CPU the C reference does not use.
/// </summary>
[Collection(IntegrationCollection.Name)]
public class CliSchedulingTests
{
    [Fact]
    public void The_main_thread_sleeps_while_loops_spin_on_every_core()
    {
        Assert.True(Environment.ProcessorCount >= 2, "needs two CPUs");
        using var pair = VethPair.Create();
        // Every core the process may use is busy: the sink's loop spins on CPU 1, a shell loop on CPU 0. The main
        // thread has to share a core with one of them.
        using var spinner = XdpaotProcess.StartFile(null, "taskset", "-c", "0", "sh", "-c", "while :; do :; done");
        using var sink = XdpaotProcess.StartFile(pair.Namespace, "taskset",
            "-c", "0,1", Artifacts.Cli, "sink", "-i", pair.A, "--cpu", "1", "--idle", "spin", "--wait", "60", "--quiet").WaitReady();
        var (voluntary0, involuntary0) = ContextSwitches(sink.Pid);
        Thread.Sleep(2000);
        var (voluntary1, involuntary1) = ContextSwitches(sink.Pid);
        sink.Signal("INT");
        sink.WaitForExit(TimeSpan.FromSeconds(30));
        spinner.Kill();

        long slept = voluntary1 - voluntary0, preempted = involuntary1 - involuntary0;
        // Sleeping up to 50 ms at a time: about 40 sleeps in 2 s. Spinning with sched_yield before each 10 ms wait
        // (ManualResetEventSlim's default) gave no sleep at all and ~500 yields, each an involuntary switch.
        Assert.True(slept >= 10, $"main thread slept {slept} times in 2 s (preempted {preempted} times)\n{sink.Transcript}");
        Assert.True(preempted < slept, $"main thread preempted {preempted} times, slept {slept} times in 2 s\n{sink.Transcript}");
    }

    /// <summary>The main thread's (tid = pid) voluntary and involuntary context switches so far.</summary>
    private static (long Voluntary, long Involuntary) ContextSwitches(int pid)
    {
        long voluntary = -1, involuntary = -1;
        foreach (var line in File.ReadLines($"/proc/{pid}/task/{pid}/status"))
        {
            if (line.StartsWith("voluntary_ctxt_switches:", StringComparison.Ordinal))
                voluntary = long.Parse(line.AsSpan(line.IndexOf(':') + 1).Trim());
            else if (line.StartsWith("nonvoluntary_ctxt_switches:", StringComparison.Ordinal))
                involuntary = long.Parse(line.AsSpan(line.IndexOf(':') + 1).Trim());
        }
        Assert.True(voluntary >= 0 && involuntary >= 0, $"no context switch counts in /proc/{pid}/task/{pid}/status");
        return (voluntary, involuntary);
    }
}
