using BenchmarkDotNet.Running;

// Run all:  dotnet run -c Release --project bench/Kis.Realtime.Benchmarks -- --filter '*'
// One set:  dotnet run -c Release --project bench/Kis.Realtime.Benchmarks -- --filter '*Decode*'
BenchmarkSwitcher.FromAssembly(typeof(Kis.Realtime.Benchmarks.DecodeBenchmarks).Assembly).Run(args);
