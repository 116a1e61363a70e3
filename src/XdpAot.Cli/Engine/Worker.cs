using XdpAot.Interop;
using System.Diagnostics;
using System.Runtime.InteropServices;
using XdpAot.Cli.Cli;
using XdpAot.Cli.Interop;
using XdpAot.Ports;

namespace XdpAot.Cli.Engine;

/// <summary>What a loop does when a pass over its rings found little or nothing to do.</summary>
internal enum IdleMode
{
    /// <summary>
    /// After a pass that found less than half a batch, sleep <see cref="Worker.NapNanoseconds"/> on a timer. Under load
    /// the loop then takes frames in batches instead of one or two at a time, and between passes leaves alone the
    /// ring lines the kernel writes on the sender's CPU; when idle it uses almost no CPU. The sleep involves no
    /// socket wait queue, so unlike poll() it costs the sender nothing. Costs up to ~20 us of latency at low rates.
    /// </summary>
    Nap,

    /// <summary>Poll the rings again at once, as xdpsock and the C reference do: one core at 100%, lowest latency.</summary>
    Spin,

    /// <summary>Sleep in poll() until the socket is readable (or 20 ms pass): for shared CPUs, e.g. the demo.</summary>
    Poll,
}

/// <summary>
/// The counters a loop publishes for the main thread (live line, measurement window). Written by the loop with
/// plain stores once per batch; read by the main thread with volatile loads; 64-bit loads do not tear on x64.
/// Each worker has its own instance, its fields a cache line away from anything else on the heap, so two loops
/// never share a line.
/// </summary>
[StructLayout(LayoutKind.Explicit, Size = 192)]
internal sealed class WorkerProgress
{
    [FieldOffset(64)] public long Frames;
    [FieldOffset(72)] public long Bytes;
    [FieldOffset(80)] public long FirstFrameTicks;
    [FieldOffset(88)] public volatile bool Finished;
}

/// <summary>
/// One I/O thread that owns one queue (or a queue pair, for fwd) for its whole life. Subclasses write the hot
/// loop in <see cref="Run"/>: batches of up to 64, no allocation, checks of <see cref="StopRequested"/> once per
/// batch. Kernel statistics are sampled by the thread itself a few times a second, since a queue is used by one
/// thread at a time.
/// </summary>
internal abstract class Worker
{
    private static readonly long s_statsInterval = Stopwatch.Frequency / 4;

    private readonly int? _cpu;
    private readonly Queue[] _queues;
    private readonly QueueStatistics[] _stats;
    private int _statsVersion; // odd while the loop writes _stats (a seqlock: no lock, no allocation in the loop)
    private readonly Libc.PollFd[] _pollFds;
    private Thread? _thread;
    private volatile bool _stop;
    private long _nextStats;

    protected Worker(string name, Queue[] queues, int? cpu, IdleMode idle)
    {
        Name = name;
        _queues = queues;
        _cpu = cpu;
        Idle = idle;
        _stats = new QueueStatistics[queues.Length];
        _pollFds = new Libc.PollFd[queues.Length];
        for (int i = 0; i < queues.Length; i++)
            _pollFds[i].Fd = queues[i].Fd;
    }

    /// <summary>For messages: interface and queue.</summary>
    public string Name { get; }

    public IReadOnlyList<Queue> Queues => _queues;

    public IdleMode Idle { get; }

    public WorkerProgress Progress { get; } = new();

    /// <summary>Set when the loop failed; the run stops and reports it.</summary>
    public Exception? Error { get; private set; }

    protected bool StopRequested => _stop;

    public void Start()
    {
        _thread = new Thread(Main) { Name = Name, IsBackground = true };
        _thread.Start();
    }

    public void RequestStop() => _stop = true;

    public void Join() => _thread?.Join();

    /// <summary>The latest kernel statistics per queue, as sampled by the loop (a consistent copy).</summary>
    public QueueStatistics[] SampledStatistics()
    {
        var copy = new QueueStatistics[_stats.Length];
        while (true)
        {
            int before = Volatile.Read(ref _statsVersion);
            if ((before & 1) == 0)
            {
                _stats.CopyTo(copy, 0);
                Interlocked.MemoryBarrier();
                if (Volatile.Read(ref _statsVersion) == before)
                    return copy;
            }
            Thread.Yield();
        }
    }

    /// <summary>Bytes the loop allocated on its thread (0: no allocation per frame, as the hot-path rules ask).</summary>
    public long LoopAllocatedBytes { get; private set; }

