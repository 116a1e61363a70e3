using System.Runtime.InteropServices;

namespace XdpAot.Interop;

internal static unsafe partial class Libc
{
    internal const int PR_SET_TIMERSLACK = 29;

    [StructLayout(LayoutKind.Sequential)]
    internal struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [LibraryImport(Name, EntryPoint = "nanosleep", SetLastError = true)]
    internal static partial int NanoSleep(TimeSpec* request, TimeSpec* remaining);

    [LibraryImport(Name, EntryPoint = "prctl", SetLastError = true)]
    internal static partial int Prctl(int option, nuint arg2, nuint arg3, nuint arg4, nuint arg5);

    /// <summary>Sleeps on a timer (no wait queue involved) for <paramref name="nanoseconds"/>.</summary>
    internal static void SleepNanoseconds(long nanoseconds)
    {
        var t = new TimeSpec { Seconds = nanoseconds / 1_000_000_000, Nanoseconds = nanoseconds % 1_000_000_000 };
        NanoSleep(&t, null);
    }

    /// <summary>Sets the calling thread's timer slack (the default 50 µs would more than triple a 20 µs nap).</summary>
    internal static void SetTimerSlack(ulong nanoseconds) => Prctl(PR_SET_TIMERSLACK, (nuint)nanoseconds, 0, 0, 0);
}
