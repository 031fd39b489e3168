using static Kis.Realtime.Tests.Replay.RecordedDays;

namespace Kis.Realtime.Tests.Bars;

/// <summary>
/// Issue 46 items 2, 3 and 5, issue 47 item 7, on recordings written as <c>kisrt record</c> writes them: a repeated
/// record never enters a bar, a late one only its own forming bar and never a gap, a new day's lost first trade flags the
/// new day only, and a replay that starts mid-day flags its first bar partial.
/// </summary>
public sealed class RecordedTradeOrderTests
{
    [Fact]
    public async Task A_repeated_record_enters_no_bar_and_is_counted_as_a_duplicate()
    {
        var repeated = T("2026-11-23 10:00:30", 70100, 100, 200);
        var dir = Write(KisTrs.H0STCNT0, "005930",
            T("2026-11-23 10:00:00", 70000, 100, 100), repeated, repeated with { ReceivedLate = TimeSpan.FromSeconds(1) },
            T("2026-11-23 10:01:00", 70200, 100, 300));
        var (minutes, summary) = await BarsAsync(dir, "stock:005930", "1m");
        Assert.Equal([("2026-11-23T10:00", 200L, 70100m), ("2026-11-23T10:01", 100L, 70200m)], minutes.Select(Brief));
        Assert.Equal(2, minutes[0].GetProperty("trade_count").GetInt32());
        Assert.Equal(70050m, minutes[0].GetProperty("vwap").GetDecimal());
        Assert.All(minutes, b => Assert.DoesNotContain("gap", Flags(b)));
        Assert.Contains("gaps 0 (missing volume 0), duplicates 1 (in no bar)", summary);

        var day = Assert.Single((await BarsAsync(dir, "stock:005930", "1d")).Bars);
        Assert.Equal(300L, day.GetProperty("volume").GetInt64());
    }

    [Fact]
    public async Task A_late_record_does_not_bend_a_later_bar_nor_make_a_gap()
    {
        // 10:05's trade arrives after 10:07's: its bar never formed, so it comes as a revised bar of its own, out of order
        // (the 10:04 bar, emitted flagged, revised without the flag); the 10:07 bar keeps its own low and close, and the
        // 100 shares it seemed to miss were not missed.
        var dir = Write(KisTrs.H0STCNT0, "005930",
            T("2026-11-23 10:04:10", 70000, 100, 100),
            T("2026-11-23 10:07:05", 70500, 100, 300),
            Late(T("2026-11-23 10:05:20", 69000, 100, 200), TimeSpan.FromMinutes(2)),
            T("2026-11-23 10:07:40", 70600, 100, 400));
        var (minutes, summary) = await BarsAsync(dir, "stock:005930", "1m");
        Assert.Equal([("2026-11-23T10:04", 100L, 70000m), ("2026-11-23T10:04", 100L, 70000m), ("2026-11-23T10:05", 100L, 69000m),
            ("2026-11-23T10:07", 200L, 70600m)], minutes.Select(Brief));
        Assert.Equal(70500m, minutes[3].GetProperty("low").GetDecimal());
        Assert.Equal([["gap"], ["revised"], ["revised"], ["end_of_stream"]], minutes.Select(Flags));
        Assert.Contains("gaps 0 (missing volume 0)", summary);
        Assert.Contains("late trades 0 (in no bar)", summary);
    }

    [Fact]
    public async Task A_late_record_of_the_forming_bar_joins_it_and_fills_its_gap()
    {
        var dir = Write(KisTrs.H0STCNT0, "005930",
            T("2026-11-23 10:07:05", 70500, 100, 100),
            T("2026-11-23 10:07:40", 70600, 100, 300),
            Late(T("2026-11-23 10:07:20", 70400, 100, 200), TimeSpan.FromSeconds(25)));
        var (minutes, summary) = await BarsAsync(dir, "stock:005930", "1m");
        var bar = Assert.Single(minutes);
        Assert.Equal((300L, 70400m), (bar.GetProperty("volume").GetInt64(), bar.GetProperty("low").GetDecimal()));
        Assert.DoesNotContain("gap", Flags(bar));
        Assert.Contains("gaps 0 (missing volume 0)", summary);
        Assert.Contains("late trades 0", summary);
    }

    [Fact]
    public async Task A_new_day_s_lost_first_trade_flags_the_new_day_only()
    {
        // 11-18 complete, with the closing print at 15:30:05; 11-19's first trade (100 shares) lost: cumulative volume
        // restarts, so the loss is 11-19's.
        var dir = Write(KisTrs.H0STCNT0, "005930",
            T("2026-11-18 09:00:00", 70000, 100, 100), T("2026-11-18 15:30:05", 70500, 300, 400),
            T("2026-11-19 10:00:00", 71000, 50, 150), T("2026-11-19 10:01:00", 71100, 50, 200));
        var (days, summary) = await BarsAsync(dir, "stock:005930", "1d");
        Assert.Equal([("2026-11-18T00:00", 400L, 70500m), ("2026-11-19T00:00", 100L, 71100m)], days.Select(Brief));
        Assert.DoesNotContain("gap", Flags(days[0]));
        Assert.Contains("gap", Flags(days[1]));
        Assert.Contains("gaps 1 (missing volume 100)", summary);

        var minutes = (await BarsAsync(dir, "stock:005930", "1m")).Bars;
        Assert.Equal(["2026-11-18T09:00", "2026-11-18T15:30", "2026-11-19T10:00", "2026-11-19T10:01"], minutes.Select(b => Brief(b).Open));
        Assert.Equal([false, false, true, false], minutes.Select(b => Flags(b).Contains("gap")));
    }

    [Fact]
    public async Task The_first_bar_of_a_replay_that_starts_mid_bar_is_flagged_partial()
    {
        // Recorded from 09:01:37: acml_vol 5,010 says 5,000 shares traded before the first trade seen.
        var dir = Write(KisTrs.H0STCNT0, "005930",
            T("2026-11-23 09:01:37", 70000, 10, 5010), T("2026-11-23 09:02:00", 70100, 10, 5020));
        var minutes = (await BarsAsync(dir, "stock:005930", "1m")).Bars;
        Assert.Equal([["partial"], ["end_of_stream"]], minutes.Select(Flags));
        Assert.Contains("partial", Flags(Assert.Single((await BarsAsync(dir, "stock:005930", "1d")).Bars)));

        // From the day's first trade: nothing unseen, nothing partial.
        var whole = Write(KisTrs.H0STCNT0, "005930", T("2026-11-23 09:00:00", 70000, 10, 10), T("2026-11-23 09:02:00", 70100, 10, 20));
        Assert.All((await BarsAsync(whole, "stock:005930", "1m")).Bars, b => Assert.DoesNotContain("partial", Flags(b)));
    }
}
