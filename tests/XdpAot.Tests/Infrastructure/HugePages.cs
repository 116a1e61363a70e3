using System.Globalization;

namespace XdpAot.Tests.Infrastructure;

/// <summary>
/// 2 MiB hugepages reserved for one test (DPDK's virtio_user needs fd-backed memory; a guest may want hugepage RAM)
/// and given back on Dispose. Reserving adds to the kernel's pool and releasing subtracts the same number, under a
/// lock file shared by every test process, so concurrent tests (and pages other programs hold) are left alone.
/// </summary>
public sealed class HugePages : IDisposable
{
    public const int PageMiB = 2;

    private const string Pool = "/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages";
    private const string LockFile = "/run/lock/xdpaot-hugepages.lock";

    private bool _released;

    private HugePages(int count) => Count = count;

    /// <summary>Pages this reservation added to the pool.</summary>
    public int Count { get; }

    /// <summary>Pages needed to hold <paramref name="mib"/> MiB.</summary>
    public static int ForMiB(int mib) => (mib + PageMiB - 1) / PageMiB;

    public static HugePages Reserve(int count)
    {
        if (count <= 0)
            throw new ArgumentOutOfRangeException(nameof(count), count, "reserve at least one hugepage");
        if (!File.Exists(Pool))
            throw new InvalidOperationException($"{Pool} does not exist: this kernel has no 2 MiB hugepages");
        using (Lock())
        {
            int before = Read();
            Write(before + count);
            int after = Read();
            if (after < before + count)
            {
                Write(before);
                throw new InvalidOperationException(
                    $"hugepages: asked the kernel for {count} more 2 MiB pages ({Pool}: {before} -> {before + count}) and got {after - before}: not enough free contiguous memory");
            }
        }
        return new HugePages(count);
    }

    public void Dispose()
    {
        if (_released)
            return;
        _released = true;
        using (Lock())
            Write(Math.Max(0, Read() - Count));
    }

    private static int Read() => int.Parse(File.ReadAllText(Pool).Trim(), CultureInfo.InvariantCulture);

    private static void Write(int pages) => File.WriteAllText(Pool, pages.ToString(CultureInfo.InvariantCulture));

    /// <summary>An exclusive flock on the lock file (FileShare.None), waited for up to 30 s.</summary>
    private static FileStream Lock()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(LockFile)!);
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            try
            {
                return new FileStream(LockFile, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (waited.Elapsed < TimeSpan.FromSeconds(30))
            {
                Thread.Sleep(20);
            }
        }
    }
}
