using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using XdpAot.Gen;
using XdpAot.Interop;

namespace XdpAot.Tests.Bindings;

/// <summary>What <see cref="AbiChecker.Check"/> found.</summary>
/// <param name="Mismatches">One line per disagreement between C and C#; empty when the layouts agree.</param>
/// <param name="NativeSizes">C sizeof of every checked type, by C# type.</param>
/// <param name="FieldsChecked">Number of offsetof comparisons made.</param>
/// <param name="BitfieldsChecked">Number of bitfields whose bit positions were compared.</param>
public sealed record AbiReport(IReadOnlyList<string> Mismatches, IReadOnlyDictionary<Type, long> NativeSizes, int FieldsChecked, int BitfieldsChecked);

/// <summary>
/// Compares C# struct layouts with what gcc says about the C types they mirror. For every struct with
/// [NativeTypeName] and explicit layout it generates one C program that prints sizeof of the type, offsetof of each
/// field (by its C name) and, for each bitfield, the bytes of a zeroed struct with only that bitfield set to all ones;
/// then it compares with Unsafe.SizeOf/Marshal.SizeOf, [FieldOffset] and the generated bitfield properties.
/// </summary>
public sealed class AbiChecker(IReadOnlyList<string> headers, IReadOnlyList<string> includeDirectories)
{
    /// <summary>A checker for XdpAot.Bindings: the headers of every NativeMethods.txt section, plus its include folder.</summary>
    public static AbiChecker ForBindings()
    {
        NamesList list = NamesList.Load(RepoPaths.NamesList);
        return new AbiChecker(list.Sections.SelectMany(s => s.Headers).Distinct().ToList(), [RepoPaths.IncludeDir]);
    }

    /// <summary>The structs of an assembly that claim a C layout.</summary>
    public static IReadOnlyList<Type> NativeStructs(Assembly assembly) =>
        assembly.GetTypes().Where(IsNativeStruct).OrderBy(t => t.FullName, StringComparer.Ordinal).ToList();

    private static bool IsNativeStruct(Type t) =>
        t.IsValueType && !t.IsEnum && t.GetCustomAttribute<NativeTypeNameAttribute>() is not null
        && t.StructLayoutAttribute?.Value == LayoutKind.Explicit;

    public AbiReport Check(IEnumerable<Type> types)
    {
        var checkedTypes = types.Where(IsNativeStruct).ToList();
        var c = new StringBuilder();
        c.AppendLine("#include <stddef.h>\n#include <stdio.h>\n#include <string.h>");
        foreach (string h in headers)
            c.AppendLine($"#include <{h}>");
        c.AppendLine("""
            static void dump(const void *p, size_t n)
            {
                for (size_t i = 0; i < n; i++)
                    printf("%02x", ((const unsigned char *)p)[i]);
                printf("\n");
            }
            int main(void)
            {
            """);

        // What C# says, in the same order as the C program's lines.
        var expected = new List<(string Key, string What, string CSharp)>();
        int fields = 0, bitfields = 0;
        for (int i = 0; i < checkedTypes.Count; i++)
        {
            Type t = checkedTypes[i];
            string native = t.GetCustomAttribute<NativeTypeNameAttribute>()!.Name;
            c.AppendLine($"    printf(\"size {i} %zu\\n\", sizeof({native}));");
            expected.Add(($"size {i}", $"sizeof({native}) [{t.Name}]", SizeOf(t).ToString(CultureInfo.InvariantCulture)));

            foreach (FieldInfo f in t.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic))
            {
                var bits = f.GetCustomAttributes<NativeBitfieldAttribute>().ToList();
                if (bits.Count == 0)
                {
                    int j = fields++;
                    c.AppendLine($"    printf(\"offset {j} %zu\\n\", offsetof({native}, {f.Name}));");
                    expected.Add(($"offset {j}", $"offsetof({native}, {f.Name}) [{t.Name}]", OffsetOf(f).ToString(CultureInfo.InvariantCulture)));
                    continue;
                }
                foreach (NativeBitfieldAttribute b in bits)
                {
                    int k = bitfields++;
                    c.AppendLine($"    {{ {native} v; memset(&v, 0, sizeof v); v.{b.Name} = -1; printf(\"bits {k} \"); dump(&v, sizeof v); }}");
                    expected.Add(($"bits {k}", $"bitfield {native}.{b.Name} set to all ones [{t.Name}]", BitfieldBytes(t, b.Name)));
                }
            }
        }
        c.AppendLine("    return 0;\n}");

