using System.Reflection;
using System.Text.RegularExpressions;

namespace XdpAot.HeaderGen;

/// <summary>
/// C types for C# types: fixed-width integers, <c>int</c>, <c>size_t</c>, pointers, and structs marked
/// [CStruct]. Anything else (bool, char, managed types, function pointers without [CCallback]) is an error:
/// the ABI must say exactly what it means.
/// </summary>
internal static partial class CTypes
{
    private static readonly Dictionary<string, string> s_primitives = new()
    {
        ["System.Void"] = "void",
        ["System.Int32"] = "int",
        ["System.UInt32"] = "uint32_t",
        ["System.Int64"] = "int64_t",
        ["System.UInt64"] = "uint64_t",
        ["System.Int16"] = "int16_t",
        ["System.UInt16"] = "uint16_t",
        ["System.Byte"] = "uint8_t",
        ["System.SByte"] = "int8_t",
        ["System.IntPtr"] = "intptr_t",
        ["System.UIntPtr"] = "size_t",
    };

    /// <summary>
    /// The C type of a parameter, return value or field: its [CType] if it has one; otherwise mapped from the C#
    /// type, with <c>const</c> added to the innermost pointee for [CConst].
    /// </summary>
    public static string Of(Type type, IList<CustomAttributeData> attributes, string where)
    {
        if (Attributes.Find(attributes, AttributeNames.CType) is { } ctype)
            return Normalize((string)ctype.ConstructorArguments[0].Value!);
        string c = Map(type, where);
        if (Attributes.Find(attributes, AttributeNames.CConst) is not null)
        {
            if (!type.IsPointer)
                throw new HeaderGenException(where, $"[CConst] on {type}, which is not a pointer");
            c = "const " + c;
        }
        return c;
    }

    /// <summary>Maps a C# type; throws for types with no unambiguous C equivalent.</summary>
    public static string Map(Type type, string where)
    {
        if (type.IsPointer)
        {
            string inner = Map(type.GetElementType()!, where);
            return inner.EndsWith('*') ? inner + "*" : inner + " *";
        }
        if (type.IsFunctionPointer)
            throw new HeaderGenException(where, "a function pointer needs [CCallback(\"typedef_name\", …)]");
        if (type.FullName is { } name && s_primitives.TryGetValue(name, out var c))
            return c;
        if (type.IsValueType && Attributes.Find(type.GetCustomAttributesData(), AttributeNames.CStruct) is { } s)
            return (string)s.ConstructorArguments[0].Value!;
        throw new HeaderGenException(where, $"no C type for {type.FullName}: use int, fixed-width integers, nuint, pointers or a [CStruct], or say it with [CType]");
    }

    /// <summary><c>const char *</c> + <c>opts</c> → <c>const char *opts</c>; <c>int</c> + <c>q</c> → <c>int q</c>.</summary>
    public static string Declare(string type, string name) => type.EndsWith('*') ? type + name : type + " " + name;

    /// <summary>Splits a C declaration such as <c>const void *frame</c> into its type and name.</summary>
    public static (string Type, string Name) Split(string declaration, string where)
    {
        var m = DeclarationPattern().Match(declaration.Trim());
        if (!m.Success)
            throw new HeaderGenException(where, $"'{declaration}' is not a C parameter declaration (type then name)");
        return (Normalize(m.Groups["type"].Value), m.Groups["name"].Value);
    }

    /// <summary>The type with qualifiers dropped, to compare a declared C type with a mapped one.</summary>
    public static string Unqualified(string type) => Normalize(ConstPattern().Replace(type, " "));

    /// <summary>One space between words and one before the stars, which come last: <c>const void *</c>, <c>xdpaot_port **</c>.</summary>
    public static string Normalize(string type)
    {
        string t = type.Trim();
        int star = t.IndexOf('*');
        if (star < 0)
            return Spaces().Replace(t, " ");
        string stars = Spaces().Replace(t[star..], "");
        if (stars.Trim('*').Length != 0)
            throw new HeaderGenException(type, $"'{type}': qualifiers after '*' are not supported");
        return Spaces().Replace(t[..star], " ").Trim() + " " + stars;
    }

    [GeneratedRegex(@"^(?<type>.*[\s\*])(?<name>[A-Za-z_][A-Za-z0-9_]*)$")]
    private static partial Regex DeclarationPattern();

    [GeneratedRegex(@"\bconst\b")]
    private static partial Regex ConstPattern();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Spaces();
}
