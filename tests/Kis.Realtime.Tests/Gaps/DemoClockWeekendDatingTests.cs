using Kis.Realtime.Internal;

namespace Kis.Realtime.Tests.Gaps;

/// <summary>
/// A simulator on its demo clock runs Monday's market on a Saturday morning, an hour of market a second. Its first index
/// ticks lie within the receive-time tolerance of the wall clock (09:00 stamped, 07:10 received): they were dated
/// Saturday by their receive time, the later ones (stepped, once the stamps ran away from the clock) Monday — the day
/// split in two, a false reset and a gap of the morning's whole volume (SimulatedDayGapTests failed from about 06:00 to
/// 09:00 KST on weekends). A receive time dates a trade only onto a day its market trades.
/// </summary>
public sealed class DemoClockWeekendDatingTests
{
    private static readonly TimeSpan Kst = TimeSpan.FromHours(9);

    private static List<DateTimeOffset> Dates(MarketCalendar calendar, DateTimeOffset wallStart)
    {
        var clock = new KstDayClock();
        var stamps = new List<DateTimeOffset>();
        // Market 09:00 to 15:30 every 5 market minutes; the wall clock moves a second a market hour.
        for (var minute = 0; minute <= 390; minute += 5)
        {
            var time = new TimeOnly(9, 0).Add(TimeSpan.FromMinutes(minute));
            var received = wallStart + TimeSpan.FromSeconds(minute / 60.0);
            // Today is the receipt's date, as for a live client: the machine's own date would make the outcome depend on
            // the day the test runs (it dated the demo Monday Tuesday when run on Tuesday in KST).
            stamps.Add(KstDayClock.ToKst(clock.Ticks(calendar, null, time, KoreaTime.DateOf(wallStart), TimeProvider.System,
                received.UtcTicks)));
        }
        return stamps;
    }

    [Fact]
    public void A_demo_Monday_received_on_a_Saturday_morning_is_one_day_Monday_with_no_reset()
    {
        var calendar = MarketCalendar.For("H0UPCNT0", "0001");
        var stamps = Dates(calendar, new DateTimeOffset(2026, 11, 28, 7, 10, 0, Kst));
        Assert.Equal([new DateOnly(2026, 11, 30)], stamps.Select(s => DateOnly.FromDateTime(s.DateTime)).Distinct());

        var detector = new GapDetector("H0UPCNT0", "0001");
        long accumulated = 0;
        foreach (var stamp in stamps)
        {
            accumulated += 10;
            Assert.False(detector.Observe(stamp, 10, accumulated, out var gap), $"{gap}");
        }
        Assert.Equal(0, detector.Resets);
    }

    [Fact]
    public void On_a_trading_day_the_receive_time_still_dates_the_trades_near_it()
    {
        var calendar = MarketCalendar.For("H0UPCNT0", "0001");
        // Friday 07:10 KST: 09:00–10:10 stamps are within the tolerance and dated by the receipt, the rest stepped on the
        // same day (no step back in time): one day, Friday.
        var stamps = Dates(calendar, new DateTimeOffset(2026, 11, 27, 7, 10, 0, Kst));
        Assert.Equal([new DateOnly(2026, 11, 27)], stamps.Select(s => DateOnly.FromDateTime(s.DateTime)).Distinct());
    }
}
