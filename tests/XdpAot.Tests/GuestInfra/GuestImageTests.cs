using System.IO.Compression;
using System.Text;
using XdpAot.Tests.Infrastructure;
using XdpAot.Tests.Integration;

namespace XdpAot.Tests.GuestInfra;

/// <summary>tests/guest/build.sh's cache: the image is rebuilt when an input changes, and only then.</summary>
[Collection(IntegrationCollection.Name)]
public sealed class GuestImageTests
{
    [Fact]
    public void The_image_is_rebuilt_only_when_an_input_changes()
    {
        var image = GuestImage.Get();   // also leaves the kernel package in the shared cache
        string root = Path.Combine(Path.GetTempPath(), $"xdpaot-guestimage-{Environment.ProcessId}");
        Directory.CreateDirectory(root);
        try
        {
            // A copy of the sources, so one can be changed; the kernel package is reused, not downloaded again.
            string src = Path.Combine(root, "src"), outDir = Path.Combine(root, "out");
            Sh.Run("cp", "-r", Path.GetDirectoryName(GuestImage.BuildScript)!, src);
            Directory.CreateDirectory(Path.Combine(outDir, "debs"));
            foreach (var deb in Directory.GetFiles(Path.Combine(GuestImage.Dir, "debs"), "*.deb"))
                File.Copy(deb, Path.Combine(outDir, "debs", Path.GetFileName(deb)));
            string script = Path.Combine(src, "build.sh"), initramfs = Path.Combine(outDir, "initramfs.gz");

            Sh.Run("sh", script, outDir);
            string key = File.ReadAllText(Path.Combine(outDir, "image.key"));
            var built = File.GetLastWriteTimeUtc(initramfs);

            Assert.Contains($"kernel-package={image.KernelPackage}", Sh.Run("sh", script, outDir));
            Assert.Equal(key, File.ReadAllText(Path.Combine(outDir, "image.key")));
            Assert.Equal(built, File.GetLastWriteTimeUtc(initramfs));

            string marker = $"# changed by {nameof(GuestImageTests)} {Guid.NewGuid():N}";
            File.AppendAllText(Path.Combine(src, "init"), marker + "\n");
            Sh.Run("sh", script, outDir);
            Assert.NotEqual(key, File.ReadAllText(Path.Combine(outDir, "image.key")));
            Assert.Contains(marker, Unzip(initramfs));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private static string Unzip(string path)
    {
        using var gz = new GZipStream(File.OpenRead(path), CompressionMode.Decompress);
        using var text = new MemoryStream();
        gz.CopyTo(text);
        return Encoding.Latin1.GetString(text.ToArray());
    }
}
