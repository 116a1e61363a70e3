using System.Globalization;
using XdpAot.Tests.Vhost.FrontEnd;

namespace XdpAot.Tests.Vhost.FrontEndTests;

/// <summary>
/// Makes sure <c>count</c> free 2 MiB hugepages exist for a test, adding only what is missing to
/// /proc/sys/vm/nr_hugepages, and takes exactly that many away again on Dispose: the machine is left as found.
/// </summary>
public sealed class HugePages : IDisposable
{
    private const string NrHugePages = "/proc/sys/vm/nr_hugepages";
    private readonly long _added;

    private HugePages(long added) => _added = added;

    public static HugePages Ensure(long count)
    {
        long missing = count - GuestRam.FreeHugePages();
        if (missing <= 0)
            return new HugePages(0);
        long before = Read();
        File.WriteAllText(NrHugePages, (before + missing).ToString(CultureInfo.InvariantCulture));
        var pages = new HugePages(Read() - before);
        if (GuestRam.FreeHugePages() < count)
        {
            pages.Dispose();
            throw new InvalidOperationException($"could not get {count} free 2 MiB hugepages (nr_hugepages was {before}; the kernel found only {GuestRam.FreeHugePages()} free)");
        }
        return pages;
    }

    private static long Read() => long.Parse(File.ReadAllText(NrHugePages).Trim(), CultureInfo.InvariantCulture);

    public void Dispose()
    {
        if (_added > 0)
            File.WriteAllText(NrHugePages, Math.Max(0, Read() - _added).ToString(CultureInfo.InvariantCulture));
    }
}
