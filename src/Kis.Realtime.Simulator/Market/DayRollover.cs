
namespace Kis.Realtime.Simulator.Market;

/// <summary>
/// Tells an instrument's generator when a new trading day begins, so its day totals (cumulative volume and value,
/// open/high/low, counts) start again at the day's first record, as at KIS: the first trade of a day has
/// <c>acml_vol</c> == its own volume. The trading day is always the market calendar's (a US session or a night
/// derivatives session across KST midnight is one day). One per generator, owned by it (called under the instrument's
/// or book's lock).
/// </summary>
internal struct DayRollover
{
    private readonly MarketCalendar _calendar;
    private DateTime _day;

    /// <summary>Trading days by <paramref name="calendar"/>, from the first record's.</summary>
    public DayRollover(MarketCalendar calendar) => _calendar = calendar;

    /// <summary>Starts at the trading day of <paramref name="createdAt"/> (KST): a generator created mid-day, whose
    /// totals are that day's.</summary>
    public DayRollover(MarketCalendar calendar, DateTime createdAt) : this(calendar) => _day = DayOf(createdAt);

    /// <summary>The trading day of the last record (default before the first).</summary>
    public readonly DateTime Day => _day;

    /// <summary>The trading day of <paramref name="kst"/>.</summary>
    public readonly DateTime DayOf(DateTime kst) => _calendar.TradingDayOf(new DateTimeOffset(kst, KoreaTime.Offset)).ToDateTime(TimeOnly.MinValue);

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
