namespace XdpAot.Tests.Integration;

/// <summary>
/// Integration tests move real frames on a 2-core machine: running them one at a time keeps each test's
/// timing margins honest (they still use namespaces of their own, so they could run in parallel).
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public class IntegrationCollection
{
    public const string Name = "integration";
}
