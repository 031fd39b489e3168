using Kis.Realtime.Simulator;
using Kis.Realtime.Simulator.Market;

namespace Kis.Realtime.Tests.Simulator;

/// <summary>
/// Issue 57 item 7: on KRX's days of changed hours (the exam day 2026-11-19, the year's first trading day 2027-01-04)
/// the night derivatives session keeps 18:00–06:00, so the demo clock stamps every night record inside it, and the
/// library's calendar dates each one in that day's session (before: the exam day's night records ran 19:00–06:59 KST,
/// an hour past the session's 06:00 end, and the calendar moved the session with them).
/// </summary>
public sealed class DemoNightSessionTests
{
    private static readonly TimeSpan Kst = TimeSpan.FromHours(9);
    private static readonly MarketCalendar Night = MarketCalendar.KrxNightDerivatives;

    [Theory]
    [InlineData(2026, 11, 18, 2026, 11, 20)] // the exam day in the middle
    [InlineData(2026, 12, 30, 2027, 1, 5)]   // year-end closing day, then the late first trading day
    public void Demo_night_futures_are_stamped_inside_the_night_session_on_days_of_changed_hours(int year, int month, int day,
        int toYear, int toMonth, int toDay)
    {
        var wall = new ManualTimeProvider(new DateTimeOffset(year, month, day, 10, 0, 0, Kst));
        var market = new SimulatedMarket(SimulatorOptions.Default with { TimeProvider = wall, ClockSpeed = 1200, Seed = 7 });
        var raw = MarketWeekTests.RunRaw(market, wall, [("H0MFCNT0", "101W12000")], until: new DateTime(toYear, toMonth, toDay, 19, 59, 0));
        Assert.True(raw.Count > 2_000, $"{raw.Count} records");
        foreach (var (_, key, at, record) in raw)
        {
            var trade = MarketWeekTests.Decode("H0MFCNT0", key, new DateTime(2000, 1, 1), System.Text.Encoding.UTF8.GetBytes(record));
            var time = trade.Time.TimeOfDay;
            // The demo day D (08:00–20:00) is the night session opening on D at 18:00: 18:00–24:00 on D, 00:00–06:00 on D+1.
            Assert.True(time >= TimeSpan.FromHours(18) || time < TimeSpan.FromHours(6), $"demo {at:yyyy-MM-dd HH:mm:ss}: stamped {time}");
            var kst = new DateTimeOffset((time >= TimeSpan.FromHours(18) ? at.Date : at.Date.AddDays(1)) + time, Kst);
            Assert.True(Night.IsOpen(kst), $"{kst} outside the calendar's night session");
            Assert.Equal(DateOnly.FromDateTime(at), Night.TradingDayOf(kst));
        }
    }

    [Theory]
    [InlineData(2026, 11, 19)] // exam day: KRX's day sessions an hour late
    [InlineData(2027, 1, 4)]   // first trading day: opens an hour late
    public void The_night_session_keeps_its_hours_on_KRX_s_days_of_changed_hours(int year, int month, int day)
    {
        var date = new DateOnly(year, month, day);
        var evening = new DateTimeOffset(date.ToDateTime(new TimeOnly(18, 0)), Kst);
        Assert.Equal(evening, Night.OpenOf(date, TradingSessions.All));
        Assert.Equal(evening.AddHours(12), Night.CloseOf(date, TradingSessions.All));
        Assert.True(Night.IsOpen(evening.AddMinutes(30)));
        Assert.False(Night.IsOpen(evening.AddHours(12.5)));
        // KRX's day sessions do move that day.
        Assert.Equal(new TimeSpan(10, 0, 0), MarketCalendar.KrxStocks.OpenOf(date, TradingSessions.Regular).TimeOfDay);
    }
}
