using BenchmarkDotNet.Running;
using Kis.Realtime.Benchmarks;

// Run all:  dotnet run -c Release --project bench/Kis.Realtime.Benchmarks -- --filter '*'
// One set:  dotnet run -c Release --project bench/Kis.Realtime.Benchmarks -- --filter '*DecodeBenchmarks*'
// `e2e [seconds]`: the quick measured end-to-end harness (client + simulator); anything else goes to BenchmarkDotNet.
if (args.Length > 0 && args[0] == "e2e") return await EndToEndHarness.RunAsync(args);
BenchmarkSwitcher.FromAssembly(typeof(DecodeBenchmarks).Assembly).Run(args);
return 0;

public partial class Program;
