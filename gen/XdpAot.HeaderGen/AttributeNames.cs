namespace XdpAot.HeaderGen;

/// <summary>
/// Full names of the attributes this generator reads. The ones in XdpAot.Native.Header are defined in
/// src/XdpAot.Native/Header/HeaderAttributes.cs; they are matched by name because this tool never references
/// the assembly it reads.
/// </summary>
internal static class AttributeNames
{
    public const string UnmanagedCallersOnly = "System.Runtime.InteropServices.UnmanagedCallersOnlyAttribute";
    public const string CHeader = "XdpAot.Native.Header.CHeaderAttribute";
    public const string CStruct = "XdpAot.Native.Header.CStructAttribute";
    public const string CType = "XdpAot.Native.Header.CTypeAttribute";
    public const string CConst = "XdpAot.Native.Header.CConstAttribute";
    public const string CCallback = "XdpAot.Native.Header.CCallbackAttribute";
    public const string CDefine = "XdpAot.Native.Header.CDefineAttribute";
}
