using System.Globalization;
using XdpAot.Interop;

namespace XdpAot.Umem;

/// <summary>
/// UMEM pages are pinned and charged to RLIMIT_MEMLOCK unless the process has CAP_IPC_LOCK. Checking before
/// registering turns the kernel's bare ENOBUFS into a message that says what to change.
/// </summary>
public static unsafe class MemoryLimits
{
    private const int CAP_IPC_LOCK = 14;

    /// <summary>True if the process has CAP_IPC_LOCK in its effective set (locked memory is then not charged).</summary>
    public static bool HasIpcLock()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/self/status"))
            {
                if (line.StartsWith("CapEff:", StringComparison.Ordinal))
                {
                    ulong caps = ulong.Parse(line.AsSpan(7).Trim(), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
                    return (caps & (1UL << CAP_IPC_LOCK)) != 0;
                }
            }
        }
        catch (IOException)
        {
        }
        return false;
    }

    /// <summary>The soft RLIMIT_MEMLOCK in bytes; null when unlimited.</summary>
    public static ulong? MemlockLimit()
    {
        Libc.RLimit r;
        if (Libc.GetRlimit(Libc.RLIMIT_MEMLOCK, &r) != 0 || r.Current == ulong.MaxValue)
            return null;
        return r.Current;
    }

    /// <summary>A one-line description of the limit in force.</summary>
    public static string Describe()
    {
        if (HasIpcLock())
            return "process has CAP_IPC_LOCK, not charged";
        return MemlockLimit() is { } limit ? $"RLIMIT_MEMLOCK is {FormatBytes(limit)}" : "RLIMIT_MEMLOCK is unlimited";
    }

    /// <summary>
    /// Throws (-ENOBUFS) when <paramref name="queues"/> UMEMs of <paramref name="bytesPerQueue"/> cannot be locked,
    /// naming the limit, the size needed and the options that shrink it.
    /// </summary>
    public static void EnsureUmemFits(string ifName, ulong bytesPerQueue, int queues, uint frameCount, uint frameSize) =>
        EnsureUmemFits(ifName, bytesPerQueue, queues, frameCount, frameSize, HasIpcLock(), MemlockLimit());

    internal static void EnsureUmemFits(string ifName, ulong bytesPerQueue, int queues, uint frameCount, uint frameSize,
        bool hasIpcLock, ulong? memlockLimit)
    {
        if (hasIpcLock || memlockLimit is not { } limit)
            return;
        ulong needed = bytesPerQueue * (ulong)queues;
        if (needed <= limit)
            return;
        throw new XdpException(-Errno.ENOBUFS,
            $"{ifName}: the UMEM needs {FormatBytes(needed)} of locked memory ({queues} queue(s) x {frameCount} frames x {frameSize} bytes) " +
            $"but RLIMIT_MEMLOCK is {FormatBytes(limit)} and the process lacks CAP_IPC_LOCK; " +
            "shrink it with frame-count= (e.g. frame-count=1024), frame-size=2048 or smaller rx-size=/tx-size=/fill-size=/comp-size=, " +
            "or run with CAP_IPC_LOCK");
    }

    /// <summary>Bytes as KiB/MiB for messages.</summary>
    public static string FormatBytes(ulong bytes) =>
        bytes >= 1UL << 20 && bytes % (1UL << 20) == 0 ? $"{bytes >> 20} MiB"
        : bytes >= 1UL << 10 ? $"{bytes / 1024.0:0.#} KiB".Replace(",", ".", StringComparison.Ordinal)
        : $"{bytes} bytes";
}
