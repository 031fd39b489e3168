using System.Diagnostics;
using System.Text;
using Kis.Realtime.Protocol;

namespace Kis.Realtime.Benchmarks;

/// <summary>
/// <c>dotnet run -c Release --project bench/Kis.Realtime.Benchmarks -- cpu [seconds]</c>: typed decode measured in
/// process CPU time per record rather than wall time, so a machine shared with other work (where BenchmarkDotNet's
/// wall-clock figures swing by several times) still gives a stable "records per CPU-second on one core". Also reports
/// bytes allocated per record on the decoding thread.
/// </summary>
internal static class CpuPerRecordHarness
{
    public static int Run(string[] args)
    {
        var seconds = args.Length > 1 && double.TryParse(args[1], out var s) ? s : 3;
        Measure("H0UPCNT0 IndexTick (30 fields)", KisTrs.IndexTicks,
            "0001^091240^2624.54^2^32.68^63952^1650684^439^10335^1.26^2615.72^2624.82^2610.00^23.86^2^32.96^2^18.14^2^0.92^1.27^0.70^0^670^72^177^0^0^0^19",
            static (tr, r) => IndexTick.TryDecode(tr, r, out var v, out _) ? v.Value : -1, seconds);
        Measure("H0STCNT0 StockTrade (46 fields)", KisTrs.StockTrades, CatalogDecodeBenchmarks.TradeRecord,
            static (tr, r) => StockTrade.TryDecode(tr, r, out var v, out _) ? v.Price : -1, seconds);
        Measure("H0STASP0 StockOrderBook (59 fields)", KisTrs.StockOrderBooks, CatalogDecodeBenchmarks.BookRecord,
            static (tr, r) => StockOrderBook.TryDecode(tr, r, out var v, out _) ? v.Bids[9].Price : -1, seconds);
        return 0;
    }

    /// <summary><c>notice-cpu [seconds]</c>: the three order notices' decode (no AES), as <see cref="NoticeDecodeBenchmarks"/>.</summary>
    public static int RunNotices(string[] args)
    {
        var seconds = args.Length > 1 && double.TryParse(args[1], out var s) ? s : 3;
        Measure("H0STCNI0 StockNotice (26 fields)", KisTrs.H0STCNI0, NoticeDecodeBenchmarks.StockRecord,
            static (tr, r) => StockNotice.TryDecode(tr, r, out var v, out _) ? v.Price : -1, seconds);
        Measure("H0GSCNI0 OverseasStockNotice (25 fields)", KisTrs.H0GSCNI0, NoticeDecodeBenchmarks.OverseasRecord,
            static (tr, r) => OverseasStockNotice.TryDecode(tr, r, out var v, out _) ? v.Price : -1, seconds);
        Measure("H0IFCNI0 FuturesOptionsNotice (22 fields)", KisTrs.H0IFCNI0, NoticeDecodeBenchmarks.FuturesOptionsRecord,
            static (tr, r) => FuturesOptionsNotice.TryDecode(tr, r, out var v, out _) ? v.Price : -1, seconds);
        return 0;
    }

    /// <summary>
    /// <c>views-cpu [seconds]</c>: the generated views that serve several TR layouts (FuturesTrade, OptionsTrade,
    /// StockExpectedTrade, MarketStatus), one line per layout, records filled per field type as in
    /// <see cref="DerivativesDecodeBenchmarks"/>; ElwTrade (one layout) beside them.
    /// </summary>
    public static int RunViews(string[] args)
    {
        var seconds = args.Length > 1 && double.TryParse(args[1], out var s) ? s : 3;
        foreach (var tr in new[] { KisTrs.H0IFCNT0, KisTrs.H0ZFCNT0, KisTrs.H0MFCNT0 })
            Measure($"{tr.Id} FuturesTrade ({tr.Fields.Count} fields)", tr, Filled(tr),
                static (tr, r) => FuturesTrade.TryDecode(tr, r, out var v, out _) ? v.Price : -1, seconds);
        foreach (var tr in new[] { KisTrs.H0IOCNT0, KisTrs.H0ZOCNT0, KisTrs.H0EUCNT0 })
            Measure($"{tr.Id} OptionsTrade ({tr.Fields.Count} fields)", tr, Filled(tr),
                static (tr, r) => OptionsTrade.TryDecode(tr, r, out var v, out _) ? v.Price : -1, seconds);
        foreach (var tr in new[] { KisTrs.H0STANC0, KisTrs.H0UNANC0 })
            Measure($"{tr.Id} StockExpectedTrade ({tr.Fields.Count} fields)", tr, Filled(tr),
                static (tr, r) => StockExpectedTrade.TryDecode(tr, r, out var v, out _) ? v.ExpectedPrice : -1, seconds);
        Measure("H0EWCNT0 ElwTrade (63 fields, one layout)", KisTrs.H0EWCNT0, Filled(KisTrs.H0EWCNT0),
            static (tr, r) => ElwTrade.TryDecode(tr, r, out var v, out _) ? v.Price : -1, seconds);
        return 0;
    }

    private static string Filled(TrDefinition tr) => Encoding.UTF8.GetString(DerivativesDecodeBenchmarks.Record(tr));

    private delegate decimal Decode(TrDefinition tr, ReadOnlySpan<byte> record);

    private static void Measure(string name, TrDefinition tr, string recordText, Decode decode, double seconds)
    {
        var record = Encoding.UTF8.GetBytes(recordText);
        if (decode(tr, record) == -1) throw new InvalidOperationException($"{name}: the record does not decode");
        const int Batch = 100_000;
        decimal sink = 0;
        // Warm up past tiered compilation (tier 0 → OSR → tier 1).
        var warm = Stopwatch.StartNew();
        while (warm.Elapsed.TotalSeconds < 1.5)
            for (var i = 0; i < Batch; i++) sink += decode(tr, record);

        var process = Process.GetCurrentProcess();
        process.Refresh();
        var cpu0 = process.TotalProcessorTime;
        var alloc0 = GC.GetAllocatedBytesForCurrentThread();
        var wall = Stopwatch.StartNew();
        long records = 0;
        while (wall.Elapsed.TotalSeconds < seconds)
        {
            for (var i = 0; i < Batch; i++) sink += decode(tr, record);
            records += Batch;
        }
        wall.Stop();
        var allocated = GC.GetAllocatedBytesForCurrentThread() - alloc0;
        process.Refresh();
        var cpu = (process.TotalProcessorTime - cpu0).TotalSeconds;
        Console.WriteLine($"{name,-38} {records / cpu / 1e6,6:0.00} M records per CPU-second ({cpu * 1e9 / records,6:0.0} ns CPU/record), " +
                          $"{records / wall.Elapsed.TotalSeconds / 1e6,6:0.00} M/s wall, {(double)allocated / records:0.000} B/record  [{sink != 0}]");
    }
}
