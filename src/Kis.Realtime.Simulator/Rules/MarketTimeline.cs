namespace Kis.Realtime.Simulator.Rules;

/// <summary>
/// A recording's market time (issue 73, item 5): the clock a venue over a recording (the backtest, the paper venue under
/// a replay) decides sessions, auctions and the trading day by, taken from the records' own exchange stamps
/// (<see cref="MarketStamp"/>), not from when they were received. The same bytes received at 07:00, at 10:00 or on a
/// Sunday give the same market times, to the tick.
/// <para>
/// Stamps are whole seconds, so between them the market time moves on with the receive times: it is anchored at a
/// stamp and the receive time it came at, and runs from there. A stamp later than the market time moves the anchor
/// forward to it; an earlier one (a late book, a second not yet over) leaves it: the market time never goes back. A
/// stamp without a date (a book's, a future's) takes the market time's date; until the first dated stamp (a stock
/// trade's <c>bsop_date</c>) that date is the receive time's KST date, and the first dated stamp replaces it. Before
/// any stamp, and for a recording with none, the market time is the receive time in KST.
/// </para>
/// One reader's state (the backtest's thread, the replay's): not thread-safe.
/// </summary>
internal sealed class MarketTimeline
{
    private static readonly TimeSpan HalfDay = TimeSpan.FromHours(12);

    private bool _anchored, _dated;
    private DateTime _anchorMarket; // KST
    private long _anchorReceivedTicks; // UTC ticks

    /// <summary>Whether a stamp has set the market time (false: it is still the receive time).</summary>
    public bool FromStamps => _anchored;

    /// <summary>The market time (KST) of something received at <paramref name="receivedAt"/>, after the stamps observed so far.</summary>
    public DateTime KstAt(DateTimeOffset receivedAt)
        => _anchored ? _anchorMarket + TimeSpan.FromTicks(receivedAt.UtcTicks - _anchorReceivedTicks) : receivedAt.ToOffset(KoreaTime.Offset).DateTime;

    /// <summary>The same instant as a <see cref="DateTimeOffset"/> in UTC (as the receive times are kept).</summary>
    public DateTimeOffset At(DateTimeOffset receivedAt) => new DateTimeOffset(KstAt(receivedAt), KoreaTime.Offset).ToUniversalTime();

    /// <summary>A record received at <paramref name="receivedAt"/> carries <paramref name="stamp"/>: the market time follows it.</summary>
    public void Observe(MarketStamp stamp, DateTimeOffset receivedAt)
    {
        if (!stamp.HasTime) return;
        var now = KstAt(receivedAt);
        DateTime stamped;
        if (stamp.HasDate)
        {
            var date = DateOnly.FromDayNumber(stamp.DayNumber).ToDateTime(TimeOnly.MinValue);
            if (!_dated && _anchored)
            {
                // The date so far was the receive time's: the exchange's own replaces it (the time of day stays).
                _anchorMarket += date - now.Date;
                now = KstAt(receivedAt);
            }
            _dated = true;
            stamped = date + TimeSpan.FromSeconds(stamp.Second);
        }
        else
        {
            stamped = now.Date + TimeSpan.FromSeconds(stamp.Second);
            // A time of day across midnight from the market time is the day before or after.
            if (stamped > now + HalfDay) stamped = stamped.AddDays(-1);
            else if (stamped < now - HalfDay) stamped = stamped.AddDays(1);
        }
        if (_anchored && stamped <= now) return;
        _anchored = true;
        _anchorMarket = stamped;
        _anchorReceivedTicks = receivedAt.UtcTicks;
    }
}
