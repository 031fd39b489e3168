using System.Globalization;
using System.Text;
using Kis.Realtime.Simulator;
using Kis.Realtime.Simulator.Market;
using static Kis.Realtime.Tests.Simulator.MarketWeekTests;

namespace Kis.Realtime.Tests.Simulator;

/// <summary>
/// Scenarios (<see cref="SimulatorOptions.MarketStart"/>): the market clock starts at a given instant and runs on the
/// real hours at speed 600 on a fake clock. A US session across KST midnight and New York's summer-time change, the
/// night derivatives session across midnight and NXT's after-market, each with trades skipped by the fault injection:
/// the library's gap detector finds exactly the skipped volume, no false gap or overlap at midnight or at a day change.
/// </summary>
public sealed class MarketScenarioTests
{
    private static readonly TimeSpan KstOffset = TimeSpan.FromHours(9);

    private static (SimulatedMarket Market, ManualTimeProvider Wall, RecordSkips Skips) Scenario(DateTimeOffset start, int seed)
    {
        var wall = new ManualTimeProvider(new DateTimeOffset(2026, 11, 25, 1, 0, 0, TimeSpan.Zero)); // any wall clock
        var skips = new RecordSkips(new SimulatorCounters().Tally);
        var market = new SimulatedMarket(SimulatorOptions.Default with { TimeProvider = wall, ClockSpeed = 600, MarketStart = start, Seed = seed }, skips);
        Assert.Equal(start.ToOffset(KstOffset).DateTime, market.Clock.Now());
        return (market, wall, skips);
    }

    /// <summary>
    /// Feeds the received trades to the library's gap detector and checks that every gap it reports is exactly the
    /// volume of the trades the fault skipped since the previous received trade of the same trading day (and that it
    /// reports no other gap and no overlap). Returns the detector.
    /// </summary>
    private static GapDetector AssertGapsAreTheSkips(string trId, string key, List<Trade> received, IReadOnlyList<SkippedRecord> skippedRecords,
        Func<SkippedRecord, DateTimeOffset> timeOfSkipped)
    {
        var calendar = MarketCalendar.For(trId, key);
        var skipped = skippedRecords.Where(s => s.TrId == trId && s.Key == key)
            .Select(s => Decode(trId, key, s.MarketTime.Date, Encoding.UTF8.GetBytes(s.Record)) with { Time = timeOfSkipped(s) }).ToList();
        Assert.True(skipped.Count >= 5, $"only {skipped.Count} skipped");
        var detector = new GapDetector(trId, key);
        var reported = 0L;
        Trade? previous = null;
        foreach (var t in received)
        {
            var day = calendar.TradingDayOf(t.Time);
            var sameDay = previous is { } p && calendar.TradingDayOf(p.Time) == day;
            long expected = previous is null ? 0 : skipped
                .Where(s => calendar.TradingDayOf(s.Time) == day && s.Accumulated < t.Accumulated && (!sameDay || s.Accumulated > previous!.Value.Accumulated))
                .Sum(s => s.Volume);
            var found = detector.Observe(t.Time, t.Volume, t.Accumulated, out var gap);
            Assert.True(found == (expected != 0), $"at {t}: expected {expected}, found {(found ? gap.ToString() : "none")}");
            if (found)
            {
                Assert.Equal(VolumeGapKind.Missing, gap.Kind);
                Assert.Equal(expected, gap.MissingVolume);
                reported += gap.MissingVolume;
            }
            previous = t;
        }
        Assert.Equal(0, detector.Overlaps);
        Assert.True(reported > 0);
        return detector;
    }

