using XdpAot.Gen;

namespace XdpAot.Tests.Gen;

/// <summary>Runs the generator over a small header written to a fresh temp folder.</summary>
internal static class GenHarness
{
    /// <summary>Writes <paramref name="header"/> as t.h (plus <paramref name="extraFiles"/>), then generates with
    /// <paramref name="names"/> as the names list; the list may refer to "t.h".</summary>
    public static GenerationResult Generate(string header, string names, params (string Name, string Text)[] extraFiles)
    {
        string dir = Path.Combine(Path.GetTempPath(), "xdpaot-gen-test-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            File.WriteAllText(Path.Combine(dir, "t.h"), header);
            foreach ((string name, string text) in extraFiles)
                File.WriteAllText(Path.Combine(dir, name), text);
            string list = Path.Combine(dir, "NativeMethods.txt");
            File.WriteAllText(list, names);
            return BindingGenerator.Generate(new GeneratorOptions { NamesListPath = list, IncludeDirectories = [dir] });
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>Generation that must fail; returns the error lines.</summary>
    public static IReadOnlyList<string> Errors(string header, string names)
    {
        var e = Assert.Throws<GeneratorException>(() => Generate(header, names));
        return e.Errors;
    }

    /// <summary>Whitespace-insensitive "contains this line" for generated code.</summary>
    public static void HasLine(GenerationResult result, string line)
    {
        string Squash(string s) => string.Join(' ', s.Split((char[])[' ', '\t'], StringSplitOptions.RemoveEmptyEntries));
        var lines = result.AllText.Split('\n').Select(Squash).ToHashSet();
        Assert.True(lines.Contains(Squash(line)), $"missing line: {line}\n--- generated ---\n{result.AllText}");
    }

    public static void LacksText(GenerationResult result, string text) =>
        Assert.False(result.AllText.Contains(text, StringComparison.Ordinal), $"unexpected: {text}\n--- generated ---\n{result.AllText}");
}
