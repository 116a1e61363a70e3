using System.Reflection;

namespace XdpAot.HeaderGen;

/// <summary>Attribute lookups by full name, through <see cref="CustomAttributeData"/> (no attribute code runs).</summary>
internal static class Attributes
{
    public static CustomAttributeData? Find(IList<CustomAttributeData> attributes, string fullName) =>
        attributes.FirstOrDefault(a => a.AttributeType.FullName == fullName);

    public static string? Named(CustomAttributeData attribute, string name) =>
        attribute.NamedArguments.FirstOrDefault(a => a.MemberName == name).TypedValue.Value?.ToString();

    /// <summary>A <c>params string[]</c> constructor argument.</summary>
    public static string[] Strings(CustomAttributeTypedArgument argument) =>
        argument.Value is IEnumerable<CustomAttributeTypedArgument> items
            ? items.Select(i => (string)i.Value!).ToArray()
            : [];
}
