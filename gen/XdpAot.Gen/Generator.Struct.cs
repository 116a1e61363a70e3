using XdpAot.Gen.Clang;
using static XdpAot.Gen.Clang.Libclang;

namespace XdpAot.Gen;

// Structs and unions. Layout is never recomputed here: every offset and size comes from clang's record layout and
// is written as [StructLayout(Explicit, Size)] + [FieldOffset], so C# cannot disagree with C (the ABI test checks).
internal sealed partial class Generator
{
    /// <summary>A struct/union to emit. Opaque ones (declared, never defined) become empty structs for T* use.</summary>
    private sealed record RecordItem(string CsName, string NativeTypeName, CXCursor Decl, bool Opaque);

    private readonly Dictionary<string, RecordItem> _records = new(StringComparer.Ordinal);
    private readonly Queue<RecordItem> _recordsToScan = new();

    /// <summary>Unnamed structs that a typedef names (typedef struct { … } foo_t;), by declaration.</summary>
    private readonly Dictionary<nint, string> _typedefNames = [];

    /// <summary>The C name of a struct/union declaration, or null for an unnamed one.</summary>
    private string? RecordName(CXCursor decl)
    {
        if (_typedefNames.TryGetValue(decl.Key(), out string? typedefName))
            return typedefName;
        return decl.IsUnnamedRecord() ? null : decl.Spelling();
    }

    private static string TagKeyword(CXCursor decl) => decl.kind == CXCursorKind.UnionDecl ? "union" : "struct";

    private void AddRecord(CXCursor decl, string name, string? nativeTypeName = null)
    {
        if (_records.TryGetValue(name, out RecordItem? existing) && !existing.Opaque)
            return;
        var item = new RecordItem(Escape(name), nativeTypeName ?? $"{TagKeyword(decl)} {name}", decl, Opaque: false);
        _records[name] = item;
        _recordsToScan.Enqueue(item);
    }

    private void AddOpaque(CXCursor decl, string name)
    {
        if (!_records.ContainsKey(name))
            _records[name] = new RecordItem(Escape(name), $"{TagKeyword(decl)} {name}", decl, Opaque: true);
    }

    /// <summary>A struct embedded by value needs its own layout emitted too, listed or not.</summary>
    private void CompleteRecordClosure()
    {
        while (_recordsToScan.TryDequeue(out RecordItem? item))
            AddEmbeddedRecords(item.Decl.Type().Canonical());
    }

    private void AddEmbeddedRecords(CXType record)
    {
        foreach (CXCursor field in record.Fields())
        {
            CXType t = ElementType(field.Type().Canonical(), out _);
            if (t.kind != CXTypeKind.Record)
                continue;
            CXCursor decl = t.Declaration();
            if (RecordName(decl) is string name)
                AddRecord(decl, name);
            else
                AddEmbeddedRecords(t); // flattened or `<parent>_<field>` types: look inside
        }
    }

    /// <summary>Strips array dimensions: element type and total element count (1 for a non-array).</summary>
    private static CXType ElementType(CXType t, out long count)
    {
        count = 1;
        while (t.kind is CXTypeKind.ConstantArray)
        {
            count *= clang_getArraySize(t);
            t = clang_getArrayElementType(t).Canonical();
        }
        return t;
    }

    private string EmitStructs()
    {
        var w = new CodeWriter(FileHeader(_options.Namespace, "using System.Runtime.CompilerServices;\nusing System.Runtime.InteropServices;\n"));
        foreach (RecordItem r in _records.Values.OrderBy(r => r.CsName, StringComparer.Ordinal))
        {
            if (r.Opaque)
            {
                w.Line($"/// <summary>Opaque <c>{r.NativeTypeName}</c>: only used through pointers.</summary>");
                w.Line($"[NativeTypeName(\"{r.NativeTypeName}\")]");
                w.Line($"public partial struct {r.CsName}");
                w.Line("{");
                w.Line("}");
                w.Line();
            }
            else
            {
                EmitRecord(w, r.Decl.Type().Canonical(), r.CsName, r.NativeTypeName);
            }
        }
        return w.ToString();
    }

    /// <summary>Fields of one emitted struct, collected before writing (bitfield units and nested types come last).</summary>
    private sealed class RecordLayout(string csName, string nativeTypeName)
    {
        public string CsName { get; } = csName;
        public string NativeTypeName { get; } = nativeTypeName;
        public List<string> Fields { get; } = [];
        public List<BitfieldUnit> Units { get; } = [];
        public List<(string Name, string Element, long Count)> InlineArrays { get; } = [];
        public List<(CXType Type, string Name, string NativeTypeName)> NamedAnonymousTypes { get; } = [];
        public HashSet<string> MemberNames { get; } = new(StringComparer.Ordinal);
    }

