namespace XdpAot.HeaderGen;

/// <summary>Everything the header declares, in the order it declares it.</summary>
internal sealed record HeaderModel(
    string FileName,
    IReadOnlyList<string> Includes,
    Doc Intro,
    IReadOnlyList<CDefine> Defines,
    IReadOnlyList<CStruct> Structs,
    IReadOnlyList<CCallback> Callbacks,
    IReadOnlyList<CFunction> Functions);

/// <summary><c>#define Name Value</c>.</summary>
internal sealed record CDefine(string Name, string Value, Doc Doc);

/// <summary>A struct typedef; <see cref="Fields"/> is empty and <see cref="Size"/> 0 when opaque.</summary>
internal sealed record CStruct(string Name, bool Opaque, int Size, IReadOnlyList<CField> Fields, Doc Doc);

/// <summary>One field, at the offset the C# layout puts it.</summary>
internal sealed record CField(string Type, string Name, int Offset, Doc Doc);

/// <summary><c>typedef Return (*Name)(Parameters);</c></summary>
internal sealed record CCallback(string Name, string ReturnType, IReadOnlyList<string> Parameters, Doc Doc);

/// <summary>An exported function.</summary>
internal sealed record CFunction(string Name, string ReturnType, IReadOnlyList<CParameter> Parameters, Doc Doc);

/// <summary>A function parameter: C type and name.</summary>
internal sealed record CParameter(string Type, string Name);

/// <summary>
/// A doc comment as plain-text paragraphs: the summary (and remarks), per-parameter text, and what it returns.
/// </summary>
internal sealed record Doc(IReadOnlyList<string> Paragraphs, IReadOnlyDictionary<string, string> Params, string? Returns)
{
    public static readonly Doc Empty = new([], new Dictionary<string, string>(), null);

    public bool IsEmpty => Paragraphs.Count == 0 && Params.Count == 0 && Returns is null;
}
