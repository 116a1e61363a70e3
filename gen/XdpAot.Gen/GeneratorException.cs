namespace XdpAot.Gen;

/// <summary>
/// A generation failure. <see cref="Errors"/> holds every problem found (the generator keeps going so one build shows
/// them all), each formatted as an MSBuild canonical error ("file(line): error XDPGEN00N: text") so that the build
/// reports it as an error at the right line of the names list.
/// </summary>
public sealed class GeneratorException : Exception
{
    /// <summary>Creates an exception for one problem.</summary>
    public GeneratorException(string message)
        : this(new[] { message })
    {
    }

    /// <summary>Creates an exception for several problems.</summary>
    public GeneratorException(IReadOnlyList<string> errors)
        : base(string.Join(Environment.NewLine, errors))
    {
        Errors = errors;
    }

    /// <summary>Every problem, one per entry.</summary>
    public IReadOnlyList<string> Errors { get; }
}
