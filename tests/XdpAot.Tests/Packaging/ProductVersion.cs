using System.Xml.Linq;
using XdpAot.Tests.Infrastructure;

namespace XdpAot.Tests.Packaging;

/// <summary>The repository's one version, as Directory.Build.props states it; every other version must equal it.</summary>
public static class ProductVersion
{
    private static readonly Lazy<Version> s_version = new(Read);

    public static string Text => s_version.Value.ToString(3);

    public static int Major => s_version.Value.Major;

    /// <summary>The library's file name: libxdpaot.so.MAJOR.MINOR.PATCH.</summary>
    public static string LibraryFile => $"libxdpaot.so.{Text}";

    /// <summary>The SONAME, and the name of the loader's link: libxdpaot.so.MAJOR.</summary>
    public static string Soname => $"libxdpaot.so.{Major}";

    /// <summary>The runtime package: libxdpaotMAJOR.</summary>
    public static string LibraryPackage => $"libxdpaot{Major}";

    private static Version Read()
    {
        string props = Path.Combine(Artifacts.RepoRoot, "Directory.Build.props");
        var element = XDocument.Load(props).Root?.Elements("PropertyGroup").Elements("Version").SingleOrDefault()
            ?? throw new InvalidOperationException($"{props} has no <Version>");
        return Version.Parse(element.Value);
    }
}
