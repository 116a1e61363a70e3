using System.Diagnostics;
using System.Runtime.InteropServices;
using XdpAot.Interop;
using XdpAot.Ports;
using XdpAot.Vhost.Virtio;

namespace XdpAot.Vhost.Bridge;

/// <summary>
/// The thread of one guest queue pair. It owns, for as long as its current <see cref="PairPlan"/> lasts, the pair's two
/// guest rings and the AF_XDP queues the plan gives it, runs <see cref="PairMover.Pass"/> over them, and between
/// bursts spins briefly, then sleeps until a kick, a frame or room to send. The control thread hands it a new plan only
/// through <see cref="Pause"/> and <see cref="Resume"/>; nothing else is shared but the counters.
/// </summary>
public sealed unsafe class PairWorker : IDisposable
{
    /// <summary>How long <see cref="WaitMode.Nap"/> sleeps.</summary>
    public const long NapNanoseconds = 20_000;

    private static readonly TimeSpan PauseTimeout = TimeSpan.FromSeconds(10);

    private readonly int? _cpu;
    private readonly WaitMode _mode;
    private readonly long _spinTicks;
    private readonly int _controlFd;
    private readonly ManualResetEventSlim _paused = new(false, 0);
    private readonly ManualResetEventSlim _resume = new(false, 0);
    private readonly PairMover _mover = new();
    private Thread? _thread;
    private volatile bool _pauseRequested;
    private volatile bool _stopRequested;
    private PairPlan _plan;
    private PairPlan _nextPlan;
    private long _lastWork;

    /// <param name="pair">The queue pair served.</param>
    /// <param name="cpu">Pin the thread to this CPU.</param>
    /// <param name="mode">What to do when there is nothing to move.</param>
    /// <param name="spinMicroseconds">In <see cref="WaitMode.Poll"/>: how long to keep polling after the last work before sleeping.</param>
    public PairWorker(int pair, int? cpu, WaitMode mode, int spinMicroseconds = 20)
    {
        Pair = pair;
        _cpu = cpu;
        _mode = mode;
        _spinTicks = spinMicroseconds * Stopwatch.Frequency / 1_000_000;
        _plan = _nextPlan = PairPlan.Idle(pair);
        _controlFd = Libc.EventFd(0, Libc.EFD_CLOEXEC | Libc.EFD_NONBLOCK);
        if (_controlFd < 0)
            throw new XdpException(-Libc.Errno, $"vhost queue pair {pair}: eventfd failed: {Libc.StrError(Libc.Errno)}");
    }

    /// <summary>The queue pair.</summary>
    public int Pair { get; }

    /// <summary>A copy of the counters (each whole; see <see cref="BridgeCounters"/>).</summary>
    public BridgeCounters Counters => _mover.Counters;

    /// <summary>The plan being worked on.</summary>
    public PairPlan Plan => _plan;

    /// <summary>Set when the loop failed; it then stops.</summary>
    public Exception? Error { get; private set; }

    /// <summary>Bytes the loop allocated moving frames and waiting, outside the control handoffs, as of its last pause (0: the hot-path rule).</summary>
    public long AllocatedBytes => Volatile.Read(ref _allocated);

    private long _allocated;

    /// <summary>Starts the thread with an idle plan.</summary>
    public void Start()
    {
        _thread = new Thread(Main) { Name = $"vhost pair {Pair}", IsBackground = true };
        _thread.Start();
    }

    /// <summary>
    /// Stops the loop at the end of its current pass and waits until it is parked: its rings' used entries are all
    /// published and it touches nothing of its plan until <see cref="Resume"/>. Called by the control thread only.
    /// </summary>
    public void Pause()
    {
        if (_thread is null || Error is not null || !_thread.IsAlive)
            return;
        _paused.Reset();
        _pauseRequested = true;
        Libc.SignalEventFd(_controlFd);
        if (!_paused.Wait(PauseTimeout))
            throw new XdpException(-Errno.EBUSY, $"vhost queue pair {Pair}: the worker did not pause within {PauseTimeout.TotalSeconds} s");
    }

    /// <summary>Hands the parked worker its next plan and lets it run.</summary>
    public void Resume(PairPlan plan)
    {
        _nextPlan = plan;
        if (_thread is null || !_thread.IsAlive)
        {
            _plan = plan;
            return;
        }
        _pauseRequested = false;
        _resume.Set();
    }

    private void Main()
    {
        var waits = new WaitSet($"vhost queue pair {Pair}");
        try
        {
            if (_cpu is { } cpu)
                PinTo(cpu);
            if (_mode == WaitMode.Nap)
                Libc.SetTimerSlack(1000);
            waits.Want(_controlFd, Libc.EPOLLIN);
            long start = GC.GetAllocatedBytesForCurrentThread();
            Loop(waits, start);
        }
        catch (Exception e)
        {
            Error = e;
            _paused.Set(); // a control thread waiting for a pause must not wait for a dead loop
        }
        finally
        {
            waits.Dispose();
        }
    }

