namespace XdpAot.Tests.Vhost.FrontEndTests;

/// <summary>
/// Tests that count this process's open fds or guest-memory mappings (<see cref="FdCensus"/>) to prove nothing leaks:
/// any test running beside them would change the counts, so they run alone.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public class ProcessCensusCollection
{
    public const string Name = "process census";
}
