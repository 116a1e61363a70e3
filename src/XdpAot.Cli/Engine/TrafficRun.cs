using System.Diagnostics;
using XdpAot.Cli.Cli;
using XdpAot.Cli.Interop;
using XdpAot.Cli.Reporting;
using XdpAot.Ports;

namespace XdpAot.Cli.Engine;

/// <summary>How a run is timed (see <see cref="TrafficRun"/>).</summary>
internal sealed record RunSettings
{
    /// <summary>Seconds to measure; 0 = until a signal, --count, or the work ends.</summary>
    public double Duration { get; init; }

    /// <summary>Seconds of traffic before the measurement starts.</summary>
    public double Warmup { get; init; }

    /// <summary>Give up (exit 1) when no frame arrived within this many seconds; null waits forever.</summary>
    public double? WaitSeconds { get; init; }

    /// <summary>sink/reflect/fwd: the clock starts at the first frame (gen and the demo start at once).</summary>
    public bool StartOnFirstFrame { get; init; }

    /// <summary>Print a line per second.</summary>
    public bool Live { get; init; }

    public TextWriter LiveOut { get; init; } = Console.Out;

    /// <summary>
    /// With --count: stop (reason "idle") when frames have flowed but none came for this long, since the count
    /// will never be reached; null keeps waiting.
    /// </summary>
    public double? IdleTimeout { get; init; }

    /// <summary>Demo: after the first stage stops, let frames in flight reach the later stages for this long.</summary>
    public double DrainSeconds { get; init; }
}

/// <summary>One stage's share of a run.</summary>
internal sealed record StageResult(Stage Stage, long Frames, long Bytes, long TotalFrames, long TotalBytes, QueueStatistics[] PerQueue)
{
    public QueueStatistics Total => Stage.Sum(PerQueue);
}

/// <summary>What a run measured: the window's frames per stage, its length and the CPU time spent in it.</summary>
internal sealed record RunResult(
    double Seconds, double UserSeconds, double SystemSeconds, StageResult[] Stages, double ReadyMs, double? FirstFrameMs, string StopReason);

