using XdpAot.Gen.Clang;
using static XdpAot.Gen.Clang.Libclang;

namespace XdpAot.Gen;

internal enum EntityKind
{
    Record,
    OpaqueRecord,
    Enum,
    EnumConstant,
    Function,
    Macro,
    Typedef,
}

/// <summary>
/// A named thing declared in a section's translation unit. <see cref="Parent"/> is the enum of an enum constant;
/// <see cref="HasBody"/> marks a function defined in a header (static inline: not exported by any library).
/// </summary>
internal sealed record Entity(EntityKind Kind, string Name, CXCursor Cursor, SourcePos Pos, CXCursor Parent = default, bool HasBody = false);

/// <summary>
/// Everything nameable in one section's translation unit, found in a single walk of the AST and the preprocessing
/// record: lookups by name for explicitly listed names, and source order plus file for wildcards.
/// </summary>
internal sealed class SectionIndex
{
    private readonly Dictionary<string, List<Entity>> _byName = new(StringComparer.Ordinal);
    private readonly HashSet<nint> _seenDecls = [];

    /// <summary>All entities in source order (macros last-definition-wins, so a name appears at most once per kind).</summary>
    public List<Entity> All { get; } = [];

    /// <summary>The files the main file includes directly, keyed by how they were spelled (e.g. "linux/bpf.h").</summary>
    public Dictionary<string, nint> HeaderFiles { get; } = new(StringComparer.Ordinal);

    /// <summary>Function-like macros: never emitted, but named in the error when someone lists one.</summary>
    public HashSet<string> FunctionLikeMacros { get; } = new(StringComparer.Ordinal);

    public IReadOnlyList<Entity> Lookup(string name) => _byName.TryGetValue(name, out List<Entity>? list) ? list : [];

    public static SectionIndex Build(TranslationUnit tu)
    {
        var index = new SectionIndex();
        index.Visit(tu.Cursor, tu.MainFile);
        return index;
    }

    private void Visit(CXCursor parent, string mainFile)
    {
        foreach (CXCursor c in parent.Children())
        {
            switch (c.kind)
            {
                case CXCursorKind.InclusionDirective:
                    if (CursorExtensions.FileName(c.Position().File) == mainFile)
                        HeaderFiles.TryAdd(c.Spelling(), clang_getIncludedFile(c));
                    break;

                case CXCursorKind.MacroDefinition:
                    string macro = c.Spelling();
                    if (clang_Cursor_isMacroFunctionLike(c) != 0)
                    {
                        FunctionLikeMacros.Add(macro);
                    }
                    else
                    {
                        // A later #define (after #undef) replaces the earlier one: the TU's final state is what counts.
                        FunctionLikeMacros.Remove(macro);
                        Remove(macro, EntityKind.Macro);
                        Add(new Entity(EntityKind.Macro, macro, c, c.Position()));
                    }
                    break;

                case CXCursorKind.StructDecl or CXCursorKind.UnionDecl:
                    VisitRecord(c, mainFile);
                    break;

                case CXCursorKind.EnumDecl:
                    VisitEnum(c);
                    break;

                case CXCursorKind.FunctionDecl:
                    VisitFunction(c);
                    break;

                case CXCursorKind.TypedefDecl:
                    if (_seenDecls.Add(c.Key()))
                        Add(new Entity(EntityKind.Typedef, c.Spelling(), c, c.Position()));
                    break;
            }
        }
    }

    private void VisitRecord(CXCursor c, string mainFile)
    {
        CXCursor def = clang_getCursorDefinition(c);
        bool complete = !def.IsNull();
        CXCursor decl = complete ? def : c;
        if (!c.IsUnnamedRecord())
        {
            string name = c.Spelling();
            bool known = _byName.TryGetValue(name, out List<Entity>? list)
                && list.Any(e => e.Kind is EntityKind.Record or EntityKind.OpaqueRecord);
            if (!known)
                Add(new Entity(complete ? EntityKind.Record : EntityKind.OpaqueRecord, name, decl, decl.Position()));
        }
        // C gives nested struct/enum declarations file scope, so index what the definition declares inside.
        if (complete && _seenDecls.Add(def.Key()))
            Visit(def, mainFile);
    }

    private void VisitEnum(CXCursor c)
    {
        CXCursor def = clang_getCursorDefinition(c);
        if (def.IsNull() || !_seenDecls.Add(def.Key()))
            return;
        if (!def.IsUnnamedRecord())
            Add(new Entity(EntityKind.Enum, def.Spelling(), def, def.Position()));
        foreach (CXCursor k in def.Children())
        {
            if (k.kind == CXCursorKind.EnumConstantDecl)
                Add(new Entity(EntityKind.EnumConstant, k.Spelling(), k, k.Position(), def));
        }
    }

    private void VisitFunction(CXCursor c)
    {
        string name = c.Spelling();
        if (Lookup(name).Any(e => e.Kind == EntityKind.Function))
            return;
        // getCursorDefinition finds a body anywhere in the TU, also when this is an earlier prototype.
        bool hasBody = !clang_getCursorDefinition(c).IsNull();
        Add(new Entity(EntityKind.Function, name, c, c.Position(), HasBody: hasBody));
    }

    private void Add(Entity e)
    {
        All.Add(e);
        if (!_byName.TryGetValue(e.Name, out List<Entity>? list))
            _byName[e.Name] = list = [];
        list.Add(e);
    }

    private void Remove(string name, EntityKind kind)
    {
        if (_byName.TryGetValue(name, out List<Entity>? list))
        {
            list.RemoveAll(e => e.Kind == kind);
            All.RemoveAll(e => e.Kind == kind && e.Name == name);
        }
    }
}
