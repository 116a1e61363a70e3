using XdpAot.Interop;
using System.Globalization;
using XdpAot.Cli.Interop;

namespace XdpAot.Cli.Cli;

/// <summary>
/// <c>--cpu 1</c>, <c>--cpu 0,2</c>, <c>--cpu 0-3</c>: the CPUs the I/O threads are pinned to, the i-th thread
/// to the i-th CPU of the list (wrapping around).
/// </summary>
internal sealed class CpuSet
{
    private readonly int[] _cpus;

    private CpuSet(int[] cpus) => _cpus = cpus;

    public int Count => _cpus.Length;

    public int this[int thread] => _cpus[thread % _cpus.Length];

    public static CpuSet? Parse(string? text)
    {
        if (text is null)
            return null;
        var cpus = new List<int>();
        foreach (var part in text.Split(','))
        {
            int dash = part.IndexOf('-');
            if (dash > 0)
            {
                int lo = Cpu(part[..dash], text), hi = Cpu(part[(dash + 1)..], text);
                if (hi < lo)
                    throw new UsageException($"--cpu '{text}': range {part} is backwards");
                for (int c = lo; c <= hi; c++)
                    cpus.Add(c);
            }
            else
            {
                cpus.Add(Cpu(part, text));
            }
        }
        return new CpuSet([.. cpus]);
    }

    private static int Cpu(string s, string whole)
    {
        if (!int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out int c) || c > 1023)
            throw new UsageException($"--cpu '{whole}': '{s}' is not a CPU number (0..1023)");
        return c;
    }

    /// <summary>Pins the calling thread (sched_setaffinity with pid 0 acts on the calling thread only).</summary>
    public static unsafe void PinCurrentThread(int cpu, string who)
    {
        ulong* mask = stackalloc ulong[16];
        new Span<ulong>(mask, 16).Clear();
        mask[cpu / 64] = 1UL << (cpu % 64);
        if (Libc.SchedSetAffinity(0, 16 * sizeof(ulong), mask) != 0)
        {
            int errno = Libc.Errno;
            throw new RunFailure($"{who}: cannot pin to cpu {cpu} (--cpu): {Libc.StrError(errno)}");
        }
    }
}
