using System.Globalization;
using System.Text.RegularExpressions;

namespace XdpAot.Tests.Infrastructure;

/// <summary>
/// A QEMU guest (TCG) whose virtio-net device is served by a vhost-user back-end over a Unix socket. It boots the
/// test image (<see cref="GuestImage"/>), runs <see cref="GuestOptions.Script"/> and powers off. Its serial console
/// is read line by line: marker lines become <see cref="Results"/> and timestamped <see cref="Events"/>, and the
/// whole console goes into every failure message. Dispose kills QEMU and removes what it made.
/// </summary>
/// <example>
/// <code>
/// using var guest = QemuGuest.Start(new GuestOptions { SocketPath = sock, Script = "nettool raw-roundtrip -n 1000 -s 64" });
/// guest.WaitForExit(TimeSpan.FromSeconds(60));
/// Assert.Equal(1000, guest.Counter("raw-roundtrip.received"));
/// </code>
/// </example>
public sealed class QemuGuest : IDisposable
{
    private static int s_counter;

    private readonly LineProcess _qemu;
    private readonly GuestConsole _console;
    private readonly string _tempDir;
    private bool _disposed;

    private QemuGuest(GuestOptions options, GuestImage image, IReadOnlyList<string> args, LineProcess qemu, GuestConsole console, string tempDir)
    {
        Options = options;
        Image = image;
        Arguments = args;
        _qemu = qemu;
        _console = console;
        _tempDir = tempDir;
    }

    public GuestOptions Options { get; }

    public GuestImage Image { get; }

    /// <summary>QEMU's arguments (after the program name).</summary>
    public IReadOnlyList<string> Arguments { get; }

    public int Pid => _qemu.Pid;

    /// <summary>When QEMU was started (UTC). Event times are measured from here.</summary>
    public DateTime StartedAtUtc => _qemu.StartedAtUtc;

    /// <summary>Time since QEMU was started.</summary>
    public TimeSpan Elapsed => _qemu.Elapsed;

    public bool HasExited => _qemu.HasExited;

    /// <summary>XDPAOT-RESULT values so far.</summary>
    public IReadOnlyDictionary<string, string> Results => _console.Results;

    /// <summary>XDPAOT-EVENT names with the time since QEMU start they first appeared (init, modules, link-up,
    /// script-start, &lt;tag&gt;.first-rx, script-end, poweroff, …).</summary>
    public IReadOnlyDictionary<string, TimeSpan> Events => _console.Events;

    /// <summary>XDPAOT-ERROR lines: what /init could not do.</summary>
    public IReadOnlyList<string> Errors => _console.Errors;

    /// <summary>The command line and the whole console with arrival times (QEMU's stderr marked with '!').</summary>
    public string ConsoleLog => _qemu.Transcript(maxLines: 2000);

    /// <summary>Starts QEMU; in <see cref="GuestOptions.ServerMode"/> returns once it listens on the socket (start the
    /// back-end then), otherwise the back-end must already listen.</summary>
    public static QemuGuest Start(GuestOptions options)
    {
        if (!Tool.Exists(QemuArgs.Program))
        {
            throw new InvalidOperationException(
                $"{QemuArgs.Program} not found: install qemu-system-x86 from bookworm-backports (`dotnet pwsh build.ps1 setup`)");
        }
        var image = GuestImage.Get();
        string tempDir = Path.Combine(Path.GetTempPath(), $"xdpaot-guest-{Environment.ProcessId}-{Interlocked.Increment(ref s_counter)}");
        Directory.CreateDirectory(tempDir);
        try
        {
            string? scriptFile = null;
            if (options.Script is not null)
            {
                scriptFile = Path.Combine(tempDir, "script.sh");
                File.WriteAllText(scriptFile, options.Script.ReplaceLineEndings("\n") + "\n");
            }
            var args = QemuArgs.Build(options, image, scriptFile);
            var console = new GuestConsole();
            var qemu = LineProcess.Start(QemuArgs.Program, args, observer: line => console.Add(line.At, line.Text));
            var guest = new QemuGuest(options, image, args, qemu, console, tempDir);
            if (options.ServerMode)
                guest.WaitUntilListening(TimeSpan.FromSeconds(30));
            return guest;
        }
        catch
        {
            Directory.Delete(tempDir, recursive: true);
            throw;
        }
    }

    /// <summary>Server mode: QEMU creates the socket before the guest runs, and the back-end may connect from then on.</summary>
    private void WaitUntilListening(TimeSpan timeout)
    {
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (!File.Exists(Options.SocketPath))
        {
            if (_qemu.HasExited || waited.Elapsed > timeout)
            {
                string log = ConsoleLog;
                Dispose();
                throw new InvalidOperationException($"guest: QEMU did not listen on {Options.SocketPath} within {timeout.TotalSeconds:0} s{ExitNote()}\n{log}");
            }
            Thread.Sleep(20);
        }
    }

    /// <summary>The first console line matching <paramref name="pattern"/> (a regex); throws with the console on timeout or exit.</summary>
    public OutputLine WaitForLine(string pattern, TimeSpan timeout)
    {
        var regex = new Regex(pattern, RegexOptions.CultureInvariant);
        return _qemu.WaitForLine(l => regex.IsMatch(l.Text), timeout)
            ?? throw new TimeoutException($"guest: no console line matching /{pattern}/ within {timeout.TotalSeconds:0} s{ExitNote()}\n{ConsoleLog}");
    }

    /// <summary>Waits for XDPAOT-EVENT <paramref name="name"/>; returns when it appeared (since QEMU start).</summary>
    public TimeSpan WaitForEvent(string name, TimeSpan timeout)
    {
        var line = _qemu.WaitForLine(l => GuestConsole.IsEvent(l.Text, name), timeout)
            ?? throw new TimeoutException($"guest: no XDPAOT-EVENT {name} within {timeout.TotalSeconds:0} s{ExitNote()}\n{ConsoleLog}");
        return line.At;
    }

    /// <summary>Waits for QEMU to exit (the guest powers off after its script); returns QEMU's exit code.
    /// On timeout QEMU is killed and this throws with the console.</summary>
    public int WaitForExit(TimeSpan timeout)
    {
        if (!_qemu.WaitForExit(timeout))
        {
            _qemu.Kill();
            throw new TimeoutException($"guest: still running after {timeout.TotalSeconds:0} s (killed)\n{ConsoleLog}");
        }
        return _qemu.ExitCode;
    }

    /// <summary>An XDPAOT-RESULT value; throws with the console when the guest never reported it.</summary>
    public string Result(string key) => Results.TryGetValue(key, out var v)
        ? v
        : throw new KeyNotFoundException($"guest: no XDPAOT-RESULT {key}=…{ExitNote()}\n{ConsoleLog}");

    /// <summary>An XDPAOT-RESULT value as a number.</summary>
    public long Counter(string key)
    {
        string v = Result(key);
        return long.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out long n)
            ? n
            : throw new FormatException($"guest: XDPAOT-RESULT {key}={v} is not a number\n{ConsoleLog}");
    }

    private string ExitNote() => _qemu.HasExited ? $" (QEMU exited with {_qemu.ExitCode})" : "";

    public void Dispose()
    {
        if (_disposed)
            return;
        _disposed = true;
        _qemu.Dispose();
        // In server mode the listening socket is QEMU's; a killed QEMU leaves it behind.
        if (Options.ServerMode)
            File.Delete(Options.SocketPath);
        Directory.Delete(_tempDir, recursive: true);
    }
}
