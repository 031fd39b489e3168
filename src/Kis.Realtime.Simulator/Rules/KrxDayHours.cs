namespace Kis.Realtime.Simulator.Rules;

/// <summary>
/// One day's hours of KRX's Seoul markets, from the library's calendar and its table of changed hours
/// (Markets/holidays.csv: the year's first trading day opens an hour late, the exam day moves every day session an
/// hour), so the simulator, a client's sessions and its bars keep one source of the hours. <see cref="Open"/> moves
/// the sessions up to the regular open, <see cref="Close"/> the regular close and everything after it (the closing
/// auction, its print, the after-hours), as the calendar moves its own sessions. Both zero on every other day: a
/// normal day's hours and records are as before. The night derivatives keep their hours (their calendar's rule).
/// </summary>
internal sealed record KrxDayHours(DateTime Date, TimeSpan Open, TimeSpan Close)
{
    private static readonly MarketSession Regular = MarketCalendar.KrxStocks.Regular;
    private static KrxDayHours _last = new(DateTime.MinValue, TimeSpan.Zero, TimeSpan.Zero); // one day cached, swapped whole

    /// <summary>KRX's opening print (09:00 on a normal day), second of the KST day.</summary>
    public int RegularOpen { get; } = Seconds(Regular.Start + Open);

    /// <summary>The closing auction's start (15:20) and end, the closing print (15:30), seconds of the KST day.</summary>
    public int ClosingAuctionStart { get; } = Seconds(Regular.ContinuousEnd + Close);

    /// <inheritdoc cref="ClosingAuctionStart"/>
    public int ClosingAuctionEnd { get; } = Seconds(Regular.ClosingCallEnd!.Value + Close);

    /// <summary>The hours of the KST day of <paramref name="kst"/>. Any thread.</summary>
    public static KrxDayHours On(DateTime kst)
    {
        var date = kst.Date;
        var last = Volatile.Read(ref _last);
        if (last.Date == date) return last;
        var day = DateOnly.FromDateTime(date);
        var calendar = MarketCalendar.KrxStocks;
        var hours = new KrxDayHours(date,
            calendar.OpenOf(day, TradingSessions.Regular).DateTime - date - Regular.Start,
            calendar.CloseOf(day, TradingSessions.Regular).DateTime - date - Regular.End);
        Volatile.Write(ref _last, hours);
        return hours;
    }

    /// <summary>
    /// Where a window edge at <paramref name="edge"/> (time of day) lies this day, on a calendar whose regular session
    /// trades continuously from <paramref name="continuousStart"/>: edges up to it move with the open, later ones with
    /// the close (the 01-02 late open moves 08:30–09:00 to 09:30–10:00 and keeps 15:20–15:30).
    /// </summary>
    public TimeSpan Moved(TimeSpan edge, TimeSpan continuousStart) => edge + (edge <= continuousStart ? Open : Close);

    private static int Seconds(TimeSpan timeOfDay) => (int)timeOfDay.TotalSeconds;
}
