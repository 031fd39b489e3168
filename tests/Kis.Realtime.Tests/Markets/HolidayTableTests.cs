using System.Globalization;
using Kis.Realtime.Cli.Commands;
using Kis.Realtime.Cli.Configuration;

namespace Kis.Realtime.Tests.Markets;

/// <summary>Issue 46 item 6: each holiday rule, read from the shipped table through the calendars.</summary>
public sealed class HolidayTableTests
{
    private static DateOnly D(string date) => DateOnly.ParseExact(date, "yyyy-MM-dd", CultureInfo.InvariantCulture);
    private static readonly TimeSpan Kst = TimeSpan.FromHours(9);

    [Theory]
    [InlineData("2026-02-16"), InlineData("2026-02-17"), InlineData("2026-02-18")] // Seollal
    [InlineData("2026-09-24"), InlineData("2026-09-25")]                        // Chuseok (09-26 a Saturday)
    [InlineData("2027-02-08"), InlineData("2027-09-14"), InlineData("2027-09-16")]
    [InlineData("2026-05-25"), InlineData("2027-05-13")]                        // Buddha's Birthday
    public void KRX_closes_on_lunar_holidays(string date) => AssertKrxClosed(date);

    [Theory]
    [InlineData("2026-03-02"), InlineData("2026-08-17"), InlineData("2026-10-05")] // Sunday / Saturday holidays moved
    [InlineData("2027-02-09"), InlineData("2027-08-16"), InlineData("2027-10-04"), InlineData("2027-10-11"), InlineData("2027-12-27")]
    public void KRX_closes_on_substitute_holidays(string date) => AssertKrxClosed(date);

    [Theory]
    [InlineData("2026-01-01"), InlineData("2026-05-01"), InlineData("2026-05-05"), InlineData("2026-06-03")]
    [InlineData("2026-10-09"), InlineData("2026-12-25"), InlineData("2026-12-31"), InlineData("2027-12-31")]
    [InlineData("2026-07-17")] // Constitution Day, a public holiday again from 2026
    public void KRX_closes_on_fixed_holidays_election_day_and_its_year_end_closing_day(string date) => AssertKrxClosed(date);

    private static void AssertKrxClosed(string date)
    {
        var day = D(date);
        Assert.NotNull(MarketHolidays.NameOf("XKRX", day));
        // Every Seoul market keeps KRX's holidays: stocks, NXT, indices, both derivatives sessions.
        foreach (var calendar in new[] { MarketCalendar.KrxStocks, MarketCalendar.Nextrade, MarketCalendar.Unified, MarketCalendar.KrxIndices,
                     MarketCalendar.KrxDerivatives, MarketCalendar.KrxNightDerivatives })
            Assert.False(calendar.IsTradingDay(day), $"{calendar.Name} trades on {date}");
    }

    [Theory]
    [InlineData("2026-01-02", "10:00", "15:40")] // the first trading day of the year: opens an hour late
    [InlineData("2027-01-04", "10:00", "15:40")]
    [InlineData("2026-11-19", "10:00", "16:40")] // the exam day: every session an hour late
    [InlineData("2027-11-18", "10:00", "16:40")]
    public void KRX_opens_late_on_its_late_open_days(string date, string open, string close)
    {
        var day = D(date);
        Assert.True(MarketCalendar.KrxStocks.IsTradingDay(day));
        Assert.Equal(new DateTimeOffset(day.ToDateTime(TimeOnly.Parse(open, CultureInfo.InvariantCulture)), Kst),
            MarketCalendar.KrxStocks.OpenOf(day, TradingSessions.Regular));
        Assert.Equal(new DateTimeOffset(day.ToDateTime(TimeOnly.Parse(close, CultureInfo.InvariantCulture)), Kst),
            MarketCalendar.KrxStocks.CloseOf(day, TradingSessions.Regular));
    }

