using System.Text.RegularExpressions;
using XdpAot.Tests.CAbi;
using XdpAot.Tests.Infrastructure;

namespace XdpAot.Tests.Packaging;

/// <summary>
/// The installed xdpaot-vhost@.service: systemd accepts it (<c>systemd-analyze</c> works without systemd as PID 1),
/// its sandbox stays in systemd's "OK" exposure band, the example config sets exactly what ExecStart uses, and its
/// CapabilityBoundingSet is both enough to open an AF_XDP port and no larger than that (with writable+executable
/// memory denied, as MemoryDenyWriteExecute=yes does: native AOT code is never generated at run time).
/// </summary>
[Collection(InstalledPackagesCollection.Name)]
public sealed partial class SystemdUnitTests(InstalledPackages installed)
{
    [Fact]
    public void Systemd_analyze_verify_accepts_the_unit_without_a_message()
    {
        string instance = InstalledCopy();
        // systemd-analyze checks that the unit's executable and its Documentation= man page exist: both are found in
        // the scratch root (ExecStart points there in this copy; MANPATH too).
        var r = InstalledPackages.Exec(new Dictionary<string, string> { ["MANPATH"] = installed.At("usr/share/man") },
            "systemd-analyze", "verify", instance);
        Assert.True(r.ExitCode == 0 && r.All.Trim().Length == 0, $"systemd-analyze verify {instance}: exit {r.ExitCode}\n{r.All}");
    }

    [Fact]
    public void The_sandbox_stays_in_systemds_OK_exposure_band()
    {
        // --threshold is on systemd's 0-100 scale (the printed 0.0-10.0 times ten); 5.0 and above is "MEDIUM".
        var r = Sh.Try("systemd-analyze", "security", "--offline=yes", "--threshold=49", InstalledCopy());
        Assert.True(r.ExitCode == 0, $"exposure above 4.9:\n{r.All}");
    }

    [Fact]
    public void The_example_config_sets_exactly_the_variables_ExecStart_uses()
    {
        string exec = Setting(File.ReadAllText(installed.VhostUnit), "ExecStart");
        Assert.StartsWith("/usr/bin/xdpaot vhost --socket-path ${SOCKET_PATH} --port ${PORT}", exec);
        var used = Variable().Matches(exec).Select(m => m.Groups[1].Success ? m.Groups[1].Value : m.Groups[2].Value).ToHashSet();
        var set = File.ReadLines(installed.At("usr/share/doc/xdpaot/examples/vhost.conf"))
            .Where(l => l.Length > 0 && !l.StartsWith('#'))
            .Select(l => l[..l.IndexOf('=')])
            .ToHashSet();
        Assert.Equal(used.Order(), set.Order());
        Assert.Equal("/etc/xdpaot/%i.conf", Setting(File.ReadAllText(installed.VhostUnit), "EnvironmentFile"));
    }

    [Fact]
    public void The_bounding_set_opens_an_AF_XDP_port_and_every_capability_in_it_is_needed()
    {
        string unit = File.ReadAllText(installed.VhostUnit);
        var caps = Setting(unit, "CapabilityBoundingSet").Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("yes", Setting(unit, "MemoryDenyWriteExecute"));
        using var pair = VethPair.Create();
        // sink opens the port as vhost does (program, XSKMAP, sockets, UMEM); " ready on " means all of it worked.
        // Under the kernel's memory-deny-write-execute too, as MemoryDenyWriteExecute=yes runs it.
        var all = OpenPort(pair, caps);
        Assert.True(all.StdErr.Contains(" ready on ", StringComparison.Ordinal), $"with {string.Join(' ', caps)}:\n{all.All}");
        foreach (var cap in caps)
        {
            var without = OpenPort(pair, [.. caps.Where(c => c != cap)]);
            Assert.False(without.StdErr.Contains(" ready on ", StringComparison.Ordinal),
                $"the port opens without {cap}: the unit does not need it\n{without.All}");
        }
    }

    /// <summary>
    /// Root limited to <paramref name="caps"/> and denied writable+executable memory, as systemd runs the unit,
    /// opening a port on one veth end.
    /// </summary>
    private Sh.Result OpenPort(VethPair pair, string[] caps)
    {
        string bounding = string.Join(',', ["-all", .. caps.Select(c => "+" + c["CAP_".Length..].ToLowerInvariant())]);
        return pair.TryExec(TimeSpan.FromSeconds(30), NativeArtifacts.Program("mdwe_exec.c", linkLibrary: false),
            "setpriv", "--inh-caps=-all", "--bounding-set", bounding,
            installed.Xdpaot, "sink", "-i", pair.A, "--duration", "1", "--wait", "1");
    }

    /// <summary>A copy of the unit that runs the scratch root's xdpaot, named as instance "test" for the tools.</summary>
    private string InstalledCopy()
    {
        string dir = installed.At("build/units");
        Directory.CreateDirectory(dir);
        string text = File.ReadAllText(installed.VhostUnit);
        Assert.Contains("ExecStart=/usr/bin/xdpaot ", text);
        File.WriteAllText(Path.Combine(dir, "xdpaot-vhost@.service"), text.Replace("ExecStart=/usr/bin/xdpaot ", $"ExecStart={installed.Xdpaot} "));
        return Path.Combine(dir, "xdpaot-vhost@test.service");
    }

    private static string Setting(string unit, string key)
    {
        var values = unit.Split('\n').Where(l => l.StartsWith(key + "=", StringComparison.Ordinal)).ToList();
        Assert.True(values.Count == 1, $"{key}= appears {values.Count} times in the unit");
        return values[0][(key.Length + 1)..].Trim();
    }

    // ${NAME} (one word) or $NAME (split at spaces) in ExecStart.
    [GeneratedRegex(@"\$\{(\w+)\}|\$(\w+)")]
    private static partial Regex Variable();
}
