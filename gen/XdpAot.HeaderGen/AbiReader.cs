using System.Globalization;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Runtime.Loader;
using System.Text;

namespace XdpAot.HeaderGen;

/// <summary>
/// Reads the C ABI out of a built assembly: the [CHeader] class, every [UnmanagedCallersOnly] export, the
/// [CStruct] structs with their real layout, and the [CDefine] constants. Enforces the header's rules: every
/// export has an entry point with the prefix and a doc comment, and every type has a C spelling.
/// </summary>
internal static class AbiReader
{
    private const BindingFlags AllStatic = BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly;
    private const BindingFlags AllInstance = BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly;

    public static HeaderModel Read(string assemblyPath, DocComments docs)
    {
        var assembly = Load(assemblyPath);
        var types = assembly.GetTypes().OrderBy(t => t.MetadataToken).ToArray();

        var headerTypes = types.Where(t => Attributes.Find(t.GetCustomAttributesData(), AttributeNames.CHeader) is not null).ToArray();
        if (headerTypes.Length != 1)
            throw new HeaderGenException(assemblyPath, $"expected one class with [CHeader], found {headerTypes.Length}");
        var header = Attributes.Find(headerTypes[0].GetCustomAttributesData(), AttributeNames.CHeader)!;
        string fileName = (string)header.ConstructorArguments[0].Value!;
        string prefix = (string)header.ConstructorArguments[1].Value!;
        var includes = Attributes.Strings(header.ConstructorArguments[2]);

        var structs = types.Select(t => ReadStruct(t, docs)).OfType<CStruct>().ToList();
        var defines = types.SelectMany(t => t.GetFields(AllStatic)).OrderBy(f => f.MetadataToken)
            .Select(f => ReadDefine(f, docs)).OfType<CDefine>().ToList();
        var callbacks = new List<CCallback>();
        var functions = types.SelectMany(t => t.GetMethods(AllStatic)).OrderBy(m => m.MetadataToken)
            .Select(m => ReadFunction(m, docs, callbacks)).OfType<CFunction>().ToList();

        foreach (var name in structs.Select(s => s.Name).Concat(functions.Select(f => f.Name)).Concat(callbacks.Select(c => c.Name)).Concat(defines.Select(d => d.Name)))
        {
            if (!name.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
                throw new HeaderGenException(name, $"'{name}' does not start with '{prefix}': everything the header declares must");
        }
        var duplicate = functions.GroupBy(f => f.Name).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
            throw new HeaderGenException(duplicate.Key, $"entry point '{duplicate.Key}' is exported twice");
        return new HeaderModel(fileName, includes, docs.For(headerTypes[0]), defines, structs, callbacks, functions);
    }

    /// <summary>
    /// Loads the assembly in a context of its own that finds its dependencies next to it (the build output
    /// folder), so the types of the core that appear in signatures resolve.
    /// </summary>
    private static Assembly Load(string path)
    {
        string full = Path.GetFullPath(path);
        if (!File.Exists(full))
            throw new HeaderGenException(path, "assembly not found");
        string dir = Path.GetDirectoryName(full)!;
        var context = new AssemblyLoadContext("xdpaot-headergen", isCollectible: true);
        context.Resolving += (ctx, name) =>
        {
            string candidate = Path.Combine(dir, name.Name + ".dll");
            return File.Exists(candidate) ? ctx.LoadFromAssemblyPath(candidate) : null;
        };
        return context.LoadFromAssemblyPath(full);
    }

    private static CStruct? ReadStruct(Type type, DocComments docs)
    {
        var attr = Attributes.Find(type.GetCustomAttributesData(), AttributeNames.CStruct);
        if (attr is null)
            return null;
        string name = (string)attr.ConstructorArguments[0].Value!;
        if (Attributes.Named(attr, "Opaque") == "True")
            return new CStruct(name, true, 0, [], docs.For(type));
        if (!type.IsValueType || !type.IsLayoutSequential)
            throw new HeaderGenException(type.FullName!, "a [CStruct] must be a struct with sequential layout");
        var fields = type.GetFields(AllInstance).OrderBy(f => f.MetadataToken).Select(f => new CField(
            CTypes.Of(f.FieldType, f.GetCustomAttributesData(), $"{type.FullName}.{f.Name}"),
            SnakeCase(f.Name),
            (int)Marshal.OffsetOf(type, f.Name),
            docs.For(f))).ToList();
        if (fields.Count == 0)
            throw new HeaderGenException(type.FullName!, "a [CStruct] needs fields (or Opaque = true)");
        return new CStruct(name, false, Marshal.SizeOf(type), fields, docs.For(type));
    }

    private static CDefine? ReadDefine(FieldInfo field, DocComments docs)
    {
        var attr = Attributes.Find(field.GetCustomAttributesData(), AttributeNames.CDefine);
        if (attr is null)
            return null;
        string where = $"{field.DeclaringType!.FullName}.{field.Name}";
        if (!field.IsLiteral)
            throw new HeaderGenException(where, "[CDefine] needs a const field");
        string value = field.GetRawConstantValue() switch
        {
            string s => "\"" + s.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"",
            int or short or sbyte or byte or ushort => Convert.ToString(field.GetRawConstantValue(), CultureInfo.InvariantCulture)!,
            uint u => u.ToString(CultureInfo.InvariantCulture) + "u",
            long l => l.ToString(CultureInfo.InvariantCulture) + "ll",
            ulong ul => ul.ToString(CultureInfo.InvariantCulture) + "ull",
            var other => throw new HeaderGenException(where, $"[CDefine] of a {other?.GetType().Name}: only strings and integers"),
        };
        return new CDefine((string)attr.ConstructorArguments[0].Value!, value, docs.For(field));
    }

    private static CFunction? ReadFunction(MethodInfo method, DocComments docs, List<CCallback> callbacks)
    {
        var uco = Attributes.Find(method.GetCustomAttributesData(), AttributeNames.UnmanagedCallersOnly);
        if (uco is null)
            return null;
        string where = $"{method.DeclaringType!.FullName}.{method.Name}";
        string name = Attributes.Named(uco, "EntryPoint")
            ?? throw new HeaderGenException(where, "[UnmanagedCallersOnly] without EntryPoint: it would not be exported");
        var doc = docs.For(method);
        if (doc.Paragraphs.Count == 0)
            throw new HeaderGenException(where, $"{name} has no <summary>: every export is documented in the header");

        var parameters = new List<CParameter>();
        foreach (var p in method.GetParameters())
        {
            string pwhere = $"{where}({p.Name})";
            var attrs = p.GetCustomAttributesData();
            string type = Attributes.Find(attrs, AttributeNames.CCallback) is { } cb
                ? ReadCallback(p, cb, doc, callbacks, pwhere)
                : CTypes.Of(p.ParameterType, attrs, pwhere);
            parameters.Add(new CParameter(type, p.Name!));
        }
        string returns = CTypes.Of(method.ReturnType, method.ReturnParameter.GetCustomAttributesData(), where + "(return)");
        return new CFunction(name, returns, parameters, doc);
    }

    /// <summary>
    /// Declares the typedef of a [CCallback] parameter, after checking its C parameters against the function
    /// pointer's own: same count, and the same types once const is set aside.
    /// </summary>
    private static string ReadCallback(ParameterInfo p, CustomAttributeData attr, Doc doc, List<CCallback> callbacks, string where)
    {
        var type = p.ParameterType;
        if (!type.IsFunctionPointer)
            throw new HeaderGenException(where, "[CCallback] on a parameter that is not a function pointer");
        string typedef = (string)attr.ConstructorArguments[0].Value!;
        var declared = Attributes.Strings(attr.ConstructorArguments[1]);
        var actual = type.GetFunctionPointerParameterTypes();
        if (declared.Length != actual.Length)
            throw new HeaderGenException(where, $"{typedef} declares {declared.Length} parameters, the function pointer has {actual.Length}");
        var parameters = new List<string>();
        for (int i = 0; i < actual.Length; i++)
        {
            var (ctype, cname) = CTypes.Split(declared[i], where);
            string expected = CTypes.Map(actual[i], where);
            if (CTypes.Unqualified(ctype) != expected)
                throw new HeaderGenException(where, $"{typedef} parameter '{declared[i]}' does not match the function pointer's {actual[i]} ({expected})");
            parameters.Add(CTypes.Declare(ctype, cname));
        }
        string returns = CTypes.Map(type.GetFunctionPointerReturnType(), where);
        var callbackDoc = doc.Params.TryGetValue(p.Name!, out var text) ? new Doc([text], new Dictionary<string, string>(), null) : Doc.Empty;
        if (callbacks.All(c => c.Name != typedef))
            callbacks.Add(new CCallback(typedef, returns, parameters, callbackDoc));
        return typedef;
    }

    /// <summary><c>RxFillRingEmptyDescs</c> → <c>rx_fill_ring_empty_descs</c>.</summary>
    internal static string SnakeCase(string name)
    {
        var sb = new StringBuilder(name.Length + 8);
        for (int i = 0; i < name.Length; i++)
        {
            char c = name[i];
            if (char.IsUpper(c) && i > 0 && (char.IsLower(name[i - 1]) || char.IsDigit(name[i - 1])))
                sb.Append('_');
            sb.Append(char.ToLowerInvariant(c));
        }
        return sb.ToString();
    }
}
