using System.Diagnostics;
using System.Text;
using System.Text.Json;
using XdpAot.Tests.Infrastructure;

namespace XdpAot.Tests.Cli;

/// <summary>
/// Runs the published `xdpaot` (artifacts/bin/xdpaot, see <see cref="Artifacts.Cli"/>), optionally inside a
/// network namespace (`ip netns exec` execs it, so the pid is xdpaot's own). Output is collected as it comes, so
/// a test can wait for the "ready" line before it starts the peer, and a process is always killed when the test
/// is done with it.
/// </summary>
public sealed class XdpaotProcess : IDisposable
{
    private readonly Process _p;
    private readonly StringBuilder _out = new();
    private readonly StringBuilder _err = new();
    private readonly object _lock = new();
    private readonly CountdownEvent _eof = new(2);

    private XdpaotProcess(Process p, string command)
    {
        _p = p;
        Command = command;
        _p.OutputDataReceived += (_, e) => Append(_out, e.Data);
        _p.ErrorDataReceived += (_, e) => Append(_err, e.Data);
        _p.BeginOutputReadLine();
        _p.BeginErrorReadLine();
    }

    public string Command { get; }

    public int Pid => _p.Id;

    public bool HasExited => _p.HasExited;

    public string StdOut { get { lock (_lock) return _out.ToString(); } }

    public string StdErr { get { lock (_lock) return _err.ToString(); } }

    /// <summary>For assertion messages.</summary>
    public string Transcript => $"$ {Command}\n--- stdout\n{StdOut}--- stderr\n{StdErr}";

    /// <summary>Starts xdpaot with <paramref name="args"/>, in namespace <paramref name="ns"/> when given.</summary>
    public static XdpaotProcess Start(string? ns, params string[] args) => StartFile(ns, Artifacts.Cli, args);

    /// <summary>Starts any program (setpriv, sh) the same way.</summary>
    public static XdpaotProcess StartFile(string? ns, string file, params string[] args)
    {
        var psi = new ProcessStartInfo(ns is null ? file : "ip")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var all = ns is null ? args : ["netns", "exec", ns, file, .. args];
        foreach (var a in all)
            psi.ArgumentList.Add(a);
        var p = Process.Start(psi) ?? throw new InvalidOperationException($"cannot start {file}");
        return new XdpaotProcess(p, $"{(ns is null ? "" : $"ip netns exec {ns} ")}{file} {string.Join(' ', args)}");
    }

    /// <summary>Runs to completion (killed after <paramref name="timeout"/>, which fails the test).</summary>
    public static XdpaotProcess Run(TimeSpan timeout, string? ns, params string[] args)
    {
        var p = Start(ns, args);
        p.WaitForExit(timeout);
        return p;
    }

    /// <summary>Waits for the process; on timeout kills it and fails with its transcript.</summary>
    public int WaitForExit(TimeSpan timeout)
    {
        if (!_p.WaitForExit(timeout))
        {
            Kill();
            Assert.Fail($"timed out after {timeout.TotalSeconds:0} s:\n{Transcript}");
        }
        DrainOutput();
        return _p.ExitCode;
    }

    public int ExitCode => _p.ExitCode;

    /// <summary>Waits until stderr (or stdout) contains <paramref name="text"/>; fails if the process exits first.</summary>
    public void WaitFor(string text, TimeSpan timeout, bool stdout = false)
    {
        var sw = Stopwatch.StartNew();
        while (!(stdout ? StdOut : StdErr).Contains(text, StringComparison.Ordinal))
        {
            if (_p.HasExited)
            {
                DrainOutput();
                if ((stdout ? StdOut : StdErr).Contains(text, StringComparison.Ordinal))
                    return;
                Assert.Fail($"exited ({_p.ExitCode}) before printing '{text}':\n{Transcript}");
            }
            if (sw.Elapsed > timeout)
                Assert.Fail($"no '{text}' after {timeout.TotalSeconds:0} s:\n{Transcript}");
            Thread.Sleep(20);
        }
    }

    /// <summary>Waits for the " ready on " line every traffic command prints once its sockets are bound.</summary>
    public XdpaotProcess WaitReady() { WaitFor(" ready on ", TimeSpan.FromSeconds(20)); return this; }

    public void Signal(string signal) => Sh.Try("kill", $"-{signal}", $"{_p.Id}");

    public void Kill()
    {
        try
        {
            _p.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
        }
    }

    /// <summary>The last JSON line on stdout (the --json summary).</summary>
    public JsonElement Json()
    {
        var line = StdOut.Split('\n').LastOrDefault(l => l.StartsWith('{'));
        Assert.True(line is not null, $"no JSON line on stdout:\n{Transcript}");
        return JsonDocument.Parse(line!).RootElement.Clone();
    }

    public void Dispose()
    {
        if (!_p.HasExited)
            Kill();
        _p.WaitForExit(5000);
        _p.Dispose();
    }

    /// <summary>
    /// Waits for the end of both output streams, but not forever: a child that inherited the pipes (prepare's
    /// COMMAND) may outlive the process.
    /// </summary>
    private void DrainOutput() => _eof.Wait(TimeSpan.FromSeconds(2));

    private void Append(StringBuilder sb, string? line)
    {
        if (line is null)
        {
            _eof.Signal();
            return;
        }
        lock (_lock)
            sb.Append(line).Append('\n');
    }
}
