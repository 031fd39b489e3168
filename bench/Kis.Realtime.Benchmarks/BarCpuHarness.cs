using System.Diagnostics;

namespace Kis.Realtime.Benchmarks;

/// <summary>
/// <c>dotnet run -c Release --project bench/Kis.Realtime.Benchmarks -- bars-cpu [seconds]</c>: the
/// <see cref="BarBenchmarks"/> methods measured in process CPU time per trade rather than wall time (as
/// <see cref="CpuPerRecordHarness"/> does for decode), so a loaded shared machine still gives "trades per CPU-second on
/// one core"; also bytes allocated per trade on the feeding thread.
/// </summary>
internal static class BarCpuHarness
{
    public static int Run(string[] args)
    {
        var seconds = args.Length > 1 && double.TryParse(args[1], out var s) ? s : 3;
        var b = new BarBenchmarks();
        b.Setup();
        Measure("StockTrade 1-minute bars", () => b.StockTrade_MinuteBars(), seconds);
        Measure("StockTrade 100-tick bars", () => b.StockTrade_TickBars100(), seconds);
        Measure("IndexTick 1-minute bars", () => b.IndexTick_MinuteBars(), seconds);
        Measure("GapDetector.Observe", () => b.StockTrade_GapDetector(), seconds);
        Measure("InstrumentState.Apply(StockTrade)", () => b.InstrumentState_ApplyTrade(), seconds);
        Measure("InstrumentState.Apply(StockOrderBook)", () => b.InstrumentState_ApplyBook(), seconds);
        return 0;
    }

    private static void Measure(string name, Func<decimal> pass, double seconds)
    {
        decimal sink = 0;
        var warm = Stopwatch.StartNew();
        while (warm.Elapsed.TotalSeconds < 1.5) sink += pass(); // past tiered compilation

        var process = Process.GetCurrentProcess();
        process.Refresh();
        var cpu0 = process.TotalProcessorTime;
        var alloc0 = GC.GetAllocatedBytesForCurrentThread();
        var wall = Stopwatch.StartNew();
        long trades = 0;
        while (wall.Elapsed.TotalSeconds < seconds)
        {
            sink += pass();
            trades += BarBenchmarks.TradesPerPass;
        }
        wall.Stop();
        var allocated = GC.GetAllocatedBytesForCurrentThread() - alloc0;
        process.Refresh();
        var cpu = (process.TotalProcessorTime - cpu0).TotalSeconds;
        Console.WriteLine($"{name,-40} {trades / cpu / 1e6,6:0.00} M per CPU-second ({cpu * 1e9 / trades,5:0.0} ns CPU each), " +
                          $"{trades / wall.Elapsed.TotalSeconds / 1e6,6:0.00} M/s wall, {(double)allocated / trades:0.000} B each  [{sink != 0}]");
    }
}