    private sealed class BitfieldUnit(int ordinal, long byteOffset, long size)
    {
        public string FieldName { get; } = $"_bitfield{ordinal}";
        public long ByteOffset { get; } = byteOffset;
        public long Size { get; } = size;
        public string StorageType { get; } = size switch { 1 => "byte", 2 => "ushort", 4 => "uint", _ => "ulong" };
        public List<(string Name, int Shift, int Width, string Type, bool Signed)> Members { get; } = [];
    }

    private void EmitRecord(CodeWriter w, CXType type, string csName, string nativeTypeName)
    {
        var layout = new RecordLayout(csName, nativeTypeName);
        AddFields(layout, type, 0);

        w.Line($"[StructLayout(LayoutKind.Explicit, Size = {type.SizeOf()})]");
        w.Line($"[NativeTypeName(\"{nativeTypeName}\")]");
        w.Open($"public unsafe partial struct {csName}");
        foreach (string f in layout.Fields)
            w.Line(f);
        foreach (BitfieldUnit u in layout.Units)
            EmitBitfieldUnit(w, u);
        foreach ((string name, string element, long count) in layout.InlineArrays)
        {
            w.Line();
            w.Line($"[InlineArray({count})]");
            w.Open($"public unsafe partial struct {name}");
            w.Line($"public {element} e0;");
            w.Close();
        }
        w.Close();
        w.Line();

        // `struct { … } link_create;` inside union bpf_attr: its own type, bpf_attr_link_create.
        foreach ((CXType anonType, string anonName, string anonNative) in layout.NamedAnonymousTypes)
        {
            if (_records.ContainsKey(anonName) || !_anonymousNames.Add(anonName))
                _errors.Add($"{_names.Path}: error XDPGEN007: generated type name '{anonName}' (for {anonNative}) collides with another type");
            EmitRecord(w, anonType, anonName, anonNative);
        }
    }

    private readonly HashSet<string> _anonymousNames = new(StringComparer.Ordinal);

    /// <summary>
    /// Adds the fields of <paramref name="record"/> at <paramref name="baseBits"/>. C11 anonymous members (no field
    /// name) are flattened: in C their members are members of the parent, so they are here too, at absolute offsets.
    /// </summary>
    private void AddFields(RecordLayout layout, CXType record, long baseBits)
    {
        foreach (CXCursor field in record.Fields())
        {
            string name = field.Spelling();
            long bits = baseBits + clang_Cursor_getOffsetOfField(field);
            CXType t = field.Type().Canonical();
            string where = $"{layout.NativeTypeName}.{name}";

            if (clang_Cursor_isBitField(field) != 0)
            {
                if (name.Length > 0) // unnamed bitfields are padding
                    AddBitfield(layout, name, bits, clang_getFieldDeclBitWidth(field), t);
                continue;
            }
            if (name.Length == 0 && t.kind == CXTypeKind.Record)
            {
                AddFields(layout, t, bits);
                continue;
            }
            if (bits % 8 != 0)
            {
                _errors.Add($"{_names.Path}: error XDPGEN006: {where}: field at bit offset {bits} is not byte aligned");
                continue;
            }
            if (name == layout.CsName)
            {
                _errors.Add($"{_names.Path}: error XDPGEN006: {where}: a field named like its struct cannot be expressed in C#");
                continue;
            }
            layout.MemberNames.Add(name);
            long offset = bits / 8;
            string field0 = $"[FieldOffset({offset})] public";

            if (t.kind == CXTypeKind.IncompleteArray)
            {
                layout.Fields.Add($"// {name}: flexible array member at offset {offset}, not part of sizeof; index from a pointer.");
                continue;
            }
            if (t.kind == CXTypeKind.ConstantArray)
            {
                CXType element = ElementType(t, out long count);
                int dims = 0;
                for (CXType a = t; a.kind == CXTypeKind.ConstantArray; a = clang_getArrayElementType(a).Canonical())
                    dims++;
                string? fixedType = FixedBufferType(element);
                if (fixedType is not null)
                {
                    layout.Fields.Add($"{field0} fixed {fixedType} {Escape(name)}[{count}];");
                    continue;
                }
                string elementName = element.kind == CXTypeKind.Record && RecordName(element.Declaration()) is null
                    ? NamedAnonymous(layout, element, name, string.Concat(Enumerable.Repeat("[0]", dims)))
                    : MapType(element, where);
                string buffer = $"_{name}_e__FixedBuffer";
                layout.InlineArrays.Add((buffer, elementName, count));
                layout.Fields.Add($"{field0} {buffer} {Escape(name)};");
                continue;
            }
            if (t.kind == CXTypeKind.Record && RecordName(t.Declaration()) is null)
            {
                layout.Fields.Add($"{field0} {NamedAnonymous(layout, t, name, "")} {Escape(name)};");
                continue;
            }
            layout.Fields.Add($"{field0} {MapType(t, where)} {Escape(name)};");
        }
    }

