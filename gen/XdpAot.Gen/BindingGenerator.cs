namespace XdpAot.Gen;

/// <summary>The generator as a library: names list + headers in, C# source text out. Program.cs is a thin CLI over it.</summary>
public static class BindingGenerator
{
    /// <summary>The output file names, in a fixed set so that build targets can list them as Outputs.</summary>
    public static IReadOnlyList<string> OutputFileNames { get; } =
        [Generator.StructsFile, Generator.EnumsFile, Generator.ConstantsFile, Generator.FunctionsFile];

    /// <summary>Generates the bindings; throws <see cref="GeneratorException"/> listing every problem found.</summary>
    public static GenerationResult Generate(GeneratorOptions options)
    {
        NamesList names = options.NamesListText is null
            ? NamesList.Load(options.NamesListPath)
            : NamesList.Parse(options.NamesListText, options.NamesListPath);
        using var generator = new Generator(options, names);
        return generator.Run();
    }
}
