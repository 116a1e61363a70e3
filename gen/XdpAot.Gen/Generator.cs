using XdpAot.Gen.Clang;
using static XdpAot.Gen.Clang.Libclang;

namespace XdpAot.Gen;

/// <summary>
/// Turns a names list into C#. One translation unit per section (its headers, in order); names are resolved against
/// it, then everything is emitted by kind (Generator.Struct/Enum/Constant/Function.cs). Translation units stay alive
/// until emission is done because the collected cursors point into them.
/// </summary>
internal sealed partial class Generator : IDisposable
{
    public const string StructsFile = "Structs.g.cs";
    public const string EnumsFile = "Enums.g.cs";
    public const string ConstantsFile = "Constants.g.cs";
    public const string FunctionsFile = "Functions.g.cs";

    private readonly GeneratorOptions _options;
    private readonly NamesList _names;
    private readonly List<string> _clangArgs;
    private readonly nint _index;
    private readonly List<TranslationUnit> _units = [];
    private readonly List<string> _errors = [];
    private readonly SortedSet<string> _inputFiles = new(StringComparer.Ordinal);

    public Generator(GeneratorOptions options, NamesList names)
    {
        _options = options;
        _names = names;
        LibclangLocator.EnsureResolver();
        string version = Take(clang_getClangVersion());
        _clangArgs = ["-x", "c", "-std=gnu11", "-ferror-limit=0", "-w"];
        string? builtin = LibclangLocator.FindBuiltinIncludeDir(version);
        if (builtin is not null)
            _clangArgs.AddRange(["-isystem", builtin]);
        foreach (string dir in options.IncludeDirectories)
            _clangArgs.Add("-I" + Path.GetFullPath(dir));
        _clangArgs.AddRange(options.ClangArguments);
        _index = clang_createIndex(0, 0);
    }

