using static Kis.Realtime.Tests.Replay.RecordedDays;

namespace Kis.Realtime.Tests.Gaps;

/// <summary>
/// Issue 74: a trade left out of the merged tape is counted where a user sees it, <see cref="KisFeedHealth.UnplacedTrades"/>
/// of <see cref="KisMergedClient.GetFeedHealth"/>, through the public API: two recordings merged, B's late trade of a
/// hole given up so long ago that <see cref="KisMergeOptions.MaxKeptPerKey"/> no longer remembers it.
/// </summary>
public sealed class MergedFeedHealthUnplacedTests
{
    private static readonly DateTime Start = new(2026, 11, 23, 10, 0, 0);

    private static long VolumeOf(int n) => 10 + n;

    /// <summary>
    /// A has trades 1, 3, 5 … 141, a second apart (it missed every even one); B has trade 1, then trade 2 received 200 s
    /// late, after every hole was given up. Returns the merged tape's acml_vols, B's and A's health.
    /// </summary>
    private static async Task<(List<long> Tape, long Trade2, KisFeedHealth A, KisFeedHealth B)> MergeAsync(int maxKept)
    {
        var a = new List<Trade>();
        var b = new List<Trade>();
        long accumulated = 0, trade2 = 0;
        for (var n = 1; n <= 141; n++)
        {
            accumulated += VolumeOf(n);
            var trade = new Trade(Start.AddSeconds(n), 70_000 + n, VolumeOf(n), accumulated);
            if (n % 2 == 1) a.Add(trade);
            if (n == 1) b.Add(trade);
            if (n != 2) continue;
            trade2 = accumulated;
            b.Add(Late(trade, TimeSpan.FromSeconds(200)));
        }
        await using var merged = new KisMergedClient([new KisReplayClient(new KisRecordingFolder(Write(KisTrs.H0STCNT0, "005930", [.. a]))),
            new KisReplayClient(new KisRecordingFolder(Write(KisTrs.H0STCNT0, "005930", [.. b])))], KisMergeOptions.Default with { MaxKeptPerKey = maxKept });
        using var stop = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var tape = new List<long>();
        var fields = Kis.Realtime.Internal.TradeVolumeFields.For(KisTrs.H0STCNT0)!;
        await foreach (var record in merged.SubscribeRecordsAsync(KisTrs.H0STCNT0, "005930", stop.Token))
        {
            Assert.True(fields.TryRead(record.Data.Span, out var trade));
            tape.Add(trade.Accumulated);
        }
        var health = merged.GetFeedHealth();
        return (tape, trade2, health[0], health[1]);
    }

    [Fact]
    public async Task A_late_trade_of_a_hole_no_longer_remembered_is_not_sent_and_is_B_s_unplaced_trade()
    {
        var (tape, trade2, a, b) = await MergeAsync(maxKept: 16);
        Assert.Equal(71, tape.Count);
        Assert.DoesNotContain(trade2, tape);
        Assert.Equal((0L, 1L), (b.LateTrades, b.UnplacedTrades));
        Assert.Equal(0, a.UnplacedTrades);
        Assert.Contains("unplaced trades 1 ", b.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("unplaced", a.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_same_trade_while_its_hole_is_remembered_is_sent_late_and_nothing_is_unplaced()
    {
        var (tape, trade2, _, b) = await MergeAsync(maxKept: 8192);
        Assert.Equal(72, tape.Count);
        Assert.Single(tape, trade2);
        Assert.True(tape.IndexOf(trade2) > tape.IndexOf(trade2 + VolumeOf(3)), "trade 2 went out before trade 3: not late"); // the tape went past it
        Assert.Equal((1L, 0L), (b.LateTrades, b.UnplacedTrades));
        Assert.DoesNotContain("unplaced", b.ToString(), StringComparison.Ordinal);
    }
}
