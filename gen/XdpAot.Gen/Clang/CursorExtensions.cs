using System.Runtime.InteropServices;
using static XdpAot.Gen.Clang.Libclang;

namespace XdpAot.Gen.Clang;

/// <summary>Where a cursor is, after macro expansion (a struct made by a macro is "in" the file that expands it).</summary>
internal readonly record struct SourcePos(nint File, uint Line, uint Offset);

/// <summary>Small managed conveniences over libclang cursors and types.</summary>
internal static unsafe class CursorExtensions
{
    /// <summary>Identity of the declaration a cursor stands for (its Decl pointer), stable within one translation unit.</summary>
    public static nint Key(this CXCursor c) => (nint)c.data0;

    public static string Spelling(this CXCursor c) => Take(clang_getCursorSpelling(c));

    public static CXType Type(this CXCursor c) => clang_getCursorType(c);

    public static CXType Canonical(this CXType t) => clang_getCanonicalType(t);

    public static string Spelling(this CXType t) => Take(clang_getTypeSpelling(t));

    public static long SizeOf(this CXType t) => clang_Type_getSizeOf(t);

    public static CXCursor Declaration(this CXType t) => clang_getTypeDeclaration(t);

    public static bool IsNull(this CXCursor c) => clang_Cursor_isNull(c) != 0;

    public static bool IsDefinition(this CXCursor c) => clang_isCursorDefinition(c) != 0;

    public static bool IsRecordDecl(this CXCursor c) => c.kind is CXCursorKind.StructDecl or CXCursorKind.UnionDecl;

    /// <summary>True for a struct/union without a tag (both C11 anonymous members and `struct {…} name;` types).</summary>
    public static bool IsUnnamedRecord(this CXCursor c) =>
        clang_Cursor_isAnonymous(c) != 0 || c.Spelling().Length == 0;

    public static SourcePos Position(this CXCursor c)
    {
        nint file;
        uint line, column, offset;
        clang_getExpansionLocation(clang_getCursorLocation(c), &file, &line, &column, &offset);
        return new SourcePos(file, line, offset);
    }

    public static string FileName(nint file) => file == 0 ? "" : Take(clang_getFileName(file));

    /// <summary>The direct children of a cursor, in source order.</summary>
    public static List<CXCursor> Children(this CXCursor parent)
    {
        var list = new List<CXCursor>();
        GCHandle h = GCHandle.Alloc(list);
        try
        {
            clang_visitChildren(parent, &VisitChild, GCHandle.ToIntPtr(h));
        }
        finally
        {
            h.Free();
        }
        return list;
    }

    /// <summary>The fields of a record type as the compiler sees them, including the unnamed fields that hold C11
    /// anonymous struct/union members (visitChildren would skip those implicit declarations).</summary>
    public static List<CXCursor> Fields(this CXType record)
    {
        var list = new List<CXCursor>();
        GCHandle h = GCHandle.Alloc(list);
        try
        {
            clang_Type_visitFields(record, &VisitField, GCHandle.ToIntPtr(h));
        }
        finally
        {
            h.Free();
        }
        return list;
    }

    [UnmanagedCallersOnly]
    private static CXChildVisitResult VisitChild(CXCursor cursor, CXCursor parent, nint data)
    {
        ((List<CXCursor>)GCHandle.FromIntPtr(data).Target!).Add(cursor);
        return CXChildVisitResult.Continue;
    }

    [UnmanagedCallersOnly]
    private static CXChildVisitResult VisitField(CXCursor cursor, nint data)
    {
        ((List<CXCursor>)GCHandle.FromIntPtr(data).Target!).Add(cursor);
        return CXChildVisitResult.Continue;
    }
}
