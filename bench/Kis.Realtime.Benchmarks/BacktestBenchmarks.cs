using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Engines;
using BenchmarkDotNet.Exporters;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Loggers;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Kis.Realtime.Samples;
using Kis.Realtime.Simulator;

namespace Kis.Realtime.Benchmarks;

/// <summary>
/// A backtest of one recorded day (<see cref="SyntheticRecording.WriteTradingDay"/>: 005930's trades, each followed by
/// its ten-level book, over 09:00–15:30) through the sample strategy, which trades (a few thousand orders, most of
/// them filled), with the matching engine and gap detection on: records per second read from the folder. The backtest
/// runs on one thread of simulated time (its pump); with <see cref="ReadAhead"/> false the folder is read on that thread
/// too, so the time a record is one core's. <c>--filter '*BacktestBenchmarks*'</c> (in-process: run the host with
/// <c>DOTNET_gcConcurrent=0</c> for the batch GC's figures); an iteration is one backtest of the whole folder.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(Config))]
public class BacktestBenchmarks
{
    /// <summary>Trades in the day (as many books again).</summary>
    public const int Trades = 250_000;
    private const int Records = Trades * 2;
    private string _directory = "";

    /// <summary>
    /// Whether the folder's lines are read and its records decoded ahead on other threads (the default) or all on the
    /// backtest's own thread (<see cref="KisRecordingFolder.ReadAhead"/> and <see cref="KisBacktestOptions.PrepareAhead"/>
    /// false): the second is the one-core figure.
    /// </summary>
    [Params(true, false)]
    public bool ReadAhead { get; set; } = true;

    [GlobalSetup]
    public void Setup()
    {
        _directory = Path.Combine(Path.GetTempPath(), "kisrt-backtest-bench", Guid.NewGuid().ToString("N"));
        SyntheticRecording.WriteTradingDay(_directory, Trades, interval: TimeSpan.FromHours(6.5) / Trades);
    }

    [GlobalCleanup]
    public void Cleanup() => Directory.Delete(_directory, recursive: true);

    /// <summary>In-process (the host's GC settings apply), a day an invocation.</summary>
    private sealed class Config : ManualConfig
    {
        public Config()
        {
            AddJob(Job.Dry.WithToolchain(InProcessEmitToolchain.Instance).WithStrategy(RunStrategy.Monitoring)
                .WithWarmupCount(3).WithIterationCount(8).WithInvocationCount(1).WithUnrollFactor(1));
            AddColumnProvider(DefaultColumnProviders.Instance);
            AddLogger(ConsoleLogger.Default);
            AddExporter(MarkdownExporter.GitHub);
        }
    }

    [Benchmark(OperationsPerInvoke = Records)]
    public async Task<long> MeanReversionOverADay()
    {
        var strategy = new MeanReversionStrategy();
        var result = await KisBacktest.RunAsync(new KisRecordingFolder(_directory) { ReadAhead = ReadAhead }, strategy.RunAsync,
            new KisBacktestOptions { PrepareAhead = ReadAhead });
        if (result.Summary.Records != Records || result.Summary.FillCount == 0 || result.Statistics.Gaps != 0)
            throw new InvalidOperationException($"{result.Summary.Records} records, {result.Summary.FillCount} fills, {result.Statistics.Gaps} gaps");
        return result.Summary.FillCount;
    }