        Dictionary<string, string> actual = RunC(c.ToString());
        var mismatches = new List<string>();
        foreach ((string key, string what, string cs) in expected)
        {
            if (!actual.TryGetValue(key, out string? native))
                mismatches.Add($"{what}: no output from the C program");
            else if (native != cs)
                mismatches.Add($"{what}: C says {native}, C# says {cs}");
        }
        var sizes = new Dictionary<Type, long>();
        for (int i = 0; i < checkedTypes.Count; i++)
        {
            if (actual.TryGetValue($"size {i}", out string? s))
                sizes[checkedTypes[i]] = long.Parse(s, CultureInfo.InvariantCulture);
        }
        return new AbiReport(mismatches, sizes, fields, bitfields);
    }

    /// <summary>Unsafe.SizeOf (what pointer arithmetic uses), cross-checked against Marshal.SizeOf.</summary>
    private static string SizeOf(Type t)
    {
        int size = (int)typeof(Unsafe).GetMethod(nameof(Unsafe.SizeOf))!.MakeGenericMethod(t).Invoke(null, null)!;
        int marshal = Marshal.SizeOf(t);
        return size == marshal ? size.ToString(CultureInfo.InvariantCulture) : $"{size} (Marshal.SizeOf {marshal})";
    }

    private static int OffsetOf(FieldInfo f) =>
        f.GetCustomAttribute<FieldOffsetAttribute>()?.Value ?? (int)Marshal.OffsetOf(f.DeclaringType!, f.Name);

    /// <summary>The struct's bytes after setting bitfield property <paramref name="name"/> to all ones.</summary>
    private static string BitfieldBytes(Type t, string name)
    {
        object box = Activator.CreateInstance(t)!;
        PropertyInfo? p = t.GetProperty(name);
        if (p is null)
            return "(no property)";
        object ones = Type.GetTypeCode(p.PropertyType) switch
        {
            TypeCode.Byte => byte.MaxValue,
            TypeCode.SByte => (sbyte)-1,
            TypeCode.UInt16 => ushort.MaxValue,
            TypeCode.Int16 => (short)-1,
            TypeCode.UInt32 => uint.MaxValue,
            TypeCode.Int32 => -1,
            TypeCode.UInt64 => ulong.MaxValue,
            TypeCode.Int64 => -1L,
            _ => p.PropertyType == typeof(nuint) ? nuint.MaxValue : (object)(nint)(-1),
        };
        p.SetValue(box, ones);
        GCHandle h = GCHandle.Alloc(box, GCHandleType.Pinned);
        try
        {
            byte[] bytes = new byte[Marshal.SizeOf(t)];
            Marshal.Copy(h.AddrOfPinnedObject(), bytes, 0, bytes.Length);
            return Convert.ToHexStringLower(bytes);
        }
        finally
        {
            h.Free();
        }
    }

    private Dictionary<string, string> RunC(string source)
    {
        string dir = Path.Combine(Path.GetTempPath(), "xdpaot-abi-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            string src = Path.Combine(dir, "abi.c"), exe = Path.Combine(dir, "abi");
            File.WriteAllText(src, source);
            var args = new List<string> { "-std=gnu11", "-w", "-o", exe, src };
            args.AddRange(includeDirectories.Select(d => "-I" + d));
            (int rc, string output) = Run("gcc", args);
            if (rc != 0)
                throw new InvalidOperationException($"gcc failed ({rc}):\n{output}\n--- {src} ---\n{source}");
            (rc, output) = Run(exe, []);
            if (rc != 0)
                throw new InvalidOperationException($"ABI program failed ({rc}):\n{output}");
            var result = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (string line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                int last = line.LastIndexOf(' ');
                result[line[..last]] = line[(last + 1)..];
            }
            return result;
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static (int ExitCode, string Output) Run(string file, IEnumerable<string> args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in args)
            psi.ArgumentList.Add(a);
        using Process p = Process.Start(psi)!;
        Task<string> stderr = p.StandardError.ReadToEndAsync();
        string stdout = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, stdout + stderr.Result);
    }
}
