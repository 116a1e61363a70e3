using System.Diagnostics;
using Xunit.Abstractions;
using XdpAot.Tests.Infrastructure;

namespace XdpAot.Tests.CAbi;

/// <summary>
/// The example from docs/vmm-integration.md (tests/c/vmm_example.c) against a peer, and the time from dlopen to
/// a working port.
/// </summary>
public sealed class VmmExampleTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Vmm_example_echoes_every_frame_back_in_order()
    {
        const string Frames = "20000";
        string example = NativeArtifacts.Program("vmm_example.c");
        string peer = NativeArtifacts.Program("echo_peer.c");
        using var pair = VethPair.Create(queues: 1);

        var psi = new ProcessStartInfo("ip") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "netns", "exec", pair.Namespace, example, pair.A, Frames })
            psi.ArgumentList.Add(a);
        using var vmm = Process.Start(psi)!;
        var stderr = vmm.StandardError.ReadToEndAsync();
        try
        {
            string? ready = await vmm.StandardOutput.ReadLineAsync();
            if (ready?.StartsWith("ready", StringComparison.Ordinal) != true)
                Assert.Fail($"vmm_example did not start: {ready} {await stderr}");

            string result = CProgramRun.InNamespace(pair, peer, pair.B, Frames);
            Assert.Contains("PASS echo_peer", result);

            using var exited = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await vmm.WaitForExitAsync(exited.Token);
            string summary = await vmm.StandardOutput.ReadToEndAsync();
            string errors = await stderr;
            output.WriteLine(ready + "\n" + summary + errors);
            Assert.True(vmm.ExitCode == 0, $"vmm_example exited with {vmm.ExitCode}: {summary} {errors}");
            Assert.Contains($"echoed {Frames} frames", summary);
        }
        finally
        {
            if (!vmm.HasExited)
                vmm.Kill(entireProcessTree: true);
        }
    }

    [Fact]
    public void Dlopen_to_working_port_is_measured()
    {
        string program = NativeArtifacts.Program("dlopen_timing.c", linkLibrary: false);
        using var pair = VethPair.Create(queues: 1);
        string result = CProgramRun.InNamespace(pair, program, NativeArtifacts.Library, pair.A, pair.B);
        output.WriteLine(result);
        Assert.Contains("dlopen_to_working_port_ms=", result);
    }
}
