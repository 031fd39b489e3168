using System.Text;
using BenchmarkDotNet.Attributes;
using Kis.Realtime.Internal;

namespace Kis.Realtime.Benchmarks;

/// <summary>
/// What the A/B merge (<see cref="KisMergedClient"/>'s <see cref="FeedMerge"/>) costs a record: two sources of the same
/// 005930 trades, each trade first from A and then its copy from B a few trades later, as two healthy sessions deliver
/// them (ns and bytes per record offered, copies included; the merge alone, without the channels around it).
/// <c>--filter '*FeedMergeBenchmarks*' --job short</c>, or <c>-- merge-cpu [rounds]</c>: the same in process CPU time
/// per record (on a shared machine BenchmarkDotNet's wall-clock figures swing by several times).
/// </summary>
[MemoryDiagnoser]
public class FeedMergeBenchmarks
{
    private const int Trades = 20_000;
    private const int Lag = 8; // B runs this many trades behind A
    private const int FarLag = 2_000, HoleEvery = 1_000; // TradesBehindHoles
    private KisRecord[] _trades = null!;
    private KisRecord[] _books = null!;

    [GlobalSetup]
    public void Setup()
    {
        _trades = new KisRecord[Trades];
        _books = new KisRecord[Trades];
        var start = new DateTimeOffset(2026, 11, 23, 0, 0, 0, TimeSpan.Zero);
        long acml = 1_000_000;
        for (var i = 0; i < Trades; i++)
        {
            var volume = 1 + i % 17;
            acml += volume;
            var time = $"09{i / 60 % 60:D2}{i % 60:D2}";
            var at = start.AddMilliseconds(i);
            _trades[i] = new KisRecord(KisTrs.H0STCNT0, "005930", at, Encoding.UTF8.GetBytes(
                $"005930^{time}^71900^2^400^0.56^71850.23^71500^72000^71400^71900^71800^{volume}^{acml}^84719658000^41535^64208^22673^62.23"
                + "^3364882^2932213^1^0.38^36.21^090017^5^-400^091018^2^500^090400^5^-100^20261123^20^N^35373^157318^2160893^938003^0.18"
                + "^3158410^137.21^0^^71500"));
            _books[i] = new KisRecord(KisTrs.H0STASP0, "005930", at, Encoding.UTF8.GetBytes(
                $"005930^{time}^0^{71900 + i % 7}^72000^72100^72200^72300^72400^72500^72600^72700^72800^71800^71700^71600^71500^71400^71300^71200"
                + $"^71100^71000^70900^{100 + i % 13}^2^3^4^5^6^7^8^9^10^11^12^13^14^15^16^17^18^19^20^1000^2000^0^0^0^0^0^0^0^0^0^0^0^0^0^0^0^0^0"));
        }
    }

    /// <summary>Trades: A's first, B's copy <see cref="Lag"/> trades later (a repeat, whose lag the merge looks up).</summary>
    [Benchmark(OperationsPerInvoke = Trades * 2)]
    public int TradesFromTwoSources() => Run(_trades);

    /// <summary>
    /// Trades behind holes: A misses every <see cref="HoleEvery"/>th trade and B runs <see cref="FarLag"/> trades behind,
    /// so behind each of A's holes about <see cref="FarLag"/> trades wait for B's copy of the hole's trade (window 10 s).
    /// The cost a record must not grow with how many wait.
    /// </summary>
    [Benchmark(OperationsPerInvoke = Trades * 2 - Trades / HoleEvery)]
    public int TradesBehindHoles() => Run(_trades, FarLag, HoleEvery, TimeSpan.FromSeconds(10));

    /// <summary>Books (no sequence): a copy is the same bytes within the duplicate window.</summary>
    [Benchmark(OperationsPerInvoke = Trades * 2)]
    public int BooksFromTwoSources() => Run(_books);

    public static int CpuHarness(string[] args)
    {
        var rounds = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 10;
        var bench = new FeedMergeBenchmarks();
        bench.Setup();
        Console.WriteLine($"load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]}");
        foreach (var (name, run, records) in new (string, Func<int>, int)[]
                 {
                     ("trades", bench.TradesFromTwoSources, Trades * 2), ("trades behind holes", bench.TradesBehindHoles, Trades * 2 - Trades / HoleEvery),
                     ("books", bench.BooksFromTwoSources, Trades * 2),
                 })
        {
            run(); // warm-up (tier-1 code)
            run();
            var process = System.Diagnostics.Process.GetCurrentProcess();
            process.Refresh();
            var cpu0 = process.TotalProcessorTime;
            var allocated0 = GC.GetAllocatedBytesForCurrentThread();
            for (var i = 0; i < rounds; i++) run();
            process.Refresh();
            var perRecord = (process.TotalProcessorTime - cpu0).TotalNanoseconds / ((double)rounds * records);
            var bytes = (GC.GetAllocatedBytesForCurrentThread() - allocated0) / ((double)rounds * records);
            Console.WriteLine($"{name}: {perRecord:F0} ns of CPU a record offered ({1e3 / perRecord:F2} M records per CPU-second), {bytes:F1} B allocated");
        }
        return 0;
    }

    private static int Run(KisRecord[] records) => Run(records, Lag, int.MaxValue, TimeSpan.FromSeconds(1));

    // A offers every record but each holeEvery-th (from the first hole on), B the same `lag` records later.
    private static int Run(KisRecord[] records, int lag, int holeEvery, TimeSpan window)
    {
        var merge = new FeedMerge(records[0].Tr, "005930", [new FeedCounters(), new FeedCounters()], window, TimeSpan.FromSeconds(10), 8192);
        var output = new List<KisRecord>(64);
        var sent = 0;
        var now = records[0].ReceivedAt.UtcTicks;
        for (var i = 0; i < records.Length + lag; i++)
        {
            if (i < records.Length && (i == 0 || i % holeEvery != 0)) merge.Offer(0, records[i], now + i * TimeSpan.TicksPerMillisecond, output);
            if (i >= lag) merge.Offer(1, records[i - lag], now + i * TimeSpan.TicksPerMillisecond, output);
            sent += output.Count;
            output.Clear();
        }
        if (sent != records.Length) throw new InvalidOperationException($"{sent} of {records.Length} records sent");
        return sent;
    }
}
