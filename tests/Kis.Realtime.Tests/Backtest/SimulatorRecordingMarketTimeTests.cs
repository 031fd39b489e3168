using Kis.Realtime.Benchmarks;
using Kis.Realtime.Samples;
using Kis.Realtime.Simulator;
using Kis.Realtime.Simulator.Market;
using Kis.Realtime.Tests.Simulator;

namespace Kis.Realtime.Tests.Backtest;

/// <summary>
/// Issue 73, item 5: docs/backtest.md's first backtest records the built-in simulator (its demo day, which opens at 09:00
/// on a trading day whatever the hour) and backtests that. Received before KRX's pre-open it was backtested as one
/// long auction. The simulator's records carry their market time as KIS's do (a trade's time and date, a book's time),
/// so its recording, received at 07:00 KST on a Monday or at 16:03 on a Sunday, backtests as the continuous session
/// it was made in, the same way both times.
/// </summary>
public sealed class SimulatorRecordingMarketTimeTests
{
    private const string Code = "005930";

    [Fact]
    public async Task A_recording_of_the_simulator_backtests_the_same_whenever_it_was_received()
    {
        var early = await BacktestAsync(new DateTimeOffset(2026, 11, 23, 7, 0, 0, KoreaTime.Offset)); // a Monday, before the pre-open
        var sunday = await BacktestAsync(new DateTimeOffset(2026, 11, 22, 16, 3, 0, KoreaTime.Offset));

        Assert.True(early.Fills.Count >= 5, $"only {early.Fills.Count} fills");
        Assert.All(early.Fills, f => Assert.NotEqual("auction", f.Liquidity)); // the demo day's continuous session, no call
        Assert.Equal(early.Fills, sunday.Fills);
        Assert.Equal(early.Orders, sunday.Orders);
        Assert.Equal(early.Summary.NetProfitLoss, sunday.Summary.NetProfitLoss);
    }

    /// <summary>What <c>kisrt record --sub stock:005930 --sub book:005930</c> gets from a demo simulator started at
    /// <paramref name="wall"/>: a trade and a book every 50 ms of its clock, each received as it is made.</summary>
    private static async Task<KisBacktestResult> BacktestAsync(DateTimeOffset wall)
    {
        var market = new SimulatedMarket(SimulatorOptions.Default with { TimeProvider = new ManualTimeProvider(wall), Seed = 3, RandomNotices = false });
        var trades = market.Get(KisTrs.H0STCNT0, Code).Stream;
        var books = market.Get(KisTrs.H0STASP0, Code).Stream;
        var start = market.Clock.Now();
        var dir = Cli.CliTestKit.EmptyDirectory();
        var buffer = new byte[16 * 1024];
        using (var recording = new SyntheticRecording(dir))
            for (var n = 0; n < 600; n++)
            {
                var elapsed = TimeSpan.FromMilliseconds(50 * n);
                foreach (var (tr, stream) in new[] { (KisTrs.H0STCNT0, trades), (KisTrs.H0STASP0, books) })
                {
                    if (!stream.HasRecordAt(start + elapsed)) continue;
                    var writer = new RecordWriter(buffer);
                    stream.WriteRecord(ref writer, start + elapsed);
                    recording.Add(wall + elapsed, SyntheticRecording.Frame(tr, writer.WrittenSpan.ToArray()));
                }
            }
        return await KisBacktest.RunAsync(new KisRecordingFolder(dir), new MeanReversionStrategy { Code = Code }.RunAsync,
            new KisBacktestOptions { HtsId = SimulatorOptions.DefaultHtsId }).WaitAsync(TimeSpan.FromSeconds(120));
    }
}
