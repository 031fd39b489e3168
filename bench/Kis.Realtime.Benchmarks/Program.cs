using BenchmarkDotNet.Running;
using Kis.Realtime.Benchmarks;

// Run all:  dotnet run -c Release --project bench/Kis.Realtime.Benchmarks -- --filter '*'
// One set:  dotnet run -c Release --project bench/Kis.Realtime.Benchmarks -- --filter '*DecodeBenchmarks*'
// `e2e [seconds]`: the quick measured end-to-end harness (client + simulator); anything else goes to BenchmarkDotNet.
if (args.Length > 0 && args[0] == "e2e") return await EndToEndHarness.RunAsync(args);
// `gateway-e2e [seconds] [records/s]`: simulator → gateway → RabbitMQ → KisGatewayClient, p99 latency at a steady rate.
if (args.Length > 0 && args[0] == "gateway-e2e") return await GatewayEndToEndHarness.RunAsync(args);
// `whole-market [stocks] [keys] [steady/s] [burst/s] [burst-s] [steady-s] [lead-s] [postgres] [--processes N] [--kill …]
// [--term …]`: the whole-market day (simulator at market scale → a fleet of gateway processes or one pooling the keys →
// RabbitMQ → an independent consumer), lost/doubled, lag, CPU; a kill, a SIGTERM of the rest, the audit.
if (args.Length > 0 && args[0] == "whole-market") return await WholeMarketHarness.RunAsync(args);
// `whole-market-gateway …`: that harness's gateway process.
if (args.Length > 6 && args[0] == "whole-market-gateway") return await WholeMarketGateway.RunAsync(args);
// `gateway-publish [rounds]`: the gateway's publisher and a minimal RabbitMQ.Client publisher alternated, µs per record.
if (args.Length > 0 && args[0] == "gateway-publish") return await GatewayPublishHarness.RunAsync(args);
// `latency-default [seconds] [records/s]`: p99 receive→delivery on one busy key, default options vs InlineDelivery.
if (args.Length > 0 && args[0] == "latency-default") return await DefaultPathLatencyHarness.RunAsync(args);
// `sim RATE`: the child process of StreamCpuBenchmarks (a simulator whose CPU is not counted).
if (args.Length > 1 && args[0] == "sim") return await StreamCpuBenchmarks.RunSimulatorAsync(args);
// `stream-cpu [seconds] [rounds]`: `kisrt stream --format jsonl` as a child process, CPU per record at fixed rates.
if (args.Length > 0 && args[0] == "stream-cpu") return await CliStreamCpuHarness.RunAsync(args);
// `stream-memory [seconds] [rounds] [native-kisrt]`: `kisrt stream`'s resident memory, JIT beside a Native AOT build.
if (args.Length > 0 && args[0] == "stream-memory") return await CliStreamMemoryHarness.RunAsync(args);
// `notice-latency [seconds] [orders/s]`: `kisrt sim` as a process, REST answer → order notice at the client, p50/p99/max.
if (args.Length > 0 && args[0] == "notice-latency") return await NoticeLatencyHarness.RunAsync(args);
// `cpu [seconds]`: typed decode in CPU time per record (stable on a shared machine), bytes allocated per record.
if (args.Length > 0 && args[0] == "cpu") return CpuPerRecordHarness.Run(args);
// `notice-cpu [seconds]`: the order notices' decode (no AES) in CPU time per record.
if (args.Length > 0 && args[0] == "notice-cpu") return CpuPerRecordHarness.RunNotices(args);
// `views-cpu [seconds]`: the generated views with several TR layouts, CPU time per record per layout.
if (args.Length > 0 && args[0] == "views-cpu") return CpuPerRecordHarness.RunViews(args);

// `record-dump [seconds]`: the simulator's records for a fixed seed, to compare byte for byte before and after a change.
if (args.Length > 0 && args[0] == "record-dump") return RecordDumpHarness.Run(args);
// `field-roles`: the generic writer's role, level and summed fields of every field of every TR, to compare likewise.
if (args.Length > 0 && args[0] == "field-roles") return RecordDumpHarness.Roles();
// `notice-encode-cpu [seconds]`: the simulator's order-notice writer in CPU time per record (NoticeEncodeBenchmarks).
if (args.Length > 0 && args[0] == "notice-encode-cpu") return NoticeEncodeBenchmarks.CpuHarness(args);
// `merge-cpu [rounds]`: the A/B merge's cost a record in CPU time (FeedMergeBenchmarks).
if (args.Length > 0 && args[0] == "merge-cpu") return FeedMergeBenchmarks.CpuHarness(args);

// `backtest-cpu [runs] [inline]`: a trading day backtested in CPU time per record (inline: the folder read on one thread).
if (args.Length > 0 && args[0] == "backtest-cpu") return await BacktestBenchmarks.CpuHarnessAsync(args);
// `backtest-allocs [runs] [inline]`: the types that day allocates, by the runtime's allocation sampling.
if (args.Length > 0 && args[0] == "backtest-allocs") return await BacktestBenchmarks.AllocationHarnessAsync(args);
// `backtest-output DIR [latency-ms] [inline]`: that day's backtest files, to compare a change's output byte for byte.
if (args.Length > 1 && args[0] == "backtest-output") return await BacktestBenchmarks.OutputHarnessAsync(args);

// `backtest-process [runs] [NAME=KISRT ...]`: a fresh `kisrt backtest` over a 1 M-record day, a whole process, paired with `kisrt decode`.
if (args.Length > 0 && args[0] == "backtest-process") return await BacktestProcessHarness.RunAsync(args);
// `backtest-day DIR [trades]`: that day's recording (500,000 trades, each followed by its book), for timing by hand.
if (args.Length > 1 && args[0] == "backtest-day") return BacktestProcessHarness.WriteDay(args);

// The paper venue's matching engine: events per CPU-second, bytes per event (MatchingEngineBenchmarks).
if (args.Length > 0 && args[0] == "engine-cpu") return MatchingEngineBenchmarks.CpuHarness(args);
// `bars-cpu [seconds]`: bar aggregation, gap detection and instrument state in CPU time per trade.
if (args.Length > 0 && args[0] == "bars-cpu") return BarCpuHarness.Run(args);
// `reorder-cpu [trades] [rounds] [cases] [trs]`: the bars' reorder buffer, in order, lossy and reversed, CPU time per trade.
if (args.Length > 0 && args[0] == "reorder-cpu") return BarReorderBenchmarks.CpuHarness(args);
// `pg-outage [seconds] [records/s] [keys]`: a PostgreSQL outage under `gateway --postgres`'s stream writer (default 60 s at 10,000/s).
if (args.Length > 0 && args[0] == "pg-outage") return await PostgresOutageHarness.RunAsync(args);
// `replay-cpu [records] [rounds]`: recording-folder replay to typed views in CPU time per record, with peak working set.
if (args.Length > 0 && args[0] == "replay-cpu") return await ReplayCpuHarness.RunAsync(args);
// `replay-folder [rounds]`: ReplayFolderBenchmarks (a realistic folder, cold and warm) by stopwatch, for profiling.
if (args.Length > 0 && args[0] == "replay-folder") return await ReplayFolderHarness.RunAsync(args);
if (args.Length > 2 && args[0] == "replay-write") return ReplayCpuHarness.Write(args);
BenchmarkSwitcher.FromAssembly(typeof(DecodeBenchmarks).Assembly).Run(args);
return 0;

public partial class Program;
