
namespace Kis.Realtime.Simulator.Market;

/// <summary>
/// Tells an instrument's generator when a new trading day begins, so its day totals (cumulative volume and value,
/// open/high/low, counts) start again at the day's first record, as at KIS: the first trade of a day has
/// <c>acml_vol</c> == its own volume. The trading day is the market calendar's (a US session or a night derivatives
/// session across KST midnight is one day); without one, the KST date. One per generator, owned by it (called under
/// the instrument's or book's lock).
/// </summary>
internal struct DayRollover
{
    private static readonly TimeSpan Kst = TimeSpan.FromHours(9);
    private readonly MarketCalendar? _calendar;
    private DateTime _day;

    /// <summary>The trading day of the last record (default before the first).</summary>
    public readonly DateTime Day => _day;

    /// <summary>Starts at <paramref name="day"/> (a generator created mid-day: its totals are that day's).</summary>
    public DayRollover(DateTime day) => _day = day.Date;

    /// <summary>Trading days by <paramref name="calendar"/>.</summary>
    public DayRollover(MarketCalendar calendar) => _calendar = calendar;

    /// <summary>The trading day of <paramref name="kst"/> (by the calendar, else its date).</summary>
    public readonly DateTime DayOf(DateTime kst)
        => _calendar is { } c ? c.TradingDayOf(new DateTimeOffset(kst, Kst)).ToDateTime(TimeOnly.MinValue) : kst.Date;

    /// <summary>
    /// True when <paramref name="now"/> (KST) falls on another trading day than the previous record's (never for the
    /// first record of a generator created without a day); the caller then resets its day totals.
    /// </summary>
    public bool NewDay(DateTime now)
    {
        var day = DayOf(now);
        if (day == _day) return false;
        var started = _day != default;
        _day = day;
        return started;
    }
}
