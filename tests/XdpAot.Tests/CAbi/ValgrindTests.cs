using Xunit.Abstractions;
using XdpAot.Tests.Infrastructure;

namespace XdpAot.Tests.CAbi;

/// <summary>
/// The C tests under valgrind's memcheck: no invalid reads or writes, no use of uninitialised memory, no
/// definitely lost blocks. No suppressions are needed with .NET 10's native AOT runtime: it starts and runs
/// under memcheck without a report (its GC reserves a large address range, which valgrind only warns about;
/// valgrind 3.19 does not know the bpf() command BPF_LINK_CREATE and warns about that too). Memory the
/// runtime keeps for the life of the process is "still reachable", which is not an error. (--track-origins
/// is left out: it makes the runtime's start 20 times slower; add it by hand to chase an uninitialised value.)
/// </summary>
public sealed class ValgrindTests(ITestOutputHelper output)
{
    private const int ErrorExit = 99;

    [Theory]
    [InlineData("open_test.c", 1)]
    [InlineData("poll_loop_test.c", 2000)]
    [InlineData("refuse_test.c", 1000)]
    public void C_test_is_clean_under_memcheck(string source, int frames)
    {
        string program = NativeArtifacts.Program(source);
        using var pair = VethPair.Create(queues: 1);
        string[] args = source == "open_test.c" ? [pair.A] : [pair.A, pair.B, $"{frames}"];
        var r = pair.TryExec(TimeSpan.FromMinutes(5), "valgrind",
            ["--error-exitcode=" + ErrorExit, "--leak-check=full", "--errors-for-leak-kinds=definite",
             "--show-leak-kinds=definite", program, .. args]);
        output.WriteLine(r.StdErr);
        Assert.True(r.ExitCode != ErrorExit, $"memcheck found errors:\n{r.StdErr}");
        CProgramRun.Check(r, program, args);
        Assert.Contains("ERROR SUMMARY: 0 errors", r.StdErr);
        Assert.Contains("definitely lost: 0 bytes", r.StdErr);
    }
}