    /// <summary>
    /// <c>-- backtest-output DIR [latency-ms] [inline]</c>: the benchmark's day backtested once, its files (fills, orders, equity,
    /// summary, report) written to DIR: what a change to the backtest's speed must leave byte for byte as it was.
    /// </summary>
    public static async Task<int> OutputHarnessAsync(string[] args)
    {
        var bench = new BacktestBenchmarks();
        bench.Setup();
        try
        {
            var ahead = !(args.Length > 3 && args[3] == "inline");
            var options = new KisBacktestOptions { PrepareAhead = ahead };
            if (args.Length > 2)
            {
                var milliseconds = double.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture);
                options = options with { Latency = TimeSpan.FromMilliseconds(milliseconds) };
            }
            var folder = new KisRecordingFolder(bench._directory) { ReadAhead = ahead };
            var result = await KisBacktest.RunAsync(folder, new MeanReversionStrategy().RunAsync, options);
            await result.WriteAsync(args[1]);
            Console.WriteLine(FormattableString.Invariant(
                $"{result.Summary.Records:N0} records, {result.Summary.FillCount:N0} fills, {result.Statistics.Gaps} gaps -> {args[1]}"));
        }
        finally
        {
            bench.Cleanup();
        }
        return 0;
    }

    /// <summary>`backtest-allocs [runs] [inline]`: the types a backtested day allocates, by the runtime's allocation sampling.</summary>
    public static Task<int> AllocationHarnessAsync(string[] args) => WarmedUpAsync(args, async (bench, runs) =>
    {
        using var sampler = new AllocationSampler();
        var allocated = GC.GetTotalAllocatedBytes(precise: true);
        sampler.Start();
        for (var i = 0; i < runs; i++) await bench.MeanReversionOverADay();
        sampler.Stop();
        Console.WriteLine(FormattableString.Invariant(
            $"{runs} runs, {(GC.GetTotalAllocatedBytes(precise: true) - allocated) / (double)Records / runs:F0} B allocated a record; sampled by type:"));
        foreach (var line in sampler.Report(30)) Console.WriteLine(line);
    });

    /// <summary>
    /// <c>-- backtest-cpu [runs] [inline]</c>: the same backtest <c>runs</c> times (default 3) after one warm-up, with the
    /// process's CPU time and the wall time per record: the CPU figure is what one core spends, whatever else the machine
    /// runs. <c>inline</c>: the folder read and decoded on the backtest's thread (<see cref="ReadAhead"/> false).
    /// </summary>
    public static Task<int> CpuHarnessAsync(string[] args) => WarmedUpAsync(args, async (bench, runs) =>
    {
        var process = System.Diagnostics.Process.GetCurrentProcess();
        for (var i = 0; i < runs; i++)
        {
            process.Refresh();
            var cpu = process.TotalProcessorTime;
            var allocated = GC.GetTotalAllocatedBytes(precise: true);
            var (collections, gen1, gen2, paused) = (GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2), GC.GetTotalPauseDuration());
            var wall = System.Diagnostics.Stopwatch.StartNew();
            var fills = await bench.MeanReversionOverADay();
            wall.Stop();
            process.Refresh();
            var spent = process.TotalProcessorTime - cpu;
            var perRecord = (GC.GetTotalAllocatedBytes(precise: true) - allocated) / (double)Records;
            // One interpolated string over several lines: string.Create takes a concatenation as one (FormattableString does not).
            Console.WriteLine(string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"run {i + 1}: {Records:N0} records, {fills:N0} fills; CPU {spent.TotalSeconds:F2} s = {Records / spent.TotalSeconds / 1e6:F2} M records per " +
                $"CPU-second; wall {wall.Elapsed.TotalSeconds:F2} s = {Records / wall.Elapsed.TotalSeconds / 1e6:F2} M records/s; {perRecord:F0} B allocated " +
                $"a record; {GC.CollectionCount(0) - collections} GCs ({GC.CollectionCount(1) - gen1} of gen 1, {GC.CollectionCount(2) - gen2} of gen 2), " +
                $"{(GC.GetTotalPauseDuration() - paused).TotalMilliseconds:F0} ms paused"));
        }
    });

    /// <summary>The day written, backtested once (JIT, page cache), then <paramref name="measure"/> with the runs asked for.</summary>
    private static async Task<int> WarmedUpAsync(string[] args, Func<BacktestBenchmarks, int, Task> measure)
    {
        var runs = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 3;
        var bench = new BacktestBenchmarks { ReadAhead = !(args.Length > 2 && args[2] == "inline") };
        bench.Setup();
        try
        {
            await bench.MeanReversionOverADay();
            await measure(bench, runs);
        }
        finally
        {
            bench.Cleanup();
        }
        return 0;
    }
}
