namespace XdpAot.Tests.Infrastructure;

/// <summary>
/// An empty network namespace of the test's own (lo up), for programs that create interfaces (a testpmd tap vdev).
/// Names carry the `xdpaot` prefix, the process id and a counter. Dispose deletes the namespace and every interface in it.
/// </summary>
public sealed class TestNamespace : IDisposable
{
    private static int s_counter;
    private int _interfaces;

    public string Name { get; }

    private TestNamespace(string name) => Name = name;

    public static TestNamespace Create()
    {
        string name = $"xdpaot-n{Environment.ProcessId}-{Interlocked.Increment(ref s_counter)}";
        Sh.Run("ip", "netns", "add", name);
        var ns = new TestNamespace(name);
        try
        {
            ns.Ip("link", "set", "lo", "up");
        }
        catch
        {
            ns.Dispose();
            throw;
        }
        return ns;
    }

    /// <summary>A fresh interface name (xdpaot-prefixed, within IFNAMSIZ) for something the test creates here.</summary>
    public string NewInterfaceName() => $"xdpaot{Environment.ProcessId % 100000}i{Interlocked.Increment(ref _interfaces)}";

    /// <summary>Runs `ip …` inside the namespace.</summary>
    public string Ip(params string[] args) => Sh.Run("ip", ["-n", Name, .. args]);

    /// <summary>Runs a program inside the namespace (ip netns exec).</summary>
    public string Exec(string file, params string[] args) => Sh.Run("ip", ["netns", "exec", Name, file, .. args]);

    public void Dispose() => Sh.Try("ip", "netns", "del", Name);
}
