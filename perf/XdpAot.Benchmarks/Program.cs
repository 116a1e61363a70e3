using BenchmarkDotNet.Running;

// dotnet run -c Release --project perf/XdpAot.Benchmarks -- --filter '*' [--job short|dry] [--inProcess]
BenchmarkSwitcher.FromAssembly(typeof(XdpAot.Benchmarks.RingBenchmarks).Assembly).Run(args);
