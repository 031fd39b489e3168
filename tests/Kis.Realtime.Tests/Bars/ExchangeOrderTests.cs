using System.Globalization;
using static Kis.Realtime.Tests.Replay.RecordedDays;

namespace Kis.Realtime.Tests.Bars;

/// <summary>
/// Issue 57 items 1–3: records received out of order (shuffled within a reorder window), a corrupt acml_vol, and the gap
/// flags and summary, through `kisrt bars --replay`, against a truth built here independently: every trade once, bars by
/// the trade's own stamp, open and close in exchange order (cumulative volume), not arrival.
/// </summary>
public sealed class ExchangeOrderTests
{
    private static readonly DateTime Start = new(2026, 11, 23, 9, 0, 0);

    /// <summary><paramref name="count"/> trades of 005930 over 10 minutes, exact stamps (fractions of a second; the wire has seconds).</summary>
    private static List<Trade> Day(int count, int seed)
    {
        var random = new Random(seed);
        var trades = new List<Trade>(count);
        long accumulated = 0;
        var price = 70000m;
        for (var i = 0; i < count; i++)
        {
            var volume = random.Next(1, 200);
            accumulated += volume;
            price += random.Next(-2, 3) * 100;
            trades.Add(new Trade(Start.AddTicks(TimeSpan.FromMinutes(10).Ticks * i / count), price, volume, accumulated));
        }
        return trades;
    }

    /// <summary>Each trade received up to <paramref name="spread"/> after its stamp, written in the order received.</summary>
    private static Trade[] Shuffled(List<Trade> trades, TimeSpan spread, int seed)
    {
        var random = new Random(seed);
        return [.. trades.Select(t => t with { ReceivedLate = TimeSpan.FromTicks((long)(random.NextDouble() * spread.Ticks)) })
            .OrderBy(t => t.Kst + t.ReceivedLate!.Value)];
    }

    /// <summary>The truth: 1-minute bars of the trades' stamps (to the second, as on the wire), in cumulative-volume order.</summary>
    private static List<(string Open, decimal O, decimal H, decimal L, decimal C, long Volume, int Count)> Truth(IEnumerable<Trade> trades) =>
        [.. trades.OrderBy(t => t.Accumulated)
            .GroupBy(t => new DateTime(t.Kst.Ticks - t.Kst.Ticks % TimeSpan.TicksPerMinute))
            .OrderBy(g => g.Key)
            .Select(g => (g.Key.ToString("yyyy-MM-dd'T'HH:mm", CultureInfo.InvariantCulture), g.First().Price, g.Max(t => t.Price),
                g.Min(t => t.Price), g.Last().Price, g.Sum(t => t.Volume), g.Count()))];

    private static List<(string Open, decimal O, decimal H, decimal L, decimal C, long Volume, int Count)> Of(
        List<System.Text.Json.JsonElement> bars) =>
        [.. bars.Select(b => (b.GetProperty("open_time").GetString()![..16], b.GetProperty("open").GetDecimal(), b.GetProperty("high").GetDecimal(),
            b.GetProperty("low").GetDecimal(), b.GetProperty("close").GetDecimal(), b.GetProperty("volume").GetInt64(),
            b.GetProperty("trade_count").GetInt32()))];

    [Theory]
    [InlineData(500, 1)]
    [InlineData(3000, 2)]
    public async Task Records_shuffled_within_the_reorder_window_give_the_exchange_order_bars(int spreadMs, int seed)
    {
        var day = Day(1809, seed);
        var dir = Write(KisTrs.H0STCNT0, "005930", Shuffled(day, TimeSpan.FromMilliseconds(spreadMs), seed));
        var (minutes, summary) = await BarsAsync(dir, "stock:005930", "1m");
        Assert.Equal(Truth(day), Of(minutes));
        Assert.All(minutes, b => Assert.DoesNotContain("gap", Flags(b)));
        Assert.Contains("gaps 0 (missing volume 0), duplicates 0 (in no bar), late trades 0 (in no bar)", summary);
        var daily = Assert.Single((await BarsAsync(dir, "stock:005930", "1d")).Bars);
        Assert.Equal(day[^1].Accumulated, daily.GetProperty("volume").GetInt64());
    }

    [Fact]
    public async Task Five_trades_received_a_e_c_d_b_make_one_bar_of_all_five_in_exchange_order()
    {
        var a = T("2026-11-23 10:00:10", 70000, 10, 10);
        var b = T("2026-11-23 10:00:11", 70100, 20, 30);
        var c = T("2026-11-23 10:00:12", 70200, 30, 60);
        var d = T("2026-11-23 10:00:13", 70300, 40, 100);
        var e = T("2026-11-23 10:00:14", 70400, 50, 150);
        var next = T("2026-11-23 10:01:30", 70500, 10, 160);
        var dir = Write(KisTrs.H0STCNT0, "005930", a, e, Late(c, TimeSpan.FromSeconds(2.1)), Late(d, TimeSpan.FromSeconds(1.2)),
            Late(b, TimeSpan.FromSeconds(3.3)), next);
        var (minutes, summary) = await BarsAsync(dir, "stock:005930", "1m");
        Assert.Equal(Truth([a, b, c, d, e, next]), Of(minutes));
        Assert.Equal((70000m, 70400m, 150L, 5), (minutes[0].GetProperty("open").GetDecimal(), minutes[0].GetProperty("close").GetDecimal(),
            minutes[0].GetProperty("volume").GetInt64(), minutes[0].GetProperty("trade_count").GetInt32()));
        Assert.DoesNotContain("gap", Flags(minutes[0]));
        Assert.Contains("gaps 0 (missing volume 0), duplicates 0", summary);
    }

