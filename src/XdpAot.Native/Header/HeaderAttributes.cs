namespace XdpAot.Native.Header;

// What gen/XdpAot.HeaderGen reads to write xdpaot.h from this assembly. It matches these attributes by full
// name (it never references this assembly), so renaming one means renaming it there too (AttributeNames.cs).
// Everything else in the header comes from the code itself: entry points, parameter names and types, struct
// fields, sizes and offsets, and the XML doc comments.

/// <summary>
/// Marks the class whose <c>[UnmanagedCallersOnly]</c> methods make up the header; its XML doc comment becomes
/// the header's opening comment.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
internal sealed class CHeaderAttribute(string fileName, string prefix, params string[] includes) : Attribute
{
    /// <summary>The header's file name; its include guard is derived from it.</summary>
    public string FileName { get; } = fileName;

    /// <summary>Every entry point, struct and macro must start with this prefix (any case).</summary>
    public string Prefix { get; } = prefix;

    /// <summary>System headers to include, in order.</summary>
    public string[] Includes { get; } = includes;
}

/// <summary>
/// A struct that appears in the header as <c>typedef struct name {…} name;</c> with its fields in order (names
/// in snake_case), checked against the C# layout by static asserts; or, when opaque, only as
/// <c>typedef struct name name;</c>.
/// </summary>
[AttributeUsage(AttributeTargets.Struct, AllowMultiple = false)]
internal sealed class CStructAttribute(string name) : Attribute
{
    /// <summary>The C name of the struct and of its typedef.</summary>
    public string Name { get; } = name;

    /// <summary>Declared but never defined: C sees only pointers to it.</summary>
    public bool Opaque { get; init; }
}

/// <summary>The C type of a parameter, return value or field, where the C# type alone does not say it.</summary>
[AttributeUsage(AttributeTargets.Parameter | AttributeTargets.ReturnValue | AttributeTargets.Field, AllowMultiple = false)]
internal sealed class CTypeAttribute(string type) : Attribute
{
    /// <summary>The C type, e.g. <c>const char *</c>.</summary>
    public string Type { get; } = type;
}

/// <summary>A pointer whose target C must treat as read-only: <c>T *</c> becomes <c>const T *</c>.</summary>
[AttributeUsage(AttributeTargets.Parameter | AttributeTargets.ReturnValue | AttributeTargets.Field, AllowMultiple = false)]
internal sealed class CConstAttribute : Attribute;

/// <summary>
/// A function-pointer parameter, declared in the header as a typedef of that name. The C parameter declarations
/// must match the function pointer's parameters one for one (checked); the typedef's comment is the
/// parameter's <c>&lt;param&gt;</c> doc.
/// </summary>
[AttributeUsage(AttributeTargets.Parameter, AllowMultiple = false)]
internal sealed class CCallbackAttribute(string typedefName, params string[] parameters) : Attribute
{
    /// <summary>The typedef's name.</summary>
    public string TypedefName { get; } = typedefName;

    /// <summary>C declarations of the parameters, e.g. <c>const void *frame</c>.</summary>
    public string[] Parameters { get; } = parameters;
}

/// <summary>A constant that appears in the header as <c>#define NAME value</c>.</summary>
[AttributeUsage(AttributeTargets.Field, AllowMultiple = false)]
internal sealed class CDefineAttribute(string name) : Attribute
{
    /// <summary>The macro's name.</summary>
    public string Name { get; } = name;
}