    [Fact]
    public void An_ordinary_day_keeps_its_hours_and_the_next_trading_day_skips_holidays()
    {
        var day = D("2026-11-23");
        Assert.Null(MarketHolidays.NameOf("XKRX", day));
        Assert.Equal(new DateTimeOffset(day.ToDateTime(new TimeOnly(9, 0)), Kst), MarketCalendar.KrxStocks.OpenOf(day, TradingSessions.Regular));
        Assert.Equal(D("2026-02-19"), MarketCalendar.KrxStocks.NextTradingDay(D("2026-02-13"))); // Seollal after a weekend
    }

    [Fact]
    public void A_user_adds_a_year()
    {
        // A row of a year the table does not hold (2099, so other tests never meet it).
        Assert.True(MarketCalendar.KrxStocks.IsTradingDay(D("2099-01-01")));
        MarketHolidays.Add(new StringReader("# my year\nXKRX,2099-01-01,closed,,,New Year's Day\nXKRX,2099-01-02,hours,60,0,first trading day\n"));
        Assert.False(MarketCalendar.KrxStocks.IsTradingDay(D("2099-01-01")));
        Assert.Equal(new DateTimeOffset(2099, 1, 2, 10, 0, 0, Kst), MarketCalendar.KrxStocks.OpenOf(D("2099-01-02"), TradingSessions.Regular));
        var e = Assert.Throws<FormatException>(() => MarketHolidays.Add(new StringReader("XKRX,2099-13-01,closed,,,bad\n")));
        Assert.Contains("line 1", e.Message);
    }

    [Fact]
    public void The_latest_trading_day_of_kisrt_bars_gateway_never_lands_on_a_holiday()
    {
        // Christmas Day 2026 at noon KST: KRX is closed, so the day shown is Thursday 12-24's (from its 08:30 pre-open).
        var start = BarsSource.TradingDayStart([new SubscriptionSpec(KisTrs.H0STCNT0, "005930")],
            new Client.FakeTimeProvider(new DateTimeOffset(2026, 12, 25, 12, 0, 0, Kst)));
        Assert.Equal(new DateTimeOffset(2026, 12, 24, 8, 30, 0, Kst), start);
        // New Year's Day after the year-end closing day: back to 12-30.
        start = BarsSource.TradingDayStart([new SubscriptionSpec(KisTrs.H0STCNT0, "005930")],
            new Client.FakeTimeProvider(new DateTimeOffset(2027, 1, 1, 12, 0, 0, Kst)));
        Assert.Equal(new DateTimeOffset(2026, 12, 30, 8, 30, 0, Kst), start);
    }
}

/// <summary>Issue 46 item 6: the NYSE's rows (XNYS), each rule read from the shipped table through the US calendar.</summary>
public sealed class NyseHolidayTableTests
{
    private static DateOnly D(string date) => DateOnly.ParseExact(date, "yyyy-MM-dd", CultureInfo.InvariantCulture);
    private static readonly MarketCalendar Us = MarketCalendar.UsStocks;
    private static readonly TimeZoneInfo NewYork = TimeZoneInfo.FindSystemTimeZoneById("America/New_York");

    /// <summary><paramref name="time"/> in New York on <paramref name="day"/>.</summary>
    private static DateTimeOffset Ny(DateOnly day, int hour, int minute = 0)
    {
        var local = day.ToDateTime(new TimeOnly(hour, minute));
        return new DateTimeOffset(local, NewYork.GetUtcOffset(local));
    }

    private static void AssertClosed(string date)
    {
        Assert.NotNull(MarketHolidays.NameOf("XNYS", D(date)));
        Assert.False(Us.IsTradingDay(D(date)), $"the US market trades on {date}");
        // Noon in New York that day is in no session.
        Assert.False(Us.IsOpen(Ny(D(date), 12)));
    }

    [Theory]
    [InlineData("2026-01-01"), InlineData("2026-11-26"), InlineData("2026-12-25"), InlineData("2027-01-01"), InlineData("2027-11-25")]
    [InlineData("2026-01-19"), InlineData("2026-02-16"), InlineData("2026-05-25"), InlineData("2026-06-19"), InlineData("2026-09-07")]
    [InlineData("2027-01-18"), InlineData("2027-02-15"), InlineData("2027-05-31"), InlineData("2027-09-06")]
    public void The_NYSE_closes_on_its_fixed_and_Monday_holidays(string date) => AssertClosed(date);

