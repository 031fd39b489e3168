using BenchmarkDotNet.Attributes;

namespace Kis.Realtime.Benchmarks;

/// <summary>
/// Replay of a 1,000,000-record <c>kisrt record</c> folder (written in setup: H0STCNT0 frames of 1 record, the
/// busiest TR, plus as many H0UPCNT0 frames another subscription's, read and skipped) decoded to typed
/// <see cref="StockTrade"/> views through <see cref="KisReplayClient"/>, as fast as possible. Memory: the allocated
/// bytes per operation show what a replay allocates; what it holds is one message (a streaming cursor), whatever the
/// size of the recording.
/// </summary>
[MemoryDiagnoser]
public class ReplayBenchmarks
{
    private const int Records = 1_000_000;
    private string _directory = "";

    /// <summary>Gap detection: on is the replay client's default (a check of every trade's cumulative volume).</summary>
    [Params(true, false)]
    public bool DetectGaps { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _directory = Path.Combine(Path.GetTempPath(), "kisrt-replay-bench", Guid.NewGuid().ToString("N"));
        SyntheticRecording.WriteTradesAndTicks(_directory, Records);
    }

    [GlobalCleanup]
    public void Cleanup() => Directory.Delete(_directory, recursive: true);

    /// <summary>Every stock trade of the recording as a typed view; returns the count (1,000,000).</summary>
    [Benchmark(OperationsPerInvoke = Records)]
    public async Task<long> ReplayTypedStockTrades()
    {
        await using var replay = new KisReplayClient(new KisRecordingFolder(_directory), KisReplayOptions.Default with { DetectGaps = DetectGaps });
        long count = 0;
        await foreach (var trade in replay.SubscribeAsync<StockTrade>(KisTrs.StockTrades, "005930"))
            count += trade.Price > 0 ? 1 : 0;
        if (count != Records) throw new InvalidOperationException($"replayed {count:N0} records, expected {Records:N0}");
        return count;
    }
}
