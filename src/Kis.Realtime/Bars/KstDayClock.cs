namespace Kis.Realtime;

/// <summary>
/// Turns a trade's (optional date, KST time) into KST ticks (DateTime ticks of the KST wall clock). A trade without a date
/// takes the date of the previous one, or the configured/today's date for the first; when the time steps back by more than
/// an hour (a night session crossing midnight, or the next day's session after this one) the date advances by one day,
/// and never onto a day the market does not trade, the first trade's included: the session after Friday's, or the first
/// trade of a run on a Saturday, is the calendar's next trading day's (Monday).
/// </summary>
internal struct KstDayClock
{
    public static readonly TimeSpan Offset = TimeSpan.FromHours(9);
    private const long DayChangeStepBack = TimeSpan.TicksPerHour;

    private long _dayStart; // DateTime ticks of the current KST date's midnight; 0 until the first trade
    private long _lastTime;

    /// <summary>True once a first trade set the date: later trades without one need no configured date.</summary>
    public readonly bool HasDate => _dayStart != 0;

    public long Ticks(MarketCalendar calendar, DateOnly? date, TimeOnly time, DateOnly? configuredDate, TimeProvider clock)
    {
        var t = time.Ticks;
        if (date is { } d)
            _dayStart = d.DayNumber * TimeSpan.TicksPerDay;
        else
        {
            if (_dayStart == 0) _dayStart = (configuredDate ?? Today(clock)).DayNumber * TimeSpan.TicksPerDay;
            else if (t < _lastTime - DayChangeStepBack) _dayStart += TimeSpan.TicksPerDay;
            // The first trade too: a run on a weekend (configured or today) would otherwise date it Saturday and the
            // next ones Monday, splitting the day. A weekend day's date only when the market trades then (a night
            // session's Saturday morning belongs to Friday's trading day: the calendar's day, from its DayStart, decides);
            // a session that would fall on a weekend is the next trading day's.
            var day = calendar.TradingDayNumber(MarketCalendar.KstToUtc(_dayStart + t));
            var tradingDay = calendar.TradingDayOnOrAfter(DateOnly.FromDayNumber(day)).DayNumber;
            _dayStart += (tradingDay - day) * TimeSpan.TicksPerDay;
        }
        _lastTime = t;
        return _dayStart + t;
    }

    public static DateOnly Today(TimeProvider clock) => DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime + Offset);

    /// <summary>
    /// The KST date of a first trade without a date of its own: <paramref name="tradingDay"/> (else today); for a night
    /// session's trade after midnight (before <see cref="MarketCalendar.DayStart"/>), the next calendar date.
    /// </summary>
    public static DateOnly FirstDate(MarketCalendar calendar, DateOnly? tradingDay, TimeOnly kstTime, TimeProvider clock)
    {
        if (tradingDay is not { } day) return Today(clock);
        return calendar.DayStart > TimeSpan.Zero && kstTime.Ticks < calendar.DayStart.Ticks ? day.AddDays(1) : day;
    }

    public static DateTimeOffset ToKst(long kstTicks) => new(kstTicks, Offset);
}
