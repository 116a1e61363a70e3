using System.Diagnostics;
using System.Globalization;
using XdpAot.Cli.Cli;

namespace XdpAot.Cli.Commands;

/// <summary>
/// The demo's network, made with iproute2 and removed on Dispose (deleting a namespace deletes its veths and
/// whatever is attached to them):
/// <code>
///  [xdpaot-demo-PID-gen]        [xdpaot-demo-PID-fwd]             [xdpaot-demo-PID-sink]
///   xdpaotPIDg  &lt;--veth--&gt;  xdpaotPIDa    xdpaotPIDb  &lt;--veth--&gt;  xdpaotPIDs
/// </code>
/// Names carry the process id; namespaces left by a demo that was killed are removed by the next one.
/// </summary>
internal sealed class DemoTopology : IDisposable
{
    private const string Prefix = "xdpaot-demo-";
    private readonly List<string> _namespaces = [];

    private DemoTopology(int pid)
    {
        GenNs = $"{Prefix}{pid}-gen";
        FwdNs = $"{Prefix}{pid}-fwd";
        SinkNs = $"{Prefix}{pid}-sink";
        GenIf = $"xdpaot{pid}g";
        FwdIn = $"xdpaot{pid}a";
        FwdOut = $"xdpaot{pid}b";
        SinkIf = $"xdpaot{pid}s";
    }

    public string GenNs { get; }
    public string FwdNs { get; }
    public string SinkNs { get; }
    public string GenIf { get; }
    public string FwdIn { get; }
    public string FwdOut { get; }
    public string SinkIf { get; }

    public IReadOnlyList<string> Namespaces => _namespaces;

    public static DemoTopology Create()
    {
        RemoveStale();
        var t = new DemoTopology(Environment.ProcessId);
        try
        {
            foreach (var ns in new[] { t.GenNs, t.FwdNs, t.SinkNs })
            {
                Ip("netns", "add", ns);
                t._namespaces.Add(ns);
                Ip("-n", ns, "link", "set", "lo", "up");
            }
            Ip("-n", t.GenNs, "link", "add", t.GenIf, "type", "veth", "peer", "name", t.FwdIn, "netns", t.FwdNs);
            Ip("-n", t.FwdNs, "link", "add", t.FwdOut, "type", "veth", "peer", "name", t.SinkIf, "netns", t.SinkNs);
            foreach (var (ns, dev) in new[] { (t.GenNs, t.GenIf), (t.FwdNs, t.FwdIn), (t.FwdNs, t.FwdOut), (t.SinkNs, t.SinkIf) })
            {
                // No IPv6 address, so no neighbour discovery or MLD frames mixed into the counts.
                Ip("-n", ns, "link", "set", "dev", dev, "addrgenmode", "none");
                Ip("-n", ns, "link", "set", "dev", dev, "up");
            }
        }
        catch
        {
            t.Dispose();
            throw;
        }
        return t;
    }

    public void Dispose()
    {
        foreach (var ns in _namespaces)
            TryIp("netns", "del", ns);
        _namespaces.Clear();
    }

    /// <summary>Deletes namespaces of earlier demos whose process is gone (killed before it could clean up).</summary>
    private static void RemoveStale()
    {
        var (rc, output) = TryIp("netns", "list");
        if (rc != 0)
            return;
        foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            string name = line.Split(' ')[0];
            if (!name.StartsWith(Prefix, StringComparison.Ordinal))
                continue;
            var rest = name[Prefix.Length..];
            int dash = rest.IndexOf('-');
            if (dash > 0 && int.TryParse(rest[..dash], NumberStyles.None, CultureInfo.InvariantCulture, out int pid) && !Directory.Exists($"/proc/{pid}"))
                TryIp("netns", "del", name);
        }
    }

    private static void Ip(params string[] args)
    {
        var (rc, output) = TryIp(args);
        if (rc != 0)
            throw new RunFailure($"ip {string.Join(' ', args)} failed ({rc}): {output.Trim()}");
    }

    private static (int, string) TryIp(params string[] args)
    {
        var psi = new ProcessStartInfo("ip") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args)
            psi.ArgumentList.Add(a);
        try
        {
            using var p = Process.Start(psi)!;
            var stderr = p.StandardError.ReadToEndAsync();
            string stdout = p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            return (p.ExitCode, stdout + stderr.Result);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new RunFailure($"cannot run 'ip' (iproute2): {e.Message}");
        }
    }
}