    /// <summary>
    /// Names the unnamed type of a named field `&lt;parent&gt;_&lt;field&gt;`; its [NativeTypeName] is a C type
    /// expression that works in sizeof/offsetof: __typeof__(((struct parent *)0)->field).
    /// </summary>
    private static string NamedAnonymous(RecordLayout layout, CXType type, string field, string index)
    {
        string name = $"{layout.CsName}_{field}";
        string native = $"__typeof__((({layout.NativeTypeName} *)0)->{field}{index})";
        layout.NamedAnonymousTypes.Add((type, name, native));
        return name;
    }

    /// <summary>
    /// Element types C# allows in a fixed buffer (nuint/nint are spelled ulong/long: LP64). Plain `char` arrays are
    /// byte strings (names, paths), so they are `fixed byte`, which spans and UTF-8 APIs take directly. Arrays of
    /// pointers are `fixed ulong` (addresses).
    /// </summary>
    private static string? FixedBufferType(CXType element)
    {
        if (element.kind == CXTypeKind.Char_S)
            return "byte";
        if (element.kind == CXTypeKind.Pointer)
            return "ulong"; // C# allows neither pointer fixed buffers nor pointer inline arrays; LP64 pointers are 8 bytes
        CXTypeKind kind = element.kind == CXTypeKind.Enum
            ? clang_getEnumDeclIntegerType(element.Declaration()).Canonical().kind
            : element.kind;
        return kind is CXTypeKind.UInt128 or CXTypeKind.Int128 ? null : IntegerName(kind);
    }

    /// <summary>
    /// Bitfields share a storage unit of their declared type's size (SysV: a bitfield never straddles one); each unit
    /// becomes a private `_bitfieldN` marked [NativeBitfield], with a get/set property per C bitfield.
    /// </summary>
    private void AddBitfield(RecordLayout layout, string name, long bits, int width, CXType type)
    {
        long size = type.SizeOf();
        long unitBits = size * 8;
        long unitStart = bits / unitBits * unitBits;
        int shift = (int)(bits - unitStart);
        if (shift + width > unitBits)
        {
            _errors.Add($"{_names.Path}: error XDPGEN006: {layout.NativeTypeName}.{name}: bitfield straddles its storage unit (packed struct?)");
            return;
        }
        BitfieldUnit? unit = layout.Units.FirstOrDefault(u => u.ByteOffset == unitStart / 8 && u.Size == size);
        if (unit is null)
        {
            unit = new BitfieldUnit(layout.Units.Count, unitStart / 8, size);
            layout.Units.Add(unit);
        }
        CXTypeKind kind = type.kind == CXTypeKind.Enum
            ? clang_getEnumDeclIntegerType(type.Declaration()).Canonical().kind
            : type.kind;
        string propertyType = PrimitiveName(kind) ?? "uint";
        layout.MemberNames.Add(name);
        unit.Members.Add((name, shift, width, propertyType, !IsUnsigned(kind)));
    }

    private static void EmitBitfieldUnit(CodeWriter w, BitfieldUnit u)
    {
        w.Line();
        w.Line($"[FieldOffset({u.ByteOffset})]");
        foreach (var m in u.Members)
            w.Line($"[NativeBitfield(\"{m.Name}\", offset: {m.Shift}, length: {m.Width})]");
        w.Line($"private {u.StorageType} {u.FieldName};");
        foreach (var m in u.Members)
        {
            ulong mask = m.Width >= 64 ? ulong.MaxValue : (1UL << m.Width) - 1;
            ulong keep = ~(mask << m.Shift);
            string get = m.Signed
                // shift the field to the top, then arithmetic-shift back down: sign extension
                ? $"({m.Type})((long)((ulong){u.FieldName} << {64 - m.Shift - m.Width}) >> {64 - m.Width})"
                : $"({m.Type})(((ulong){u.FieldName} >> {m.Shift}) & 0x{mask:X}UL)";
            w.Line();
            w.Open($"public {m.Type} {Escape(m.Name)}");
            w.Line($"readonly get => {get};");
            w.Line($"set => {u.FieldName} = ({u.StorageType})(((ulong){u.FieldName} & 0x{keep:X}UL) | (((ulong)value & 0x{mask:X}UL) << {m.Shift}));");
            w.Close();
        }
    }
}
