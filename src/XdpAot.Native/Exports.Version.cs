using System.Runtime.InteropServices;
using XdpAot.Native.Header;

namespace XdpAot.Native;

internal static unsafe partial class Exports
{
    // All four come from the repository's one version (Directory.Build.props, through GenerateVersion.targets).

    /// <summary>Major version: changes when the ABI breaks.</summary>
    [CDefine("XDPAOT_VERSION_MAJOR")] public const int VersionMajor = BuildVersion.Major;

    /// <summary>Minor version: changes when the ABI grows.</summary>
    [CDefine("XDPAOT_VERSION_MINOR")] public const int VersionMinor = BuildVersion.Minor;

    /// <summary>Patch version.</summary>
    [CDefine("XDPAOT_VERSION_PATCH")] public const int VersionPatch = BuildVersion.Patch;

    /// <summary>The version as text, what xdpaot_version returns for this header.</summary>
    [CDefine("XDPAOT_VERSION")] public const string Version = BuildVersion.Text;

    private static readonly byte* s_version = (byte*)Marshal.StringToCoTaskMemUTF8(Version);

    /// <summary>The library's version, "major.minor.patch": compare with XDPAOT_VERSION to see the header matches.</summary>
    /// <returns>A static string; never NULL.</returns>
    [UnmanagedCallersOnly(EntryPoint = "xdpaot_version")]
    [return: CType("const char *")]
    public static byte* GetVersion() => s_version;
}
