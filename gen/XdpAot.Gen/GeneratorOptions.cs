namespace XdpAot.Gen;

/// <summary>What to generate from.</summary>
public sealed class GeneratorOptions
{
    /// <summary>The names list file (NativeMethods.txt). Also names the list in error messages.</summary>
    public required string NamesListPath { get; init; }

    /// <summary>The names list text; when null the file at <see cref="NamesListPath"/> is read.</summary>
    public string? NamesListText { get; init; }

    /// <summary>Extra include folders (-I), searched before the system headers; e.g. the supplementary header's folder.</summary>
    public IReadOnlyList<string> IncludeDirectories { get; init; } = [];

    /// <summary>Extra arguments for clang (e.g. -D…).</summary>
    public IReadOnlyList<string> ClangArguments { get; init; } = [];

    /// <summary>Namespace of the generated code.</summary>
    public string Namespace { get; init; } = "XdpAot.Interop";
}

/// <summary>The generated sources and the files they were generated from.</summary>
public sealed class GenerationResult
{
    internal GenerationResult(IReadOnlyDictionary<string, string> files, IReadOnlyList<string> inputFiles)
    {
        Files = files;
        InputFiles = inputFiles;
    }

    /// <summary>File name (e.g. "Structs.g.cs") to C# source text, always the same set of files.</summary>
    public IReadOnlyDictionary<string, string> Files { get; }

    /// <summary>Every header clang read (absolute paths, sorted): inputs for incremental builds.</summary>
    public IReadOnlyList<string> InputFiles { get; }

    /// <summary>All generated files concatenated (handy in tests).</summary>
    public string AllText => string.Concat(Files.OrderBy(f => f.Key, StringComparer.Ordinal).Select(f => f.Value));
}
