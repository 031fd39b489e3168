using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Engines;
using BenchmarkDotNet.Exporters;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Loggers;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace Kis.Realtime.Benchmarks;

/// <summary>
/// The bars' reorder buffer (<see cref="BarOptions.ReorderWindow"/>, 5 s as `kisrt bars`) on a busy feed: trades at
/// 2,000/s received in order, with 2 or 200 lost (each loss holds the next 5 s of trades waiting), and reversed (every
/// trade waits for the first, the window wide enough to take them all). One op = one trade: wall ns, process CPU ns
/// ("CPU/op", the figure that counts on a shared machine) and bytes per trade; one invocation is one 1 M-trade pass.
/// <see cref="Trs"/> 2: the same trades on two TRs (every third on NXT, each TR its own cumulative volume), as a feed of
/// KRX and NXT together. `--filter '*BarReorder*'`. `reorder-cpu [trades] [rounds] [cases] [trs]` (<see cref="CpuHarness"/>)
/// measures the same passes in process CPU time, any length.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(PassConfig))]
public class BarReorderBenchmarks
{
    /// <summary>
    /// In process (the CPU diagnoser reads this process), one pass an invocation: 1 warm-up, 5 measured. No forced GC
    /// between passes: a full collection walks the four 1 M-trade inputs (~240 ns a trade of CPU), which the process-CPU
    /// column would count and which made every case look closer to the in-order one than it is.
    /// </summary>
    private sealed class PassConfig : ManualConfig
    {
        public PassConfig()
        {
            AddJob(Job.Dry.WithToolchain(InProcessEmitToolchain.Instance).WithStrategy(RunStrategy.Monitoring)
                .WithWarmupCount(1).WithIterationCount(5).WithInvocationCount(1).WithUnrollFactor(1).WithGcForce(false));
            AddDiagnoser(new ProcessCpuDiagnoser(_ => 1, nanoseconds: true));
            AddColumnProvider(DefaultColumnProviders.Instance);
            AddLogger(ConsoleLogger.Default);
            AddExporter(MarkdownExporter.GitHub);
        }
    }

    private const int PerSecond = 2_000;
    private static readonly DateTimeOffset Open = new(2026, 11, 23, 9, 0, 0, TimeSpan.FromHours(9));
    private const int Trades = 1_000_000;
    internal int Count { get; init; } = Trades;

    /// <summary>1: every trade on KRX; 2: every third on NXT, the others on KRX (each TR its own acml_vol).</summary>
    [Params(1, 2)]
    public int Trs { get; set; } = 1;
    private (StockTrade Trade, DateTimeOffset Received)[] _inOrder = null!, _lost2 = null!, _lost200 = null!, _reversed = null!;
    private BarAggregator<StockTrade, StockTradeAccessor> _window = null!, _wide = null!;

    [GlobalSetup]
    public void Setup()
    {
        _inOrder = new (StockTrade, DateTimeOffset)[Count];
        var random = new Random(7);
        var accumulated = new long[2];
        var price = 70_000m;
        for (var i = 0; i < Count; i++)
        {
            var volume = random.Next(1, 500);
            var tr = Trs == 2 && i % 3 == 2 ? 1 : 0;
            accumulated[tr] += volume;
            price += random.Next(-2, 3) * 100;
            var exact = Open.AddTicks(i * TimeSpan.TicksPerSecond / PerSecond);
            _inOrder[i] = (new StockTrade
            {
                StockCode = "005930", Venue = tr == 0 ? StockVenue.Krx : StockVenue.Nxt,
                Time = TimeOnly.FromTimeSpan(exact.TimeOfDay - TimeSpan.FromTicks(exact.TimeOfDay.Ticks % TimeSpan.TicksPerSecond)),
                BusinessDate = new DateOnly(2026, 11, 23), Price = price, Volume = volume, CumulativeVolume = accumulated[tr],
                MarketOperationCode = "20", SessionCode = "0", RandomEndCode = "",
            }, exact.AddMilliseconds(20));
        }
        _lost2 = Lose(2);
        _lost200 = Lose(200);
        // Received last to first, 0.5 ms apart: every trade waits for the day's first.
        _reversed = [.. _inOrder.Reverse().Select((t, i) => (t.Trade, Open.AddTicks(i * TimeSpan.TicksPerSecond / PerSecond)))];
        _window = new(BarSpec.Minutes(1), new BarOptions { TradingDate = new DateOnly(2026, 11, 23), ReorderWindow = TimeSpan.FromSeconds(5) });
        _wide = new(BarSpec.Minutes(1), new BarOptions { TradingDate = new DateOnly(2026, 11, 23), ReorderWindow = TimeSpan.FromDays(1) });
    }