    public GenerationResult Run()
    {
        for (int i = 0; i < _names.Sections.Count; i++)
            ProcessSection(_names.Sections[i], i);
        CompleteRecordClosure();
        CheckTypeNames();
        if (_errors.Count > 0)
            throw new GeneratorException(_errors);

        var files = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [StructsFile] = EmitStructs(),
            [EnumsFile] = EmitEnums(),
            [ConstantsFile] = EmitConstants(),
            [FunctionsFile] = EmitFunctions(),
        };
        if (_errors.Count > 0)
            throw new GeneratorException(_errors);
        return new GenerationResult(files, _inputFiles.ToList());
    }

    private string ListPos(int line) => $"{_names.Path}({line})";

    private void Error(int line, string code, string text) => _errors.Add($"{ListPos(line)}: error {code}: {text}");

    private TranslationUnit Parse(string mainFile, string contents)
    {
        var tu = TranslationUnit.Parse(_index, mainFile, contents, _clangArgs);
        _units.Add(tu);
        return tu;
    }

    private void ProcessSection(NamesSection section, int number)
    {
        // The in-memory main file sits next to the names list, so `#include "…"` would resolve from there.
        string dir = Path.GetDirectoryName(Path.GetFullPath(_names.Path)) ?? ".";
        string mainFile = Path.Combine(dir, $"__xdpaot_section{number}.c");
        string includes = string.Concat(section.Headers.Select(h => $"#include <{h}>\n"));

        TranslationUnit tu = Parse(mainFile, includes);
        List<Diagnostic> errors = tu.Diagnostics().Where(d => d.Severity >= CXDiagnosticSeverity.Error).ToList();
        foreach (Diagnostic d in errors)
            Error(section.Line, "XDPGEN003", $"{section.Title}: clang: {d.Text}");
        foreach (string f in tu.IncludedFiles())
            _inputFiles.Add(Path.GetFullPath(f));
        if (errors.Count > 0)
            return;

        SectionIndex index = SectionIndex.Build(tu);
        var headerFiles = new HashSet<nint>();
        foreach (string h in section.Headers)
        {
            if (index.HeaderFiles.TryGetValue(h, out nint file) && file != 0)
                headerFiles.Add(file);
        }
        bool InHeaders(Entity e) => headerFiles.Contains(e.Pos.File);

        // Only macros someone can ask for are evaluated: explicit names anywhere in the TU, wildcards in the headers.
        var wanted = index.All
            .Where(e => e.Kind == EntityKind.Macro
                && section.Names.Any(n => (n.IsAll || n.IsPrefix) ? InHeaders(e) && n.Matches(e.Name) : n.Text == e.Name))
            .Select(e => e.Name)
            .ToList();
        Dictionary<string, ConstantValue?> macros = EvaluateMacros(mainFile, includes, wanted);

        var scope = new SectionScope(section, index, macros, InHeaders);
        foreach (NameEntry entry in section.Names)
        {
            if (entry.IsAll || entry.IsPrefix)
                ResolveWildcard(scope, entry);
            else
                ResolveName(scope, entry);
        }
    }

    /// <summary>What name resolution needs to know about the section being processed.</summary>
    private sealed record SectionScope(NamesSection Section, SectionIndex Index, Dictionary<string, ConstantValue?> Macros,
        Func<Entity, bool> InHeaders);

    private void ResolveName(SectionScope s, NameEntry entry)
    {
        IReadOnlyList<Entity> found = s.Index.Lookup(entry.Text);
        if (found.Count == 0)
        {
            string why = s.Index.FunctionLikeMacros.Contains(entry.Text)
                ? "is a function-like macro, which has no value to emit"
                : "was not found";
            Error(entry.Line, "XDPGEN002", $"'{entry.Text}' {why} in section {s.Section.Title}");
            return;
        }
        foreach (Entity e in found)
        {
            switch (e.Kind)
            {
                case EntityKind.Record:
                    AddRecord(e.Cursor, e.Name);
                    break;
                case EntityKind.OpaqueRecord:
                    AddOpaque(e.Cursor, e.Name);
                    break;
                case EntityKind.Enum:
                    AddEnum(e.Cursor, e.Name);
                    break;
                case EntityKind.EnumConstant:
                    // A member of a named enum brings its enum; members of anonymous enums are plain constants.
                    if (!e.Parent.IsUnnamedRecord())
                        AddEnum(e.Parent, e.Parent.Spelling());
                    else
                        AddEnumConstant(s.Section, entry.Line, e);
                    break;
                case EntityKind.Function:
                    AddFunction(s.Section, entry.Line, e);
                    break;
                case EntityKind.Macro:
                    // `#define X X` next to an enum member X: the enum member already says it all.
                    if (found.Any(o => o.Kind == EntityKind.EnumConstant))
                        break;
                    if (s.Macros.TryGetValue(e.Name, out ConstantValue? value) && value is not null)
                        AddConstant(s.Section, entry.Line, e.Name, value);
                    else
                        Error(entry.Line, "XDPGEN004",
                            $"macro '{e.Name}' in section {s.Section.Title} cannot be evaluated to a constant by clang");
                    break;
                case EntityKind.Typedef:
                    AddTypedef(s.Section, entry.Line, e);
                    break;
            }
        }
    }

    private void ResolveWildcard(SectionScope s, NameEntry entry)
    {
        int matched = 0;
        foreach (Entity e in s.Index.All)
        {
            if (!entry.Matches(e.Name) || !s.InHeaders(e))
                continue;
            switch (e.Kind)
            {
                case EntityKind.Record:
                    AddRecord(e.Cursor, e.Name);
                    matched++;
                    break;
                case EntityKind.OpaqueRecord:
                    AddOpaque(e.Cursor, e.Name);
                    matched++;
                    break;
                case EntityKind.Enum:
                    AddEnum(e.Cursor, e.Name);
                    matched++;
                    break;
                case EntityKind.EnumConstant when e.Parent.IsUnnamedRecord():
                    AddEnumConstant(s.Section, entry.Line, e);
                    matched++;
                    break;
                case EntityKind.Function when !e.HasBody && !IsStatic(e.Cursor) && !IsVariadic(e.Cursor):
                    AddFunction(s.Section, entry.Line, e);
                    matched++;
                    break;
                case EntityKind.Macro:
                    // Under a wildcard, macros that are not constants (guards, attributes, type aliases) are skipped.
                    if (s.Macros.TryGetValue(e.Name, out ConstantValue? value) && value is not null
                        && !s.Index.Lookup(e.Name).Any(o => o.Kind == EntityKind.EnumConstant))
                    {
                        AddConstant(s.Section, entry.Line, e.Name, value);
                        matched++;
                    }
                    break;
            }
        }
        if (matched == 0)
            Error(entry.Line, "XDPGEN002", $"'{entry.Text}' matches nothing declared in section {s.Section.Title}");
    }

    /// <summary>Structs, enums and classes share the namespace: a clash would not compile, so report it by name.</summary>
    private void CheckTypeNames()
    {
        var seen = new Dictionary<string, string>(StringComparer.Ordinal);
        IEnumerable<(string Name, string What)> all = _records.Values.Select(r => (r.CsName, r.NativeTypeName))
            .Concat(_enums.Keys.Select(e => (e, $"enum {e}")))
            .Concat(_classes.Select(c => (c.Name, $"class {c.Name}")));
        foreach ((string name, string what) in all)
        {
            if (!seen.TryAdd(name, what))
                _errors.Add($"{_names.Path}: error XDPGEN007: C# type name '{name}' is used by both {seen[name]} and {what}");
        }
    }

    private static bool IsStatic(CXCursor c) => clang_Cursor_getStorageClass(c) == CXStorageClass.Static;

    private static bool IsVariadic(CXCursor c)
    {
        CXType type = c.Type().Canonical();
        return type.kind == CXTypeKind.FunctionProto && clang_isFunctionTypeVariadic(type) != 0;
    }

    private void AddTypedef(NamesSection section, int line, Entity e)
    {
        CXType target = clang_getTypedefDeclUnderlyingType(e.Cursor).Canonical();
        CXCursor decl = target.Declaration();
        switch (target.kind)
        {
            case CXTypeKind.Record when decl.IsUnnamedRecord():
                // typedef struct { … } name_t;  the typedef name is the only name it has.
                _typedefNames[decl.Key()] = e.Name;
                AddRecord(decl, e.Name, e.Name);
                break;
            case CXTypeKind.Record:
                AddRecord(decl, decl.Spelling());
                break;
            case CXTypeKind.Enum when !decl.IsUnnamedRecord():
                AddEnum(decl, decl.Spelling());
                break;
            default:
                Error(line, "XDPGEN005",
                    $"typedef '{e.Name}' in section {section.Title} is not a struct, union or named enum; list what it names instead");
                break;
        }
    }

    public void Dispose()
    {
        foreach (TranslationUnit tu in _units)
            tu.Dispose();
        _units.Clear();
        if (_index != 0)
            clang_disposeIndex(_index);
    }
}
