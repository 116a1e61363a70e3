using System.Runtime.InteropServices;
using XdpAot.Native.Header;

namespace XdpAot.Native;

internal static unsafe partial class Exports
{
    /// <summary>Major version: changes when the ABI breaks.</summary>
    [CDefine("XDPAOT_VERSION_MAJOR")] public const int VersionMajor = 0;

    /// <summary>Minor version: changes when the ABI grows.</summary>
    [CDefine("XDPAOT_VERSION_MINOR")] public const int VersionMinor = 1;

    /// <summary>Patch version.</summary>
    [CDefine("XDPAOT_VERSION_PATCH")] public const int VersionPatch = 0;

    /// <summary>The version as text, what xdpaot_version returns for this header.</summary>
    [CDefine("XDPAOT_VERSION")] public const string Version = "0.1.0";

    private static readonly byte* s_version = (byte*)Marshal.StringToCoTaskMemUTF8(Version);

    /// <summary>The library's version, "major.minor.patch": compare with XDPAOT_VERSION to see the header matches.</summary>
    /// <returns>A static string; never NULL.</returns>
    [UnmanagedCallersOnly(EntryPoint = "xdpaot_version")]
    [return: CType("const char *")]
    public static byte* GetVersion() => s_version;
}
