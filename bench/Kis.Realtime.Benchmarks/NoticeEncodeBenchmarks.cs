using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using Kis.Realtime.Simulator.Market;
using Kis.Realtime.Simulator.Trading.Core;

namespace Kis.Realtime.Benchmarks;

/// <summary>
/// The simulator's order-notice writer (the paper venue, the backtest and the made-up notices all use it): one fill as
/// an H0STCNI0, H0IFCNI0, night H0MFCNI0 and H0GSCNI0 record into a buffer, before encryption. The figures to compare
/// when the writer's layout source changes (hand-written or generated from the catalog).
/// </summary>
[MemoryDiagnoser]
public class NoticeEncodeBenchmarks
{
    private static readonly DateTime At = new(2026, 11, 27, 9, 30, 15, DateTimeKind.Unspecified);
    private readonly byte[] _buffer = new byte[1024];
    private readonly OrderEvent _stockFill = new(OrderEventKind.Filled, 12345, 0, "005930", true, false, false, 10, 71500, 10, 0, 71500, At);
    private readonly OrderEvent _futuresFill = new(OrderEventKind.Filled, 1666, 0, "111V06", true, false, true, 2, 7840000, 2, 0, 7840000, At);
    private readonly OrderEvent _overseasFill = new(OrderEventKind.Filled, 12345, 0, "AAPL", true, false, false, 5, 22750, 5, 0, 22750, At);

    /// <summary>One stock fill (26 fields).</summary>
    [Benchmark]
    public int StockNotice_Write()
    {
        var w = new RecordWriter(_buffer);
        OrderNotices.Write(ref w, _stockFill, "abcd1234", "5012345601", "홍길동", "삼성전자");
        return w.Written;
    }

    /// <summary>One futures fill (22 fields).</summary>
    [Benchmark]
    public int FuturesNotice_Write()
    {
        var w = new RecordWriter(_buffer);
        OrderNotices.Write(ref w, _futuresFill, "abcd1234", "1234567803", "김한국", "삼성전자   F 2");
        return w.Written;
    }

    /// <summary>One night-session futures fill (19 fields).</summary>
    [Benchmark]
    public int NightNotice_Write()
    {
        var w = new RecordWriter(_buffer);
        OrderNotices.Write(ref w, _futuresFill, "abcd1234", "1234567803", "김한국", "삼성전자   F 2", OrderNotices.NightFields);
        return w.Written;
    }

    /// <summary>
    /// <c>notice-encode-cpu [seconds]</c>: the four writes in CPU time per record (process CPU, so a shared machine's
    /// other load counts less than in wall-clock figures), beside the decode figures of <c>notice-cpu</c>.
    /// </summary>
    public static int CpuHarness(string[] args)
    {
        var seconds = args.Length > 1 && double.TryParse(args[1], System.Globalization.CultureInfo.InvariantCulture, out var s) ? s : 3;
        var b = new NoticeEncodeBenchmarks();
        Measure("H0STCNI0 stock fill (26 fields)", b.StockNotice_Write, seconds);
        Measure("H0IFCNI0 futures fill (22 fields)", b.FuturesNotice_Write, seconds);
        Measure("H0MFCNI0 night futures fill (19 fields)", b.NightNotice_Write, seconds);
        Measure("H0GSCNI0 overseas fill (25 fields)", b.OverseasNotice_Write, seconds);
        return 0;
    }

    private static void Measure(string name, Func<int> write, double seconds)
    {
        const int Batch = 100_000;
        long sink = 0;
        var warm = Stopwatch.StartNew(); // past tiered compilation
        while (warm.Elapsed.TotalSeconds < 1.5)
            for (var i = 0; i < Batch; i++) sink += write();
        var process = Process.GetCurrentProcess();
        process.Refresh();
        var cpu0 = process.TotalProcessorTime;
        var wall = Stopwatch.StartNew();
        long records = 0;
        while (wall.Elapsed.TotalSeconds < seconds)
        {
            for (var i = 0; i < Batch; i++) sink += write();
            records += Batch;
        }
        process.Refresh();
        var cpu = (process.TotalProcessorTime - cpu0).TotalSeconds;
        Console.WriteLine($"{name,-40} {cpu * 1e9 / records,6:0.0} ns CPU/record  [{sink != 0}]");
    }

    /// <summary>One overseas fill (25 fields).</summary>
    [Benchmark]
    public int OverseasNotice_Write()
    {
        var w = new RecordWriter(_buffer);
        OrderNotices.WriteOverseas(ref w, _overseasFill, "abcd1234", "5012345601", "홍길동", "APPLE INC");
        return w.Written;
    }
}
