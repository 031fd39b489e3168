using BenchmarkDotNet.Attributes;
using Kis.Realtime.Recording;
using Kis.Realtime.Replay;
using Kis.Realtime.Trs;

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

    [GlobalSetup]
    public void Setup()
    {
        _directory = Path.Combine(Path.GetTempPath(), "kisrt-replay-bench", Guid.NewGuid().ToString("N"));
        using var recording = new SyntheticRecording(_directory);
        var start = new DateTimeOffset(2026, 11, 23, 0, 0, 0, TimeSpan.Zero);
        var trade = SyntheticRecording.Frame(KisTrs.StockTrades, SyntheticRecording.Record(KisTrs.StockTrades, "005930", 1));
        var tick = SyntheticRecording.Frame(KisTrs.IndexTicks, SyntheticRecording.Record(KisTrs.IndexTicks, "0001", 1));
        for (var i = 0; i < Records; i++)
        {
            recording.Add(start.AddTicks(i * 100L), trade);
            if (i % 10 == 0) recording.Add(start.AddTicks(i * 100L + 1), tick); // another TR: read and skipped
        }
    }

    [GlobalCleanup]
    public void Cleanup() => Directory.Delete(_directory, recursive: true);

    /// <summary>Every stock trade of the recording as a typed view; returns the count (1,000,000).</summary>
    [Benchmark(OperationsPerInvoke = Records)]
    public async Task<long> ReplayTypedStockTrades()
    {
        await using var replay = new KisReplayClient(new KisRecordingFolder(_directory));
        long count = 0;
        await foreach (var trade in replay.SubscribeAsync<StockTrade>(KisTrs.StockTrades, "005930"))
            count += trade.Price > 0 ? 1 : 0;
        if (count != Records) throw new InvalidOperationException($"replayed {count:N0} records, expected {Records:N0}");
        return count;
    }
}
