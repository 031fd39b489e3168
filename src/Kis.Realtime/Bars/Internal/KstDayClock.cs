namespace Kis.Realtime.Internal;

/// <summary>
/// Turns a trade's (optional date, KST time) into KST ticks (DateTime ticks of the KST wall clock): the one place a
/// trade's date is decided, for bars and gap detection alike. A trade without a date on the wire (index ticks, futures,
/// options) received at a known instant (live, over the gateway, from a folder or PostgreSQL: the record's receive time)
/// takes the KST date that puts its time of day nearest that instant, when it lies within
/// <see cref="ReceiptTolerance"/> of it and that date is one its market trades (a trade at 23:59:59.9 received at 00:00:00.2 is the day before's). Without a
/// receive time, or once one was too far from its stamp (a simulator's demo clock runs days of its own), it takes the date of the previous one, or the
/// configured/today's date for the first; when the time steps back by more than an hour (a night session crossing midnight, or the next day's session after
/// this one) the date advances by one day, and never onto a day the market does not trade, the first trade's included: the session after Friday's, or the first
/// trade of a run on a Saturday, is the calendar's next trading day's (Monday).
/// </summary>
internal struct KstDayClock
{
    private const long DayChangeStepBack = TimeSpan.TicksPerHour;
    private const long HalfDay = TimeSpan.TicksPerDay / 2;

    /// <summary>
    /// How far a trade's stamp may lie from its receive time for the receive time to date it: far beyond any network
    /// delay or clock error, well short of the half day at which the nearest date would flip.
    /// </summary>
    public static readonly TimeSpan ReceiptTolerance = TimeSpan.FromHours(3);

    /// <summary>No receive time: the trade is dated by the previous one (see the type's remarks).</summary>
    public const long NoReceipt = long.MinValue;

    private long _dayStart; // DateTime ticks of the current KST date's midnight; 0 until the first trade
    private long _lastTime;
    private bool _stampsOffClock;

    /// <summary>True once a first trade set the date: later trades without one need no configured date.</summary>
    public readonly bool HasDate => _dayStart != 0;

    public long Ticks(MarketCalendar calendar, DateOnly? date, TimeOnly time, DateOnly? configuredDate, TimeProvider clock, long receivedUtcTicks = NoReceipt)
    {
        var t = time.Ticks;
        if (date is { } d)
            _dayStart = d.DayNumber * TimeSpan.TicksPerDay;
        else if (receivedUtcTicks != NoReceipt && !_stampsOffClock && DayStartFromReceipt(receivedUtcTicks, t) is { } dayStart
                 && TradesOn(calendar, dayStart + t))
            _dayStart = dayStart; // no weekend or holiday shift: the receive time says when it traded
        else
        {
            // Once a stamp is far from its receive time, the source runs a clock of its own (a simulator's demo days pass
            // in seconds): from then on the days step, since a receive time that happens to come near a stamp again
            // would date it on the wrong day.
            _stampsOffClock |= receivedUtcTicks != NoReceipt;
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

    // A receive time dates a trade only onto a day its market trades: a stamp near a Saturday's receive time comes from a
    // source running a clock of its own (a simulator's demo Monday), and dating its first hours Saturday would split its
    // day in two (the rest, stepped, lands on Monday: a false reset and a gap of the whole morning's volume).
    private static bool TradesOn(MarketCalendar calendar, long kstTicks)
    {
        var day = DateOnly.FromDayNumber(calendar.TradingDayNumber(MarketCalendar.KstToUtc(kstTicks)));
        return calendar.IsTradingDay(day);
    }

    /// <summary>
    /// The KST midnight (ticks) of the date that puts <paramref name="timeOfDay"/> nearest the receive time; null when
    /// even that is more than <see cref="ReceiptTolerance"/> away.
    /// </summary>
    internal static long? DayStartFromReceipt(long receivedUtcTicks, long timeOfDay)
    {
        var received = receivedUtcTicks + KoreaTime.Offset.Ticks;
        var dayStart = received - received % TimeSpan.TicksPerDay;
        var distance = dayStart + timeOfDay - received;
        if (distance > HalfDay) dayStart -= TimeSpan.TicksPerDay;
        else if (distance < -HalfDay) dayStart += TimeSpan.TicksPerDay;
        distance = Math.Abs(dayStart + timeOfDay - received);
        return distance <= ReceiptTolerance.Ticks ? dayStart : null;
    }

    public static DateOnly Today(TimeProvider clock) => KoreaTime.DateOf(clock.GetUtcNow());

    /// <summary>
    /// The KST date of a first trade without a date of its own: <paramref name="tradingDay"/> (else today); for a night
    /// session's trade after midnight (before <see cref="MarketCalendar.DayStart"/>), the next calendar date.
    /// </summary>
    public static DateOnly FirstDate(MarketCalendar calendar, DateOnly? tradingDay, TimeOnly kstTime, TimeProvider clock)
    {
        if (tradingDay is not { } day) return Today(clock);
        return calendar.DayStart > TimeSpan.Zero && kstTime.Ticks < calendar.DayStart.Ticks ? day.AddDays(1) : day;
    }

    public static DateTimeOffset ToKst(long kstTicks) => new(kstTicks, KoreaTime.Offset);
}
