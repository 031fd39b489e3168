using System.Globalization;

namespace Kis.Realtime.Tests.Markets;

/// <summary>
/// TRs with no date field (index ticks, futures, options): the day advances when the time steps back, and lands on the
/// calendar's next trading day, never on a weekend (Monday's bars after a weekend were dated Saturday).
/// </summary>
public class DatelessDayTests
{
    private static readonly DateOnly Friday = new(2026, 11, 27);

    private static IndexTick Index(string time, decimal value, long accumulated) => new()
    {
        IndexCode = "0001", Time = TimeOnly.Parse(time, CultureInfo.InvariantCulture), Value = value,
        TickVolume = 1, CumulativeVolume = accumulated, TickTradeValue = (long)value, CumulativeTradeValue = accumulated,
    };

    [Fact]
    public void Monday_s_index_ticks_after_a_weekend_are_dated_Monday()
    {
        IndexTick[] ticks = [Index("10:00:00", 2500, 1), Index("15:00:00", 2510, 2), Index("09:00:00", 2520, 1), Index("10:00:00", 2530, 2)];
        var days = BarAggregatorTestsAccess.Build<IndexTick, IndexTickAccessor>(ticks, BarSpec.Day, new BarOptions { TradingDate = Friday });
        Assert.Equal([Friday, new DateOnly(2026, 11, 30)], days.Select(b => DateOnly.FromDateTime(b.OpenTime.DateTime)));
        Assert.All(days, b => Assert.False(b.Flags.HasFlag(BarFlags.Gap)));
    }

    public static TheoryData<string> WeekendRuns => new()
    {
        "configured Saturday", "configured Sunday", "today Saturday", "today Sunday",
    };

    // A run started on a weekend (kisrt bars against the simulator on a Saturday): the configured date, or today, is not
    // a trading day, so the first trade, like every later one, is Monday's; else the day bar splits at the second trade
    // and the detector sees a day change (a false reset, and the first tick's volume as a false gap).
    [Theory]
    [MemberData(nameof(WeekendRuns))]
    public void A_run_on_a_weekend_dates_every_index_tick_of_the_session_Monday(string run)
    {
        var (configured, today) = Weekend(run);
        IndexTick[] ticks = [Index("09:00:00", 2500, 1), Index("10:00:00", 2510, 2), Index("15:00:00", 2520, 3)];
        var options = new BarOptions { TradingDate = configured, TimeProvider = today };
        var day = Assert.Single(BarAggregatorTestsAccess.Build<IndexTick, IndexTickAccessor>(ticks, BarSpec.Day, options));
        Assert.Equal((Monday, 3L), (DateOnly.FromDateTime(day.OpenTime.DateTime), day.Volume));
        Assert.False(day.HasGap);

        var monitor = new GapMonitor<IndexTick, IndexTickAccessor>(configured, today);
        foreach (var tick in ticks) monitor.Observe(tick, out _);
        Assert.Equal((0L, 0L), (monitor.Gaps, Assert.Single(monitor.Detectors).Resets));
    }