/// <summary>
/// Runs stages of workers and measures them, as the C reference does: wait for traffic (sink/reflect/fwd), warm
/// up, then measure for --duration; a signal, --count or the end of the work ends it early. The measurement
/// window's frame counts, wall time and getrusage(RUSAGE_SELF) CPU time are all sampled at the same instants by
/// this (mostly sleeping) thread, so its polling does not blur them. <c>activate</c> steers traffic to the ports
/// once the loops run, and <c>deactivate</c> stops it before they stop, so that neither end of a run makes the
/// kernel drop frames for want of a reader.
/// </summary>
internal sealed class TrafficRun(
    IReadOnlyList<Stage> stages, RunSettings settings, StopSignal stop, Action? activate = null, Action? deactivate = null)
{
    private enum Phase { Wait, Warmup, Measure }

    private readonly record struct Sample(long Ticks, (long Frames, long Bytes)[] Stages, double User, double System);

    private Phase _phase = Phase.Wait;
    private long _ready;
    private long _phaseStart;
    private Sample? _start;
    private long _lastFrames;
    private long _lastFrameTicks;

    public RunResult Run()
    {
        _ready = _phaseStart = _lastFrameTicks = Stopwatch.GetTimestamp();
        // gen and the demo measure from before their threads start, so a --count run counts every frame.
        if (!settings.StartOnFirstFrame)
            Begin(_ready);
        var live = settings.Live ? new LiveLine(settings.LiveOut, stages) : null;
        if (live is not null)
        {
            var s0 = _start ?? Take();
            live.Start(s0.Ticks, s0.Stages);
        }
        foreach (var s in stages)
            foreach (var w in s.Workers)
                w.Start();
        if (activate is not null)
            Activate(activate);

        string? reason;
        Sample? end = null;
        long nextLive = _ready + Stopwatch.Frequency;
        while (true)
        {
            stop.Wait(SleepMs(Stopwatch.GetTimestamp(), nextLive));
            long now = Stopwatch.GetTimestamp();
            reason = ReasonToStop(now);
            if (reason is not null)
                break;
            if (Advance(now))
            {
                end = Take();
                reason = "duration";
                break;
            }
            if (live is not null && now >= nextLive)
            {
                var sample = Take();
                live.Print(sample.Ticks, sample.Stages);
                nextLive += Stopwatch.Frequency;
            }
        }

        // Stopped early (signal, --count, failure): the window ends now; before it began it is empty.
        if (_phase != Phase.Measure)
            _start = end = Take();
        end ??= Take();
        StopAll();
        if (FirstError() is { } error)
            throw error;
        if (reason == "no traffic")
            throw new RunFailure(settings.StartOnFirstFrame
                ? $"no frames received on {stages[0].Where} within {settings.WaitSeconds:0.#} s"
                : $"no frame could be sent on {stages[0].Where} within {settings.WaitSeconds:0.#} s");
        return Result(_start!.Value, end.Value, _ready, reason);
    }

    /// <summary>
    /// Steers traffic to the ports now that the loops poll them. The wait for the first frame counts from here:
    /// attaching is part of getting ready.
    /// </summary>
    private void Activate(Action activate)
    {
        try
        {
            activate();
        }
        catch
        {
            StopAll();
            throw;
        }
        if (settings.StartOnFirstFrame)
            _ready = _phaseStart = _lastFrameTicks = Stopwatch.GetTimestamp();
    }

    /// <summary>
    /// How long the main thread sleeps: to its next deadline (the live line, the end of the warm-up or of the
    /// measurement), and at most <see cref="MaxSleepMs"/>, to notice soon a loop that finished or failed. Each wake-up
    /// takes the CPU from a spinning loop or from the peer for a moment, so it wakes as seldom as that allows.
    /// </summary>
    private int SleepMs(long now, long nextLive)
    {
        long deadline = now + MaxSleepMs * Stopwatch.Frequency / 1000;
        if (settings.Live && nextLive < deadline)
            deadline = nextLive;
        long phaseEnd = _phase switch
        {
            Phase.Warmup => _phaseStart + (long)(settings.Warmup * Stopwatch.Frequency),
            Phase.Measure when settings.Duration > 0 => _start!.Value.Ticks + (long)(settings.Duration * Stopwatch.Frequency),
            _ => long.MaxValue,
        };
        if (phaseEnd < deadline)
            deadline = phaseEnd;
        return (int)Math.Clamp((deadline - now) * 1000 / Stopwatch.Frequency + 1, 1, MaxSleepMs);
    }

    private const int MaxSleepMs = 50;

    /// <summary>Why the run must end now, or null: a failed loop, a signal, work done, traffic gone or never come.</summary>
    private string? ReasonToStop(long now)
    {
        if (FirstError() is not null)
            return "error";
        if (stop.Requested)
            return stop.Signal is { } sig ? sig.ToString() : "stopped";
        if (stages.Any(s => s.AllFinished))
            return "done";
        long frames = stages[0].Totals().Frames;
        if (frames != _lastFrames)
        {
            _lastFrames = frames;
            _lastFrameTicks = now;
        }
        else if (frames != 0 && settings.IdleTimeout is { } idle && now - _lastFrameTicks > idle * Stopwatch.Frequency)
        {
            return "idle";
        }
        if (frames == 0 && settings.WaitSeconds is { } wait && now - _ready > wait * Stopwatch.Frequency)
            return "no traffic";
        return null;
    }

    /// <summary>Moves through wait, warm-up and measurement; true when the measurement's --duration is over.</summary>
    private bool Advance(long now)
    {
        switch (_phase)
        {
            case Phase.Wait when stages[0].FirstFrameTicks() != 0:
                Begin(now);
                return false;
            case Phase.Warmup when now - _phaseStart >= settings.Warmup * Stopwatch.Frequency:
                _phaseStart = now;
                _phase = Phase.Measure;
                _start = Take();
                return false;
            case Phase.Measure:
                return settings.Duration > 0 && now - _start!.Value.Ticks >= settings.Duration * Stopwatch.Frequency;
            default:
                return false;
        }
    }

    /// <summary>Traffic has started (or, for gen, the run has): warm up, or measure at once.</summary>
    private void Begin(long now)
    {
        _phaseStart = now;
        if (settings.Warmup > 0)
        {
            _phase = Phase.Warmup;
        }
        else
        {
            _phase = Phase.Measure;
            _start = Take();
        }
    }

    private void StopAll()
    {
        // Traffic first: frames steered to a socket whose loop has stopped would be dropped, and counted as ours.
        deactivate?.Invoke();
        if (settings.DrainSeconds > 0 && stages.Count > 1)
        {
            stages[0].RequestStop();
            stages[0].Join();
            Thread.Sleep(TimeSpan.FromSeconds(settings.DrainSeconds));
        }
        foreach (var s in stages)
            s.RequestStop();
        foreach (var s in stages)
            s.Join();
    }

    private Exception? FirstError()
    {
        foreach (var s in stages)
            foreach (var w in s.Workers)
                if (w.Error is { } e)
                    return e;
        return null;
    }

    private Sample Take()
    {
        var (user, sys) = Posix.CpuTimes();
        var totals = new (long, long)[stages.Count];
        for (int i = 0; i < stages.Count; i++)
            totals[i] = stages[i].Totals();
        return new Sample(Stopwatch.GetTimestamp(), totals, user, sys);
    }

    private RunResult Result(Sample start, Sample end, long ready, string reason)
    {
        var results = new StageResult[stages.Count];
        for (int i = 0; i < stages.Count; i++)
        {
            var (frames, bytes) = stages[i].Totals();
            var perQueue = stages[i].Workers.SelectMany(w => w.FinalStatistics()).ToArray();
            results[i] = new StageResult(stages[i],
                end.Stages[i].Frames - start.Stages[i].Frames, end.Stages[i].Bytes - start.Stages[i].Bytes, frames, bytes, perQueue);
        }
        long first = stages[0].FirstFrameTicks();
        return new RunResult(
            (double)(end.Ticks - start.Ticks) / Stopwatch.Frequency,
            end.User - start.User,
            end.System - start.System,
            results,
            Program.MillisecondsSinceStart(ready),
            first == 0 ? null : Program.MillisecondsSinceStart(first),
            reason);
    }
}
