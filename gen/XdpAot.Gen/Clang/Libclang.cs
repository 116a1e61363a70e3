using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

// Every libclang handle and by-value struct here is plain unmanaged data; with runtime marshalling disabled the
// source-generated stubs pass them through untouched.
[assembly: DisableRuntimeMarshalling]

namespace XdpAot.Gen.Clang;

// The subset of libclang's stable C API (clang-c/Index.h) that the generator needs. Layouts and enum values are
// those of the C header; they have been stable since libclang 3.x, so libclang-14 and NuGet's libclang 22 agree.

internal enum CXCursorKind
{
    StructDecl = 2,
    UnionDecl = 3,
    EnumDecl = 5,
    FieldDecl = 6,
    EnumConstantDecl = 7,
    FunctionDecl = 8,
    VarDecl = 9,
    ParmDecl = 10,
    TypedefDecl = 20,
    TranslationUnit = 350,
    MacroDefinition = 501,
    MacroExpansion = 502,
    InclusionDirective = 503,
}

internal enum CXTypeKind
{
    Invalid = 0,
    Unexposed = 1,
    Void = 2,
    Bool = 3,
    Char_U = 4,
    UChar = 5,
    Char16 = 6,
    Char32 = 7,
    UShort = 8,
    UInt = 9,
    ULong = 10,
    ULongLong = 11,
    UInt128 = 12,
    Char_S = 13,
    SChar = 14,
    WChar = 15,
    Short = 16,
    Int = 17,
    Long = 18,
    LongLong = 19,
    Int128 = 20,
    Float = 21,
    Double = 22,
    LongDouble = 23,
    Pointer = 101,
    Record = 105,
    Enum = 106,
    Typedef = 107,
    FunctionNoProto = 110,
    FunctionProto = 111,
    ConstantArray = 112,
    IncompleteArray = 114,
    Elaborated = 119,
}

internal enum CXChildVisitResult
{
    Break = 0,
    Continue = 1,
    Recurse = 2,
}

internal enum CXEvalResultKind
{
    Int = 1,
    Float = 2,
    ObjCStrLiteral = 3,
    StrLiteral = 4,
    CFStr = 5,
    Other = 6,
    UnExposed = 0,
}

internal enum CXDiagnosticSeverity
{
    Ignored = 0,
    Note = 1,
    Warning = 2,
    Error = 3,
    Fatal = 4,
}

[Flags]
internal enum CXTranslationUnitFlags : uint
{
    None = 0,
    DetailedPreprocessingRecord = 0x01,
    KeepGoing = 0x200,
}

