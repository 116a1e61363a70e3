using System.Runtime.InteropServices;

namespace XdpAot.Cli.Cli;

/// <summary>
/// SIGINT and SIGTERM ask the run to stop: loops see <see cref="Requested"/>, the main thread wakes from
/// <see cref="Wait"/>, and the summary is printed after everything is detached. A second signal while stopping
/// takes the default action (terminate; the BPF link goes with the process anyway), unless it comes within half a
/// second of the first: Ctrl-C under `xdpaot prepare` reaches the child twice, from the terminal and forwarded.
/// </summary>
internal sealed class StopSignal : IDisposable
{
    // No spinning before blocking: the main thread waits here while the loops spin on their cores, and a waiter
    // that spins (with sched_yield) takes turns with a loop on its core instead of sleeping.
    private readonly ManualResetEventSlim _event = new(false, spinCount: 0);
    private readonly List<PosixSignalRegistration> _registrations = [];
    private volatile bool _requested;
    private long _firstSignalTicks;

    public StopSignal()
    {
        _registrations.Add(PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal));
        _registrations.Add(PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal));
    }

    /// <summary>True once a signal arrived or <see cref="Request"/> was called.</summary>
    public bool Requested => _requested;

    /// <summary>The signal that stopped the run, if one did.</summary>
    public PosixSignal? Signal { get; private set; }

    /// <summary>Called for each signal before the stop is requested (e.g. to forward it to a child).</summary>
    public Action<PosixSignal>? OnSignalReceived { get; set; }

    public void Request()
    {
        _requested = true;
        _event.Set();
    }

    /// <summary>Waits up to <paramref name="timeoutMs"/> ms; true if a stop was requested.</summary>
    public bool Wait(int timeoutMs) => _event.Wait(timeoutMs);

    private void OnSignal(PosixSignalContext context)
    {
        if (_requested && Signal is not null)
        {
            // A repeat: the same Ctrl-C delivered twice is ignored, a later one terminates.
            context.Cancel = System.Diagnostics.Stopwatch.GetElapsedTime(_firstSignalTicks) < TimeSpan.FromMilliseconds(500);
            return;
        }
        context.Cancel = true;
        _firstSignalTicks = System.Diagnostics.Stopwatch.GetTimestamp();
        Signal = context.Signal;
        OnSignalReceived?.Invoke(context.Signal);
        Request();
    }

    public void Dispose()
    {
        foreach (var r in _registrations)
            r.Dispose();
        _registrations.Clear();
    }
}
