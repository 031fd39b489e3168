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