    /// <summary>Final statistics: call after <see cref="Join"/>, when the queues belong to the caller again.</summary>
    public QueueStatistics[] FinalStatistics()
    {
        var s = new QueueStatistics[_queues.Length];
        for (int i = 0; i < s.Length; i++)
            s[i] = _queues[i].GetStatistics();
        return s;
    }

    /// <summary>How long <see cref="IdleMode.Nap"/> sleeps: at 1 Mpps, 20 frames; the RX ring holds 2048.</summary>
    public const long NapNanoseconds = 20_000;

    /// <summary>A pass that finds fewer frames than this naps (<see cref="IdleMode.Nap"/>): half a batch.</summary>
    public const int NapBelow = Queue.MaxBatch / 2;

    private void Main()
    {
        try
        {
            if (_cpu is { } cpu)
                CpuSet.PinCurrentThread(cpu, Name);
            // The default timer slack (50 us) would more than triple a nap.
            if (Idle == IdleMode.Nap)
                Libc.SetTimerSlack(1000);
            SampleStatistics();
            long allocated = GC.GetAllocatedBytesForCurrentThread();
            Run();
            LoopAllocatedBytes = GC.GetAllocatedBytesForCurrentThread() - allocated;
        }
        catch (Exception e)
        {
            Error = e;
        }
        finally
        {
            Progress.Finished = true;
        }
    }

    /// <summary>The loop: returns when <see cref="StopRequested"/> or when its work is done (--count).</summary>
    protected abstract void Run();

    /// <summary>Publishes the running totals; the first call with frames marks the time of the first frame.</summary>
    protected void Publish(long frames, long bytes)
    {
        Progress.Frames = frames;
        Progress.Bytes = bytes;
        if (Progress.FirstFrameTicks == 0 && frames != 0)
            Volatile.Write(ref Progress.FirstFrameTicks, Stopwatch.GetTimestamp());
        long now = Stopwatch.GetTimestamp();
        if (now >= _nextStats)
            SampleStatistics();
    }

    /// <summary>
    /// The batch to work on now: <see cref="Queue.MaxBatch"/>, or what --count still allows. 0 means wait, or stop
    /// when <see cref="FrameQuota.Done"/>.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    protected static int Batch(FrameQuota? quota) => quota is null ? Queue.MaxBatch : quota.Take(Queue.MaxBatch);

    /// <summary>At the end of a loop: kicks until every queue's TX ring is empty (at most a second).</summary>
    protected void DrainTx()
    {
        long deadline = Stopwatch.GetTimestamp() + Stopwatch.Frequency;
        while (true)
        {
            int inFlight = 0;
            for (int i = 0; i < _queues.Length; i++)
                inFlight += _queues[i].Flush();
            if (inFlight == 0 || Stopwatch.GetTimestamp() > deadline)
                return;
            Thread.Yield();
        }
    }

    /// <summary>A pass moved <paramref name="found"/> frames (more than 0): in nap mode, a short batch naps.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    protected void AfterPass(int found)
    {
        if (Idle == IdleMode.Nap && found < NapBelow)
            Nap();
    }

    private static unsafe void Nap()
    {
        Libc.SleepNanoseconds(NapNanoseconds);
    }

    /// <summary>Nothing to do this pass: spin on, nap, or sleep in poll() until a socket has work.</summary>
    protected unsafe void WaitForWork()
    {
        if (Stopwatch.GetTimestamp() >= _nextStats)
            SampleStatistics();
        if (Idle == IdleMode.Spin)
            return;
        if (Idle == IdleMode.Nap)
        {
            Nap();
            return;
        }
        for (int i = 0; i < _pollFds.Length; i++)
        {
            _pollFds[i].Events = _queues[i].Wants();
            _pollFds[i].REvents = 0;
        }
        fixed (Libc.PollFd* fds = _pollFds)
            Libc.Poll(fds, (nuint)_pollFds.Length, 20);
    }

    private void SampleStatistics()
    {
        _nextStats = Stopwatch.GetTimestamp() + s_statsInterval;
        Volatile.Write(ref _statsVersion, _statsVersion + 1);
        Interlocked.MemoryBarrier();
        for (int i = 0; i < _stats.Length; i++)
            _stats[i] = _queues[i].GetStatistics();
        Volatile.Write(ref _statsVersion, _statsVersion + 1);
    }
}
