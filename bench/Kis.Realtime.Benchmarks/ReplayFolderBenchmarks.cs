using BenchmarkDotNet.Attributes;

namespace Kis.Realtime.Benchmarks;

/// <summary>
/// Replay of a realistic recording folder (<see cref="SyntheticRecording.WriteMarketDays"/>: three trading days, three
/// files, 005930's trades and order books with index ticks and PINGPONGs between, 1.26 M records, 382 MB) through the
/// typed API with gap detection on (the default), records per second delivered, cold and warm:
/// <list type="bullet">
/// <item>Cold: the OS page cache is dropped before each iteration (<c>sync; echo 3 &gt; /proc/sys/vm/drop_caches</c>,
/// which needs root): the first read of a recording, from disk.</item>
/// <item>Warm: the folder is in the page cache (read by the iteration before).</item>
/// </list>
/// <c>--filter '*ReplayFolderBenchmarks*' --job short</c>; an iteration is one replay of the whole folder.
/// </summary>
[MemoryDiagnoser]
public class ReplayFolderBenchmarks
{
    private const int Trades = SyntheticRecording.MarketTrades;
    private const int Books = SyntheticRecording.MarketBooks;
    private string _directory = "";

    /// <summary>The recording folder (set by <see cref="Setup"/>, or by a harness that keeps one).</summary>
    internal string Directory { get => _directory; set => _directory = value; }

    /// <summary>Cold: the page cache dropped before each iteration; warm: the folder cached.</summary>
    [Params(true, false)]
    public bool Cold { get; set; }

    /// <summary>KisReplayOptions.DecodeWorkers (null: the default, one per core).</summary>
    internal int? DecodeWorkers { get; set; }

    private KisReplayOptions Options => new() { DecodeWorkers = DecodeWorkers };

    [GlobalSetup]
    public void Setup()
    {
        _directory = Path.Combine(Path.GetTempPath(), "kisrt-replay-folder-bench", Guid.NewGuid().ToString("N"));
        SyntheticRecording.WriteMarketDays(_directory);
    }

    [IterationSetup]
    public void DropPageCache()
    {
        if (!Cold) return;
        // Written pages must be clean to be dropped; drop_caches leaves pages mapped by a process (the runtime's own).
        using (var sync = System.Diagnostics.Process.Start("sync")) sync.WaitForExit();
        File.WriteAllText("/proc/sys/vm/drop_caches", "3"); // throws without root: a cold figure must not be a warm one
    }

    [GlobalCleanup]
    public void Cleanup() => System.IO.Directory.Delete(_directory, recursive: true);

    /// <summary>One subscription: 005930's stock trades (the books and ticks read and skipped).</summary>
    [Benchmark(OperationsPerInvoke = Trades)]
    public async Task<long> TradesOnly()
    {
        await using var replay = new KisReplayClient(new KisRecordingFolder(_directory), Options);
        var count = await CountAsync(replay.SubscribeStockTradesAsync("005930"));
        Check(replay, count, Trades);
        return count;
    }

    /// <summary>Two subscriptions enumerated together, as a strategy reads them: 005930's trades and order books.</summary>
    [Benchmark(OperationsPerInvoke = Trades + Books)]
    public async Task<long> TradesAndBooks()
    {
        await using var replay = new KisReplayClient(new KisRecordingFolder(_directory), Options);
        var trades = Task.Run(() => CountAsync(replay.SubscribeStockTradesAsync("005930")));
        var books = Task.Run(() => CountAsync(replay.SubscribeStockOrderBooksAsync("005930")));
        var count = await trades + await books;
        Check(replay, count, Trades + Books);
        return count;
    }

    private static async Task<long> CountAsync<T>(IAsyncEnumerable<T> records) where T : struct, IKisRecord<T>
    {
        long count = 0;
        await foreach (var _ in records) count++;
        return count;
    }

    private static void Check(KisReplayClient replay, long count, long expected)
    {
        if (count != expected) throw new InvalidOperationException($"replayed {count:N0} records, expected {expected:N0}");
        // A healthy recording: gap detection checks every trade and finds nothing.
        var s = replay.Statistics;
        if (s.Gaps + s.Overlaps + s.DecodeErrors > 0) throw new InvalidOperationException(
            $"{s.Gaps} gaps, {s.Overlaps} overlaps, {s.DecodeErrors} decode errors");
    }
}