    // The night session's trading day starts at 12:00: a first trade after midnight on a Sunday belongs to Saturday's
    // trading day, which does not trade, so it is Monday's session too (Tuesday 01:00), not Sunday's or Monday's morning.
    [Theory]
    [MemberData(nameof(WeekendRuns))]
    public void A_run_on_a_weekend_dates_the_night_session_Monday_s(string run)
    {
        var (configured, today) = Weekend(run);
        long acml = 0;
        FuturesTrade F(string time, long volume) => new()
        {
            Market = DerivativesMarket.NightFutures, Code = "101W3000",
            Time = TimeOnly.Parse(time, CultureInfo.InvariantCulture), Price = 350, Volume = volume, CumulativeVolume = acml += volume,
        };
        FuturesTrade[] trades = [F("18:00:00", 1), F("23:00:00", 2), F("01:00:00", 3)];
        var options = new BarOptions { TradingDate = configured, TimeProvider = today };
        var day = Assert.Single(BarAggregatorTestsAccess.Build<FuturesTrade, FuturesTradeAccessor>(trades, BarSpec.Day, options));
        Assert.Equal((Monday, 6L), (DateOnly.FromDateTime(day.OpenTime.DateTime), day.Volume));
        Assert.False(day.HasGap);

        var hours = BarAggregatorTestsAccess.Build<FuturesTrade, FuturesTradeAccessor>(trades, BarSpec.Hours(1), options);
        Assert.Equal(["2026-11-30T18", "2026-11-30T23", "2026-12-01T01"],
            hours.Select(b => b.OpenTime.ToString("yyyy-MM-ddTHH", CultureInfo.InvariantCulture)));

        // A run configured for a weekend day that starts after midnight: its first trade is the second half of that
        // day's night session, i.e. Monday's. (Today's date is not moved back a day: a real clock at 01:00 is right.)
        if (configured is null) return;
        var late = BarAggregatorTestsAccess.Build<FuturesTrade, FuturesTradeAccessor>([trades[2]], BarSpec.Hours(1), options);
        Assert.Equal("2026-12-01T01", Assert.Single(late).OpenTime.ToString("yyyy-MM-ddTHH", CultureInfo.InvariantCulture));
    }

    private static readonly DateOnly Monday = new(2026, 11, 30);

    private static (DateOnly? Configured, TimeProvider Today) Weekend(string run)
    {
        var weekday = run.EndsWith("Saturday", StringComparison.Ordinal) ? Friday.AddDays(1) : Friday.AddDays(2);
        // Today at noon KST: the configured date, when there is one, must win over it, so it is a weekday then.
        var today = run.StartsWith("today", StringComparison.Ordinal) ? weekday : Friday.AddDays(-1);
        var clock = new Client.FakeTimeProvider(new DateTimeOffset(today.ToDateTime(new TimeOnly(12, 0)), TimeSpan.FromHours(9)));
        return (run.StartsWith("configured", StringComparison.Ordinal) ? weekday : null, clock);
    }

    [Fact]
    public void The_night_session_after_Friday_s_is_Monday_s_and_its_Saturday_morning_stays_Friday_s()
    {
        long acml = 0;
        FuturesTrade F(string time, long volume, bool newDay = false)
        {
            if (newDay) acml = 0;
            return new()
            {
                Market = DerivativesMarket.NightFutures, Code = "101W3000",
                Time = TimeOnly.Parse(time, CultureInfo.InvariantCulture), Price = 350, Volume = volume, CumulativeVolume = acml += volume,
            };
        }
        FuturesTrade[] trades = [F("18:00:00", 1), F("23:00:00", 2), F("05:59:00", 3), F("18:00:00", 4, newDay: true), F("01:00:00", 5)];
        var options = new BarOptions { TradingDate = Friday };
        var days = BarAggregatorTestsAccess.Build<FuturesTrade, FuturesTradeAccessor>(trades, BarSpec.Day, options);
        Assert.Equal([(Friday, 6L), (new DateOnly(2026, 11, 30), 9L)], days.Select(b => (DateOnly.FromDateTime(b.OpenTime.DateTime), b.Volume)));

        var hours = BarAggregatorTestsAccess.Build<FuturesTrade, FuturesTradeAccessor>(trades, BarSpec.Hours(1), options);
        Assert.Equal(["2026-11-27T18", "2026-11-27T23", "2026-11-28T05", "2026-11-30T18", "2026-12-01T01"],
            hours.Select(b => b.OpenTime.ToString("yyyy-MM-ddTHH", CultureInfo.InvariantCulture)));
        Assert.All(hours, b => Assert.False(b.Flags.HasFlag(BarFlags.Gap)));
    }
}

file static class BarAggregatorTestsAccess
{
    public static List<Bar> Build<TTrade, TAccessor>(IEnumerable<TTrade> trades, BarSpec spec, BarOptions? options = null)
        where TTrade : struct where TAccessor : ITradeAccessor<TTrade> =>
        Bars.BarAggregatorTests.Build<TTrade, TAccessor>(trades, spec, options);
}