    private void Loop(WaitSet waits, long allocationBase)
    {
        Span<int> ready = stackalloc int[16];
        _lastWork = Stopwatch.GetTimestamp();
        while (true)
        {
            if (_pauseRequested)
            {
                // The handoff is control path: what it allocates is not counted against the loop.
                long pausedAt = GC.GetAllocatedBytesForCurrentThread();
                Volatile.Write(ref _allocated, pausedAt - allocationBase);
                waits.Clear(keep: _controlFd);
                _paused.Set();
                _resume.Wait();
                _resume.Reset();
                if (_stopRequested)
                    return;
                allocationBase += GC.GetAllocatedBytesForCurrentThread() - pausedAt;
                _plan = _nextPlan;
                _mover.ResetWaits();
                _lastWork = Stopwatch.GetTimestamp();
                continue;
            }
            int work = _mover.Pass(_plan);
            if (work != 0)
            {
                _lastWork = Stopwatch.GetTimestamp();
                if (_mode == WaitMode.Nap && work < Queue.MaxBatch / 2)
                    Nap();
                continue;
            }
            switch (_mode)
            {
                case WaitMode.Spin:
                    break;
                case WaitMode.Nap:
                    Nap();
                    break;
                default:
                    if (Stopwatch.GetTimestamp() - _lastWork >= _spinTicks)
                        Sleep(_plan, waits, ready);
                    break;
            }
        }
    }

    /// <summary>
    /// Nothing moved for a while: ask for kicks where we are waiting for the guest, look once more (a buffer posted
    /// before the guest saw the request gets no kick), then sleep in epoll until a kick, a frame, room to send, or a
    /// new plan.
    /// </summary>
    private void Sleep(PairPlan plan, WaitSet waits, Span<int> ready)
    {
        var tx = plan.Tx;
        var rx = plan.Rx;
        bool waitTxKick = tx is not null && !tx.Broken && !_mover.TxBlocked;
        bool waitRxKick = rx is not null && !rx.Broken && plan.RxEnabled && _mover.RxStarved;
        if (waitTxKick)
            tx!.EnableKicks();
        if (waitRxKick)
            rx!.EnableKicks();
        bool more = (waitTxKick && tx!.Available() != 0) || (waitRxKick && rx!.Available() != 0);
        if (!more)
        {
            Span<int> wanted = stackalloc int[8];
            int n = 0;
            wanted[n++] = _controlFd;
            if (waitTxKick && plan.TxKickFd >= 0)
                waits.Want(wanted[n++] = plan.TxKickFd, Libc.EPOLLIN);
            if (waitRxKick && plan.RxKickFd >= 0)
                waits.Want(wanted[n++] = plan.RxKickFd, Libc.EPOLLIN);
            bool canDeliver = plan.DropRx || (rx is not null && plan.RxEnabled && !_mover.RxStarved);
            bool txWaits = _mover.TxBlocked || (plan.TxPort?.TxOutstanding ?? 0) != 0;
            foreach (var q in plan.RxPorts)
            {
                if (n == wanted.Length)
                    break;
                uint events = canDeliver ? Libc.EPOLLIN : 0;
                if (q == plan.TxPort && txWaits)
                    events |= Libc.EPOLLOUT;
                if (events != 0 && q.Fd >= 0)
                    waits.Want(wanted[n++] = q.Fd, events);
            }
            if (plan.TxPort is { } txq && Array.IndexOf(plan.RxPorts, txq) < 0 && txWaits && txq.Fd >= 0 && n < wanted.Length)
                waits.Want(wanted[n++] = txq.Fd, Libc.EPOLLOUT);
            waits.KeepOnly(wanted[..n]);
            // A ring without a kick fd (the front-end said "poll") cannot wake us: look again soon.
            bool mustPoll = (waitTxKick && plan.TxKickFd < 0) || (waitRxKick && plan.RxKickFd < 0);
            int got = waits.Wait(mustPoll ? 1 : 1000, ready);
            _mover.CountWakeup();
            for (int i = 0; i < got; i++)
            {
                int fd = ready[i];
                if (fd == plan.TxKickFd || fd == plan.RxKickFd)
                {
                    if (Libc.DrainEventFd(fd))
                        _mover.CountKick();
                }
                else if (fd == _controlFd)
                {
                    Libc.DrainEventFd(fd);
                }
            }
        }
        if (waitTxKick)
            tx!.DisableKicks();
        if (waitRxKick)
            rx!.DisableKicks();
        // Try TX again: room may have appeared (a starved RX ring tries again by itself once it has buffers).
        _mover.RetryTx();
        _lastWork = Stopwatch.GetTimestamp();
    }

    private static void Nap() => Libc.SleepNanoseconds(NapNanoseconds);

    /// <summary>Stops the thread (it finishes its pass) and waits for it.</summary>
    public void Stop()
    {
        if (_thread is null)
            return;
        _stopRequested = true;
        _pauseRequested = true;
        Libc.SignalEventFd(_controlFd);
        _resume.Set();
        _thread.Join();
        _thread = null;
    }

    /// <summary>Stops the thread and frees its memory.</summary>
    public void Dispose()
    {
        Stop();
        Libc.Close(_controlFd);
        _mover.Dispose();
        _paused.Dispose();
        _resume.Dispose();
    }

    private void PinTo(int cpu)
    {
        ulong* mask = stackalloc ulong[16];
        new Span<ulong>(mask, 16).Clear();
        mask[cpu / 64] = 1UL << (cpu % 64);
        if (Libc.SchedSetAffinity(0, 16 * sizeof(ulong), mask) != 0)
            throw new XdpException(-Libc.Errno, $"vhost queue pair {Pair}: cannot pin to cpu {cpu} (--cpu): {Libc.StrError(Libc.Errno)}");
    }
}
