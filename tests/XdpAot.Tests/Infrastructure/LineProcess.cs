using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;

namespace XdpAot.Tests.Infrastructure;

/// <summary>One line of a child's output, with when it arrived (since the process was started).</summary>
public readonly record struct OutputLine(TimeSpan At, string Text, bool FromStdErr);

/// <summary>
/// A long-running child (QEMU, dpdk-testpmd) whose stdout and stderr are read line by line as they come and kept
/// with timestamps, so a test can wait for a line, read what arrived so far, and show all of it when it fails.
/// stdin is a pipe that is never written (the child must not share the test runner's). Dispose kills the child.
/// </summary>
public sealed partial class LineProcess : IDisposable
{
    public const int SIGINT = 2;

    private readonly Process _p;
    private readonly Stopwatch _clock;
    private readonly List<OutputLine> _lines = [];
    private readonly Action<OutputLine>? _observer;
    private int _streamsAtEof;
    private bool _disposed;

    private LineProcess(Process p, Stopwatch clock, string command, Action<OutputLine>? observer)
    {
        _p = p;
        _clock = clock;
        Command = command;
        _observer = observer;
        _p.OutputDataReceived += (_, e) => Add(e.Data, fromStdErr: false);
        _p.ErrorDataReceived += (_, e) => Add(e.Data, fromStdErr: true);
        _p.BeginOutputReadLine();
        _p.BeginErrorReadLine();
    }

    /// <summary>The command line, for messages.</summary>
    public string Command { get; }

    public int Pid => _p.Id;

    /// <summary>When the child was started (UTC), to line its timestamps up with other logs.</summary>
    public DateTime StartedAtUtc { get; private init; }

    /// <summary>Time since the child was started.</summary>
    public TimeSpan Elapsed => _clock.Elapsed;

    public bool HasExited => _p.HasExited;

    public int ExitCode => _p.ExitCode;

    /// <summary>
    /// Starts <paramref name="file"/>, inside network namespace <paramref name="netns"/> when given (`ip netns exec`
    /// execs it, so <see cref="Pid"/> is the program's own). <paramref name="observer"/> sees every line as it
    /// arrives, in order per stream, under this object's lock.
    /// </summary>
    public static LineProcess Start(string file, IReadOnlyList<string> args, string? netns = null, Action<OutputLine>? observer = null)
    {
        var psi = new ProcessStartInfo(netns is null ? file : "ip")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        IEnumerable<string> all = netns is null ? args : ["netns", "exec", netns, file, .. args];
        foreach (var a in all)
            psi.ArgumentList.Add(a);
        string command = (netns is null ? "" : $"ip netns exec {netns} ") + file + " " + string.Join(' ', args);
        var clock = Stopwatch.StartNew();
        var started = DateTime.UtcNow;
        Process p;
        try
        {
            p = Process.Start(psi) ?? throw new InvalidOperationException($"cannot start {command}");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException($"cannot start {command}: {e.Message}", e);
        }
        return new LineProcess(p, clock, command, observer) { StartedAtUtc = started };
    }

    private void Add(string? text, bool fromStdErr)
    {
        lock (_lines)
        {
            if (text is null)
            {
                _streamsAtEof++;   // the reader's end of stream: null data
            }
            else
            {
                var line = new OutputLine(_clock.Elapsed, text, fromStdErr);
                _lines.Add(line);
                _observer?.Invoke(line);
            }
            Monitor.PulseAll(_lines);
        }
    }

    /// <summary>A snapshot of every line so far.</summary>
    public IReadOnlyList<OutputLine> Lines
    {
        get { lock (_lines) return _lines.ToArray(); }
    }

    /// <summary>
    /// The first line (from the start) that <paramref name="match"/> accepts; null when none came within
    /// <paramref name="timeout"/> or the child exited without printing one.
    /// </summary>
    public OutputLine? WaitForLine(Func<OutputLine, bool> match, TimeSpan timeout)
    {
        var waited = Stopwatch.StartNew();
        int checkedUpTo = 0;
        lock (_lines)
        {
            while (true)
            {
                for (; checkedUpTo < _lines.Count; checkedUpTo++)
                {
                    if (match(_lines[checkedUpTo]))
                        return _lines[checkedUpTo];
                }
                var left = timeout - waited.Elapsed;
                if (left <= TimeSpan.Zero || _streamsAtEof == 2)
                    return null;
                Monitor.Wait(_lines, left);
            }
        }
    }

    /// <summary>Waits for the child to exit and its output to be read; false on timeout (the child keeps running).</summary>
    public bool WaitForExit(TimeSpan timeout)
    {
        if (!_p.WaitForExit(timeout))
            return false;
        _p.WaitForExit();   // also waits for the redirected output to reach EOF
        return true;
    }

    /// <summary>Sends <paramref name="signal"/> (e.g. <see cref="SIGINT"/>, testpmd's clean stop) if still running.</summary>
    public void Signal(int signal)
    {
        if (!_p.HasExited)
            _ = SysKill(_p.Id, signal);
    }

    /// <summary>SIGKILL if still running, then waits for it.</summary>
    public void Kill()
    {
        try
        {
            if (!_p.HasExited)
                _p.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
        }
        _p.WaitForExit();
    }

    /// <summary>The command line and every line so far (the last <paramref name="maxLines"/>), for failure messages.</summary>
    public string Transcript(int maxLines = 400)
    {
        var lines = Lines;
        var sb = new StringBuilder();
        sb.Append("$ ").AppendLine(Command);
        if (lines.Count > maxLines)
            sb.AppendLine($"... ({lines.Count - maxLines} earlier lines not shown)");
        foreach (var l in lines.Skip(Math.Max(0, lines.Count - maxLines)))
            sb.Append($"{l.At.TotalSeconds,7:0.000}{(l.FromStdErr ? " ! " : "   ")}").AppendLine(l.Text);
        if (_p.HasExited)
            sb.AppendLine($"(exited with {_p.ExitCode})");
        return sb.ToString();
    }

    public void Dispose()
    {
        if (_disposed)
            return;
        _disposed = true;
        Kill();
        _p.Dispose();
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int SysKill(int pid, int signal);
}
