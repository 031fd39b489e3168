using static Kis.Realtime.Tests.Replay.RecordedDays;

namespace Kis.Realtime.Tests.Replay;

/// <summary>
/// Issue 46 item 1: TRs without a date on the wire (day futures, index ticks, night futures) recorded over many days,
/// replayed: each record is dated from its receive time, so a skipped day, a long pause, or a next day whose first
/// trade comes later in the day than the last one's never merges or shifts days.
/// </summary>
public sealed class DatelessReplayDaysTests
{
    // Monday 05-04; Tuesday 05-05 (Children's Day) not recorded; Wednesday 05-06 starts later in the day than Monday
    // ended; then October 12 after months without a record.
    private static Trade[] ThreeDays() =>
    [
        T("2026-05-04 09:00:00", 350, 100, 100), T("2026-05-04 10:00:00", 352, 200, 300), T("2026-05-04 11:00:00", 351, 300, 600),
        T("2026-05-06 12:00:00", 360, 100, 100), T("2026-05-06 13:00:00", 362, 500, 600),
        T("2026-10-12 09:30:00", 370, 50, 50), T("2026-10-12 10:30:00", 371, 50, 100),
    ];

    private static readonly (string, long, decimal)[] ExpectedDays =
        [("2026-05-04T00:00", 600, 351m), ("2026-05-06T00:00", 600, 362m), ("2026-10-12T00:00", 100, 371m)];

    [Fact]
    public async Task Day_futures_get_each_recorded_day_of_their_own()
    {
        var dir = Write(KisTrs.H0IFCNT0, "101W12000", ThreeDays());
        var (bars, summary) = await BarsAsync(dir, "futures:101W12000", "1d");
        Assert.Equal(ExpectedDays, bars.Select(Brief));
        Assert.All(bars, b => Assert.DoesNotContain("gap", Flags(b)));
        Assert.Contains("gaps 0 ", summary);

        var hours = await BarsAsync(dir, "futures:101W12000", "1h");
        Assert.Equal(["2026-05-04T09:00", "2026-05-04T10:00", "2026-05-04T11:00", "2026-05-06T12:00", "2026-05-06T13:00", "2026-10-12T09:00",
            "2026-10-12T10:00"],
            hours.Bars.Select(b => Brief(b).Open));
    }

    [Fact]
    public async Task Index_ticks_get_each_recorded_day_of_their_own()
    {
        var dir = Write(KisTrs.H0UPCNT0, "0001", ThreeDays());
        var (bars, summary) = await BarsAsync(dir, "index:0001", "1d");
        Assert.Equal(ExpectedDays, bars.Select(Brief));
        Assert.Contains("gaps 0 ", summary);
    }

    [Fact]
    public async Task Night_futures_sessions_across_midnight_with_a_skipped_night_keep_their_trading_days()
    {
        // Monday 05-04's night (to Tuesday 06:00), no session recorded on 05-05, Wednesday 05-06's night: its first trade
        // (19:00) is later than Monday's night ended (05:00), so stepping days by the time of day merged the nights.
        var dir = Write(KisTrs.H0MFCNT0, "101W12000",
            T("2026-05-04 18:30:00", 350, 100, 100), T("2026-05-04 23:00:00", 351, 200, 300), T("2026-05-05 05:00:00", 352, 600, 900),
            T("2026-05-06 19:00:00", 360, 300, 300), T("2026-05-07 01:00:00", 361, 600, 900));
        var (bars, summary) = await BarsAsync(dir, "night-futures:101W12000", "1d");
        Assert.Equal([("2026-05-04T12:00", 900L, 352m), ("2026-05-06T12:00", 900L, 361m)], bars.Select(Brief));
        Assert.Contains("gaps 0 ", summary);
    }

    [Fact]
    public async Task The_replay_s_gap_check_dates_dateless_trades_from_their_receive_time()
    {
        // The second day's first trade lost: 100 contracts missing, counted once, on the day they belong to.
        var trades = ThreeDays().Where(t => t.Kst != new DateTime(2026, 5, 6, 12, 0, 0)).ToArray();
        await using var replay = new KisReplayClient(new KisRecordingFolder(Write(KisTrs.H0IFCNT0, "101W12000", trades)));
        var seen = 0;
        await foreach (var _ in replay.SubscribeAsync<FuturesTrade>(KisTrs.H0IFCNT0, "101W12000")) seen++;
        Assert.Equal(trades.Length, seen);
        Assert.Equal((1L, 100L), (replay.Statistics.Gaps, replay.Statistics.MissingVolume));
    }
}