    [Theory]
    [InlineData("2026-04-03"), InlineData("2027-03-26")]
    public void The_NYSE_closes_on_Good_Friday(string date) => AssertClosed(date);

    [Theory]
    [InlineData("2026-07-03")] // Independence Day on a Saturday: the Friday before
    [InlineData("2027-06-18")] // Juneteenth on a Saturday
    [InlineData("2027-12-24")] // Christmas on a Saturday
    [InlineData("2027-07-05")] // Independence Day on a Sunday: the Monday after
    public void A_holiday_on_a_weekend_is_observed_on_the_nearest_weekday(string date) => AssertClosed(date);

    [Fact]
    public void New_Year_s_Day_on_a_Saturday_is_not_observed_on_the_Friday_before()
    {
        Assert.Null(MarketHolidays.NameOf("XNYS", D("2027-12-31")));
        Assert.True(Us.IsTradingDay(D("2027-12-31")));
    }

    [Theory]
    [InlineData("2026-11-27")] // the day after Thanksgiving
    [InlineData("2026-12-24")] // Christmas Eve
    [InlineData("2027-11-26")]
    public void On_an_early_close_the_regular_session_ends_at_13_00_and_the_after_market_at_17_00(string date)
    {
        var day = D(date);
        Assert.True(Us.IsTradingDay(day));
        Assert.Equal(Ny(day, 9, 30), Us.OpenOf(day, TradingSessions.Regular));
        Assert.Equal(Ny(day, 13), Us.CloseOf(day, TradingSessions.Regular));
        Assert.Equal(Ny(day, 17), Us.CloseOf(day, TradingSessions.All));
        Assert.True(Us.IsOpen(Ny(day, 16, 59)));
        Assert.False(Us.IsOpen(Ny(day, 17, 30)));
        // An ordinary day keeps 16:00 and 20:00.
        Assert.Equal(Ny(D("2026-11-24"), 16), Us.CloseOf(D("2026-11-24"), TradingSessions.Regular));
        Assert.Equal(Ny(D("2026-11-24"), 20), Us.CloseOf(D("2026-11-24"), TradingSessions.All));
    }

    [Fact]
    public void The_latest_US_trading_day_of_kisrt_bars_gateway_skips_Thanksgiving()
    {
        // Thanksgiving noon in New York (02:00 KST on 11-27): the day shown is Wednesday 11-25's, from its 04:00 pre-market.
        var start = BarsSource.TradingDayStart([new SubscriptionSpec(KisTrs.HDFSCNT0, "DNASAAPL")],
            new Client.FakeTimeProvider(new DateTimeOffset(2026, 11, 27, 2, 0, 0, TimeSpan.FromHours(9))));
        Assert.Equal(new DateTimeOffset(2026, 11, 25, 4, 0, 0, TimeSpan.FromHours(-5)), start);
    }
}

/// <summary>Issue 46 item 6: the simulator does not trade on holidays (its hours come from the calendars).</summary>
public sealed class SimulatorHolidayTests
{
    [Fact]
    public void The_simulator_s_KRX_hours_skip_holidays()
    {
        // Christmas Eve 2026 (Thursday) after the close: KRX's next open is Monday 12-28, not Christmas Day.
        Assert.False(Kis.Realtime.Simulator.Market.TradingHours.KrxStocks.IsOpen(new DateTime(2026, 12, 25, 10, 0, 0)));
        Assert.Equal(new DateTime(2026, 12, 28), Kis.Realtime.Simulator.Market.TradingHours.KrxStocks.NextOpen(new DateTime(2026, 12, 24, 20, 0, 0)).Date);
        // Hangul Day (Friday 10-09): closed; NXT too.
        Assert.False(Kis.Realtime.Simulator.Market.TradingHours.Nextrade.IsOpen(new DateTime(2026, 10, 9, 10, 0, 0)));
    }
}