    // `lost` trades left out, evenly spread.
    private (StockTrade, DateTimeOffset)[] Lose(int lost)
    {
        var gone = Enumerable.Range(1, lost).Select(j => (int)((long)j * Count / (lost + 1))).ToHashSet();
        return [.. _inOrder.Where((_, i) => !gone.Contains(i))];
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Trades)]
    public long InOrder() => Feed(_window, _inOrder);

    [Benchmark(OperationsPerInvoke = Trades)]
    public long Lost2() => Feed(_window, _lost2);

    [Benchmark(OperationsPerInvoke = Trades)]
    public long Lost200() => Feed(_window, _lost200);

    [Benchmark(OperationsPerInvoke = Trades)]
    public long Reversed() => Feed(_wide, _reversed);

    /// <summary>`reorder-cpu [trades] [rounds] [cases] [trs]`: CPU time and bytes allocated per trade, each case's passes after one warm-up.</summary>
    public static int CpuHarness(string[] args)
    {
        var count = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : Trades;
        var rounds = args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 3;
        var cases = args.Length > 3 ? args[3].Split(',') : ["InOrder", "Lost2", "Lost200", "Reversed"];
        var trs = args.Length > 4 ? int.Parse(args[4], System.Globalization.CultureInfo.InvariantCulture) : 1;
        var b = new BarReorderBenchmarks { Count = count, Trs = trs };
        b.Setup();
        foreach (var name in cases)
        {
            Func<long> pass = name switch
            {
                "InOrder" => b.InOrder, "Lost2" => b.Lost2, "Lost200" => b.Lost200, "Reversed" => b.Reversed,
                _ => throw new ArgumentException($"No case {name}."),
            };
            var sink = pass();
            var process = Process.GetCurrentProcess();
            var best = double.MaxValue;
            var allocated = 0L;
            for (var r = 0; r < rounds; r++)
            {
                process.Refresh();
                var cpu0 = process.TotalProcessorTime;
                var alloc0 = GC.GetAllocatedBytesForCurrentThread();
                sink += pass();
                allocated = GC.GetAllocatedBytesForCurrentThread() - alloc0;
                process.Refresh();
                best = Math.Min(best, (process.TotalProcessorTime - cpu0).TotalSeconds);
            }
            Console.WriteLine($"{name,-9} {count,9:N0} trades, {trs} TR(s): best of {rounds} {best:0.000} s CPU = {best * 1e9 / count,8:0.0} ns a trade, " +
                              $"{(double)allocated / count:0.000} B a trade (last pass)  [{sink}]");
        }
        return 0;
    }

    private static long Feed(BarAggregator<StockTrade, StockTradeAccessor> aggregator, (StockTrade Trade, DateTimeOffset Received)[] trades)
    {
        aggregator.Reset();
        long volume = 0;
        foreach (var (trade, received) in trades)
            if (aggregator.Add(trade, received))
                while (aggregator.TryTakeClosed(out var bar)) volume += bar.Volume;
        aggregator.Complete();
        while (aggregator.TryTakeClosed(out var bar)) volume += bar.Volume;
        return volume;
    }
}