internal enum CXStorageClass
{
    Invalid = 0,
    None = 1,
    Extern = 2,
    Static = 3,
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct CXString
{
    public void* data;
    public uint private_flags;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct CXCursor
{
    public CXCursorKind kind;
    public int xdata;
    public void* data0;
    public void* data1;
    public void* data2;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct CXType
{
    public CXTypeKind kind;
    public void* data0;
    public void* data1;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct CXSourceLocation
{
    public void* ptr_data0;
    public void* ptr_data1;
    public uint int_data;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct CXUnsavedFile
{
    public byte* Filename;
    public byte* Contents;
    public nuint Length;
}

/// <summary>P/Invoke declarations for libclang (see <see cref="LibclangLocator"/> for how the library is found).</summary>
internal static unsafe partial class Libclang
{
    /// <summary>The name the imports use; <see cref="LibclangLocator"/> maps it to a real file.</summary>
    public const string Name = "libclang";

    [LibraryImport(Name)] public static partial nint clang_createIndex(int excludeDeclarationsFromPCH, int displayDiagnostics);
    [LibraryImport(Name)] public static partial void clang_disposeIndex(nint index);

    [LibraryImport(Name)]
    public static partial int clang_parseTranslationUnit2(nint index, byte* sourceFilename, byte** commandLineArgs,
        int numCommandLineArgs, CXUnsavedFile* unsavedFiles, uint numUnsavedFiles, CXTranslationUnitFlags options,
        nint* outTranslationUnit);

    [LibraryImport(Name)] public static partial void clang_disposeTranslationUnit(nint tu);
    [LibraryImport(Name)] public static partial CXCursor clang_getTranslationUnitCursor(nint tu);

    [LibraryImport(Name)] public static partial uint clang_getNumDiagnostics(nint tu);
    [LibraryImport(Name)] public static partial nint clang_getDiagnostic(nint tu, uint index);
    [LibraryImport(Name)] public static partial CXDiagnosticSeverity clang_getDiagnosticSeverity(nint diagnostic);
    [LibraryImport(Name)] public static partial CXString clang_formatDiagnostic(nint diagnostic, uint options);
    [LibraryImport(Name)] public static partial CXSourceLocation clang_getDiagnosticLocation(nint diagnostic);
    [LibraryImport(Name)] public static partial void clang_disposeDiagnostic(nint diagnostic);

    [LibraryImport(Name)] public static partial byte* clang_getCString(CXString str);
    [LibraryImport(Name)] public static partial void clang_disposeString(CXString str);
    [LibraryImport(Name)] public static partial CXString clang_getClangVersion();

    [LibraryImport(Name)]
    public static partial uint clang_visitChildren(CXCursor parent,
        delegate* unmanaged<CXCursor, CXCursor, nint, CXChildVisitResult> visitor, nint clientData);

    [LibraryImport(Name)]
    public static partial uint clang_Type_visitFields(CXType type, delegate* unmanaged<CXCursor, nint, CXChildVisitResult> visitor,
        nint clientData);

    [LibraryImport(Name)] public static partial CXString clang_getCursorSpelling(CXCursor cursor);
    [LibraryImport(Name)] public static partial CXType clang_getCursorType(CXCursor cursor);
    [LibraryImport(Name)] public static partial CXType clang_getCursorResultType(CXCursor cursor);
    [LibraryImport(Name)] public static partial CXSourceLocation clang_getCursorLocation(CXCursor cursor);
    [LibraryImport(Name)] public static partial uint clang_isCursorDefinition(CXCursor cursor);
    [LibraryImport(Name)] public static partial CXCursor clang_getCursorDefinition(CXCursor cursor);
    [LibraryImport(Name)] public static partial uint clang_Cursor_isNull(CXCursor cursor);
    [LibraryImport(Name)] public static partial uint clang_Cursor_isAnonymous(CXCursor cursor);
    [LibraryImport(Name)] public static partial uint clang_Cursor_isAnonymousRecordDecl(CXCursor cursor);
    [LibraryImport(Name)] public static partial uint clang_Cursor_isBitField(CXCursor cursor);
    [LibraryImport(Name)] public static partial int clang_getFieldDeclBitWidth(CXCursor cursor);
    [LibraryImport(Name)] public static partial long clang_Cursor_getOffsetOfField(CXCursor cursor);
    [LibraryImport(Name)] public static partial uint clang_Cursor_isMacroFunctionLike(CXCursor cursor);
    [LibraryImport(Name)] public static partial uint clang_Cursor_isFunctionInlined(CXCursor cursor);
    [LibraryImport(Name)] public static partial CXStorageClass clang_Cursor_getStorageClass(CXCursor cursor);
    [LibraryImport(Name)] public static partial int clang_Cursor_getNumArguments(CXCursor cursor);
    [LibraryImport(Name)] public static partial CXCursor clang_Cursor_getArgument(CXCursor cursor, uint index);
    [LibraryImport(Name)] public static partial nint clang_getIncludedFile(CXCursor cursor);

    [LibraryImport(Name)] public static partial CXType clang_getEnumDeclIntegerType(CXCursor cursor);
    [LibraryImport(Name)] public static partial long clang_getEnumConstantDeclValue(CXCursor cursor);
    [LibraryImport(Name)] public static partial ulong clang_getEnumConstantDeclUnsignedValue(CXCursor cursor);
    [LibraryImport(Name)] public static partial CXType clang_getTypedefDeclUnderlyingType(CXCursor cursor);

    [LibraryImport(Name)] public static partial CXType clang_getCanonicalType(CXType type);
    [LibraryImport(Name)] public static partial CXType clang_getPointeeType(CXType type);
    [LibraryImport(Name)] public static partial CXType clang_getArrayElementType(CXType type);
    [LibraryImport(Name)] public static partial long clang_getArraySize(CXType type);
    [LibraryImport(Name)] public static partial CXCursor clang_getTypeDeclaration(CXType type);
    [LibraryImport(Name)] public static partial long clang_Type_getSizeOf(CXType type);
    [LibraryImport(Name)] public static partial long clang_Type_getAlignOf(CXType type);
    [LibraryImport(Name)] public static partial CXString clang_getTypeSpelling(CXType type);
    [LibraryImport(Name)] public static partial uint clang_isFunctionTypeVariadic(CXType type);

    [LibraryImport(Name)]
    public static partial void clang_getExpansionLocation(CXSourceLocation location, nint* file, uint* line, uint* column, uint* offset);
    [LibraryImport(Name)] public static partial CXString clang_getFileName(nint file);

    [LibraryImport(Name)]
    public static partial void clang_getInclusions(nint tu,
        delegate* unmanaged<nint, CXSourceLocation*, uint, nint, void> visitor, nint clientData);

    [LibraryImport(Name)] public static partial nint clang_Cursor_Evaluate(CXCursor cursor);
    [LibraryImport(Name)] public static partial CXEvalResultKind clang_EvalResult_getKind(nint result);
    [LibraryImport(Name)] public static partial long clang_EvalResult_getAsLongLong(nint result);
    [LibraryImport(Name)] public static partial uint clang_EvalResult_isUnsignedInt(nint result);
    [LibraryImport(Name)] public static partial ulong clang_EvalResult_getAsUnsigned(nint result);
    [LibraryImport(Name)] public static partial double clang_EvalResult_getAsDouble(nint result);
    [LibraryImport(Name)] public static partial void clang_EvalResult_dispose(nint result);

    /// <summary>Copies a CXString into a managed string and disposes it.</summary>
    public static string Take(CXString s)
    {
        string result = Marshal.PtrToStringUTF8((nint)clang_getCString(s)) ?? "";
        clang_disposeString(s);
        return result;
    }
}
