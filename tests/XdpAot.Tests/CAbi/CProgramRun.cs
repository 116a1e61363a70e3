using XdpAot.Tests.Infrastructure;

namespace XdpAot.Tests.CAbi;

/// <summary>Runs a compiled C test program inside a veth pair's namespace and checks it passed.</summary>
public static class CProgramRun
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);

    /// <summary>Runs <paramref name="program"/> (from <see cref="NativeArtifacts.Program"/>) in the namespace; fails with its output unless it exits 0.</summary>
    public static string InNamespace(VethPair pair, string program, params string[] args) =>
        Check(pair.TryExec(Timeout, program, args), program, args);

    public static string Check(Sh.Result r, string program, string[] args)
    {
        Assert.True(r.ExitCode == 0,
            $"{Path.GetFileName(program)} {string.Join(' ', args)} exited with {r.ExitCode}:\n{r.StdOut}\n{r.StdErr}");
        return r.StdOut;
    }
}
