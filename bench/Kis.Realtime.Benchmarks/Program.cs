using BenchmarkDotNet.Running;
using Kis.Realtime.Benchmarks;

// `e2e [seconds]`: the quick measured end-to-end harness (client + simulator); anything else goes to BenchmarkDotNet.
if (args.Length > 0 && args[0] == "e2e") return await EndToEndHarness.RunAsync(args);
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;

public partial class Program;