    [Theory]
    [InlineData(50_000)]  // a digit up: later trades look behind it
    [InlineData(-2_000)] // a digit down: it looks behind the trades before it
    public async Task One_corrupt_cumulative_volume_is_reported_where_it_is_and_hides_no_later_trade(long corruption)
    {
        var day = Day(600, 7);
        var at = 200;
        var written = day.ToArray();
        written[at] = written[at] with { Accumulated = written[at].Accumulated + corruption };
        var dir = Write(KisTrs.H0STCNT0, "005930", written);
        var (minutes, summary) = await BarsAsync(dir, "stock:005930", "1m");
        Assert.Equal(Truth(day), Of(minutes));
        Assert.All(minutes, b => Assert.DoesNotContain("gap", Flags(b)));
        Assert.Contains("gaps 0 (missing volume 0), duplicates 0", summary);
        var stamp = written[at].Kst.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
        Assert.Contains($"corrupt cumulative volumes 1 (first at {stamp}: acml_vol {written[at].Accumulated}, " +
            $"the trades' own volumes give {day[at].Accumulated})", summary);
    }

    [Fact]
    public async Task A_trade_of_a_hole_never_seen_is_not_found_in_a_later_trade_of_the_same_volume_that_continues_its_neighbours()
    {
        // A stalled burst stamps many trades with one second (seen in CI): the second trade (97 shares) never arrives; the
        // fifth has 97 shares too, but its acml_vol continues the fourth's and the sixth's: it is its own trade, not the
        // hole's with a corrupt acml_vol. One gap of 97, no corrupt value, every trade in its place.
        var dir = Write(KisTrs.H0STCNT0, "005930", T("2026-11-23 09:18:46", 58800, 68, 68), /* 97 shares never come: 165 */
            T("2026-11-23 09:18:46", 58700, 20, 185), T("2026-11-23 09:18:46", 58500, 356, 541),
            T("2026-11-23 09:18:46", 58600, 97, 638), T("2026-11-23 09:18:46", 58900, 339, 977),
            Late(T("2026-11-23 09:18:46", 58700, 10, 987), TimeSpan.FromSeconds(6)), T("2026-11-23 09:20:10", 58800, 10, 997));
        var (minutes, summary) = await BarsAsync(dir, "stock:005930", "1m");
        Assert.Contains("gaps 1 (missing volume 97)", summary);
        Assert.DoesNotContain("corrupt", summary);
        Assert.Equal((58800m, 58700m, 890L, 6), (minutes[0].GetProperty("open").GetDecimal(), minutes[0].GetProperty("close").GetDecimal(),
            minutes[0].GetProperty("volume").GetInt64(), minutes[0].GetProperty("trade_count").GetInt32()));
    }

    [Fact]
    public async Task A_repeat_is_a_duplicate_only_when_it_is_the_same_trade()
    {
        // The second 10:00:20 record repeats the first exactly (received a second later): the one duplicate.
        var first = T("2026-11-23 10:00:20", 70100, 100, 200);
        var dir = Write(KisTrs.H0STCNT0, "005930", T("2026-11-23 10:00:00", 70000, 100, 100), first, Late(first, TimeSpan.FromSeconds(1)),
            T("2026-11-23 10:00:40", 70200, 100, 300), T("2026-11-23 10:01:10", 70300, 100, 400));
        var (minutes, summary) = await BarsAsync(dir, "stock:005930", "1m");
        Assert.Equal([("2026-11-23T10:00", 300L, 70200m), ("2026-11-23T10:01", 100L, 70300m)], minutes.Select(Brief));
        Assert.Contains("gaps 0 (missing volume 0), duplicates 1 (in no bar)", summary);
    }

    [Fact]
    public async Task A_gap_never_filled_flags_its_bars_and_the_summary_counts_it()
    {
        // 100 shares never arrive: the bars around the hole are flagged, and gaps and missing volume agree.
        var dir = Write(KisTrs.H0STCNT0, "005930", T("2026-11-23 10:00:10", 70000, 100, 100), T("2026-11-23 10:01:10", 70100, 100, 300),
            T("2026-11-23 10:02:10", 70200, 100, 400));
        var (minutes, summary) = await BarsAsync(dir, "stock:005930", "1m");
        Assert.Contains("gap", Flags(minutes[0]));
        Assert.Contains("gap", Flags(minutes[1]));
        Assert.DoesNotContain("gap", Flags(minutes[2]));
        Assert.Contains("gaps 1 (missing volume 100)", summary);
    }
}