    [Fact]
    public void A_US_session_runs_on_New_York_time_across_KST_midnight_and_the_summer_time_change_with_exact_gaps()
    {
        // Friday 2026-03-06 (EST: the regular session opens 23:30 KST) to Tuesday morning; New York switches to summer
        // time on Sunday 2026-03-08, so Monday's session opens 22:30 KST.
        var (market, wall, skips) = Scenario(new DateTimeOffset(2026, 3, 6, 22, 0, 0, KstOffset), seed: 3);
        skips.SkipWithProbability("HDFSCNT0", "DNASAAPL", 0.1, seed: 1);
        var raw = RunRaw(market, wall, [("HDFSCNT0", "DNASAAPL")], until: new DateTime(2026, 3, 10, 10, 0, 0));
        Assert.True(raw.Count > 2_000, $"{raw.Count} trades");
        var received = raw.Select(r => Decode(r.TrId, r.Key, r.At.Date, Encoding.UTF8.GetBytes(r.Record))).ToList();

        foreach (var (_, _, at, record) in raw)
        {
            var tradingDay = DateOnly.ParseExact(Field("HDFSCNT0", record, "tymd"), "yyyyMMdd", CultureInfo.InvariantCulture);
            var kst = DateTime.ParseExact(Field("HDFSCNT0", record, "kymd") + Field("HDFSCNT0", record, "khms"), "yyyyMMddHHmmss",
                CultureInfo.InvariantCulture);
            var local = DateTime.ParseExact(Field("HDFSCNT0", record, "xymd") + Field("HDFSCNT0", record, "xhms"), "yyyyMMddHHmmss",
                CultureInfo.InvariantCulture);
            Assert.Equal(at.AddTicks(-(at.Ticks % TimeSpan.TicksPerSecond)), kst);
            // New York: 14 hours behind KST in winter, 13 from 2026-03-08.
            Assert.Equal(tradingDay < new DateOnly(2026, 3, 8) ? TimeSpan.FromHours(14) : TimeSpan.FromHours(13), kst - local);
            Assert.Equal(DateOnly.FromDateTime(local), tradingDay);
            Assert.InRange(local.TimeOfDay, TimeSpan.FromHours(4), new TimeSpan(19, 59, 59)); // pre-market to after-market
        }
        var days = raw.Select(r => Field("HDFSCNT0", r.Record, "tymd")).Distinct().ToList();
        Assert.Equal(["20260306", "20260309"], days);
        Assert.Contains(received, t => t.Time.Date == new DateTime(2026, 3, 7)); // Friday's session after KST midnight
        Assert.Contains(received, t => t.Time.Date == new DateTime(2026, 3, 10)); // Monday's
        Assert.DoesNotContain(received, t => t.Time.DateTime > new DateTime(2026, 3, 7, 10, 0, 0) && t.Time.DateTime < new DateTime(2026, 3, 9, 17, 0, 0));

        var detector = AssertGapsAreTheSkips("HDFSCNT0", "DNASAAPL", received, skips.Skipped,
            s => new DateTimeOffset(s.MarketTime.AddTicks(-(s.MarketTime.Ticks % TimeSpan.TicksPerSecond)), KstOffset));
        Assert.Equal(1, detector.Resets); // once, at Monday's pre-market: not at either KST midnight
    }

    [Fact]
    public void The_night_derivatives_session_is_one_day_across_midnight_with_exact_gaps()
    {
        // Monday 17:55 to Wednesday 07:00: two night sessions (18:00–06:00), each one trading day.
        var (market, wall, skips) = Scenario(new DateTimeOffset(2026, 3, 9, 17, 55, 0, KstOffset), seed: 4);
        skips.SkipWithProbability("H0MFCNT0", "101W12000", 0.1, seed: 2);
        var raw = RunRaw(market, wall, [("H0MFCNT0", "101W12000")], until: new DateTime(2026, 3, 11, 7, 0, 0));
        var received = raw.Select(r => Decode(r.TrId, r.Key, r.At.Date, Encoding.UTF8.GetBytes(r.Record))).ToList();
        Assert.True(received.Count > 2_000, $"{received.Count} trades");
        Assert.All(received, t => Assert.True(t.Time.TimeOfDay >= TimeSpan.FromHours(18) || t.Time.TimeOfDay < TimeSpan.FromHours(6), $"{t}"));
        // The session's volume runs on through midnight.
        var beforeMidnight = received.Last(t => t.Time.DateTime < new DateTime(2026, 3, 10));
        var afterMidnight = received.First(t => t.Time.DateTime >= new DateTime(2026, 3, 10));
        Assert.True(afterMidnight.Accumulated > beforeMidnight.Accumulated, $"{beforeMidnight} then {afterMidnight}");

        var detector = AssertGapsAreTheSkips("H0MFCNT0", "101W12000", received, skips.Skipped,
            s => new DateTimeOffset(s.MarketTime.AddTicks(-(s.MarketTime.Ticks % TimeSpan.TicksPerSecond)), KstOffset));
        Assert.Equal(1, detector.Resets); // at Tuesday's 18:00, not at midnight
    }

    [Theory]
    [InlineData("H0NXCNT0")]
    [InlineData("H0UNCNT0")]
    [InlineData("H0STCNT0")]
    public void NXT_s_after_market_and_the_next_morning_report_exactly_the_skipped_trades(string trId)
    {
        // Monday 15:00 to Tuesday 10:00: KRX's close, NXT's after-market to 20:00, Tuesday's pre-market and open.
        var (market, wall, skips) = Scenario(new DateTimeOffset(2026, 3, 9, 15, 0, 0, KstOffset), seed: 5);
        skips.SkipWithProbability(trId, "005930", 0.1, seed: 3);
        var received = Run(market, wall, [(trId, "005930")], until: new DateTime(2026, 3, 10, 10, 0, 0));
        Assert.True(received.Count > 200, $"{received.Count} trades");
        if (trId != "H0STCNT0") Assert.Contains(received, t => t.Time.TimeOfDay > new TimeSpan(19, 0, 0));
        var detector = AssertGapsAreTheSkips(trId, "005930", received, skips.Skipped,
            s => Decode(trId, "005930", s.MarketTime.Date, Encoding.UTF8.GetBytes(s.Record)).Time);
        Assert.Equal(1, detector.Resets);
    }
}
