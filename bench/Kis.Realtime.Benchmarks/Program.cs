using BenchmarkDotNet.Running;
using Kis.Realtime.Benchmarks;

// Run all:  dotnet run -c Release --project bench/Kis.Realtime.Benchmarks -- --filter '*'
// One set:  dotnet run -c Release --project bench/Kis.Realtime.Benchmarks -- --filter '*DecodeBenchmarks*'
// `e2e [seconds]`: the quick measured end-to-end harness (client + simulator); anything else goes to BenchmarkDotNet.
if (args.Length > 0 && args[0] == "e2e") return await EndToEndHarness.RunAsync(args);
// `gateway-e2e [seconds] [records/s]`: simulator → gateway → RabbitMQ → KisGatewayClient, p99 latency at a steady rate.
if (args.Length > 0 && args[0] == "gateway-e2e") return await GatewayEndToEndHarness.RunAsync(args);
// `sim RATE`: the child process of StreamCpuBenchmarks (a simulator whose CPU is not counted).
if (args.Length > 1 && args[0] == "sim") return await StreamCpuBenchmarks.RunSimulatorAsync(args);
// `stream-cpu [seconds] [rounds]`: `kisrt stream --format jsonl` as a child process, CPU per record at fixed rates.
if (args.Length > 0 && args[0] == "stream-cpu") return await CliStreamCpuHarness.RunAsync(args);
// `cpu [seconds]`: typed decode in CPU time per record (stable on a shared machine), bytes allocated per record.
if (args.Length > 0 && args[0] == "cpu") return CpuPerRecordHarness.Run(args);
// `bars-cpu [seconds]`: bar aggregation, gap detection and instrument state in CPU time per trade.
if (args.Length > 0 && args[0] == "bars-cpu") return BarCpuHarness.Run(args);
BenchmarkSwitcher.FromAssembly(typeof(DecodeBenchmarks).Assembly).Run(args);
return 0;

public partial class Program;
