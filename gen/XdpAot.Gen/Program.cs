using XdpAot.Gen;

// Thin command line over BindingGenerator, run by bindings/XdpAot.Bindings/XdpAot.Bindings.targets:
//   XdpAot.Gen --names NativeMethods.txt --out obj/.../generated [--include DIR]... [--deps FILE] [--clang-arg ARG]...
// Files are rewritten only when their text changed, but always touched, so MSBuild sees the outputs as up to date
// while files whose text did not change keep their content (and editors do not reload them).

string? names = null, outDir = null, deps = null;
var includes = new List<string>();
var clangArgs = new List<string>();
for (int i = 0; i < args.Length; i++)
{
    string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
    switch (args[i])
    {
        case "--names": names = Next(); break;
        case "--out": outDir = Next(); break;
        case "--deps": deps = Next(); break;
        case "--include": includes.Add(Next()); break;
        case "--clang-arg": clangArgs.Add(Next()); break;
        default:
            Console.Error.WriteLine($"XdpAot.Gen: error XDPGEN000: unknown argument '{args[i]}'");
            return 2;
    }
}
if (names is null || outDir is null)
{
    Console.Error.WriteLine("usage: XdpAot.Gen --names FILE --out DIR [--include DIR]... [--deps FILE] [--clang-arg ARG]...");
    return 2;
}

try
{
    GenerationResult result = BindingGenerator.Generate(new GeneratorOptions
    {
        NamesListPath = Path.GetFullPath(names),
        IncludeDirectories = includes,
        ClangArguments = clangArgs,
    });
    Directory.CreateDirectory(outDir);
    foreach ((string file, string text) in result.Files)
        WriteIfChanged(Path.Combine(outDir, file), text);
    if (deps is not null)
        WriteIfChanged(deps, string.Join('\n', result.InputFiles) + "\n");
    return 0;
}
catch (GeneratorException e)
{
    // MSBuild's Exec turns "file(line): error CODE: text" lines into build errors.
    foreach (string error in e.Errors)
        Console.Error.WriteLine(error);
    return 1;
}

static void WriteIfChanged(string path, string text)
{
    if (File.Exists(path) && File.ReadAllText(path) == text)
        File.SetLastWriteTimeUtc(path, DateTime.UtcNow);
    else
        File.WriteAllText(path, text);
}
