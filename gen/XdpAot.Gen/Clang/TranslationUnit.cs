using System.Runtime.InteropServices;
using System.Text;
using static XdpAot.Gen.Clang.Libclang;

namespace XdpAot.Gen.Clang;

/// <summary>One diagnostic of a parse, with the line it points at in its file.</summary>
internal readonly record struct Diagnostic(CXDiagnosticSeverity Severity, nint File, uint Line, string Text);

/// <summary>A parsed in-memory C file (the "main file") and everything it includes.</summary>
internal sealed unsafe class TranslationUnit : IDisposable
{
    private nint _handle;

    private TranslationUnit(nint handle, string mainFile)
    {
        _handle = handle;
        MainFile = mainFile;
    }

    public string MainFile { get; }

    public CXCursor Cursor => clang_getTranslationUnitCursor(_handle);

    /// <summary>Parses <paramref name="contents"/> as the C file <paramref name="mainFile"/> (which need not exist).</summary>
    public static TranslationUnit Parse(nint index, string mainFile, string contents, IReadOnlyList<string> args)
    {
        byte[] nameBytes = Utf8z(mainFile);
        byte[] contentBytes = Encoding.UTF8.GetBytes(contents);
        var argHandles = new GCHandle[args.Count];
        byte** argv = stackalloc byte*[Math.Max(args.Count, 1)];
        try
        {
            for (int i = 0; i < args.Count; i++)
            {
                argHandles[i] = GCHandle.Alloc(Utf8z(args[i]), GCHandleType.Pinned);
                argv[i] = (byte*)argHandles[i].AddrOfPinnedObject();
            }
            fixed (byte* name = nameBytes)
            fixed (byte* content = contentBytes)
            {
                var unsaved = new CXUnsavedFile { Filename = name, Contents = content, Length = (nuint)contentBytes.Length };
                nint tu;
                int rc = clang_parseTranslationUnit2(index, name, argv, args.Count, &unsaved, 1,
                    CXTranslationUnitFlags.DetailedPreprocessingRecord | CXTranslationUnitFlags.KeepGoing, &tu);
                if (rc != 0 || tu == 0)
                    throw new GeneratorException($"libclang could not parse {mainFile} (error code {rc})");
                return new TranslationUnit(tu, mainFile);
            }
        }
        finally
        {
            foreach (GCHandle h in argHandles)
            {
                if (h.IsAllocated)
                    h.Free();
            }
        }
    }

    public List<Diagnostic> Diagnostics()
    {
        var list = new List<Diagnostic>();
        uint n = clang_getNumDiagnostics(_handle);
        for (uint i = 0; i < n; i++)
        {
            nint d = clang_getDiagnostic(_handle, i);
            nint file;
            uint line, column, offset;
            clang_getExpansionLocation(clang_getDiagnosticLocation(d), &file, &line, &column, &offset);
            // CXDiagnostic_DisplaySourceLocation | DisplayColumn: "file:line:col: error: text".
            list.Add(new Diagnostic(clang_getDiagnosticSeverity(d), file, line, Take(clang_formatDiagnostic(d, 0x1 | 0x2))));
            clang_disposeDiagnostic(d);
        }
        return list;
    }

    /// <summary>Every file read while parsing (headers), by name; the in-memory main file is left out.</summary>
    public List<string> IncludedFiles()
    {
        var files = new List<nint>();
        GCHandle h = GCHandle.Alloc(files);
        try
        {
            clang_getInclusions(_handle, &VisitInclusion, GCHandle.ToIntPtr(h));
        }
        finally
        {
            h.Free();
        }
        return files.Select(CursorExtensions.FileName).Where(f => f != MainFile).ToList();
    }

    [UnmanagedCallersOnly]
    private static void VisitInclusion(nint file, CXSourceLocation* stack, uint depth, nint data) =>
        ((List<nint>)GCHandle.FromIntPtr(data).Target!).Add(file);

    private static byte[] Utf8z(string s)
    {
        byte[] b = new byte[Encoding.UTF8.GetByteCount(s) + 1];
        Encoding.UTF8.GetBytes(s, b);
        return b;
    }

    public void Dispose()
    {
        if (_handle != 0)
        {
            clang_disposeTranslationUnit(_handle);
            _handle = 0;
        }
    }
}
