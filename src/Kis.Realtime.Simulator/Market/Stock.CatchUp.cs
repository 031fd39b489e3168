namespace Kis.Realtime.Simulator.Market;

/// <summary>
/// The trades of a stock nobody watches, made when someone asks about it (the REST minute chart): a stock's trades are
/// made as its feeds ask for them, so one without a subscriber stood still after it appeared and its chart ended there.
/// </summary>
internal sealed partial class Stock
{
    /// <summary>Shortest gap between two caught-up trades, in milliseconds.</summary>
    public const int CatchUpMinGapMs = 500;

    /// <summary>Longest gap between two caught-up trades, in milliseconds (about one trade a second, the pace the backfill's
    /// volumes assume, so the chart's volumes go on at the rate of the morning before the stock appeared).</summary>
    public const int CatchUpMaxGapMs = 1_500;

    /// <summary>How far a closed market is stepped over at a time (a VI ends within this of its last second).</summary>
    private static readonly TimeSpan ClosedStep = TimeSpan.FromSeconds(5);

    private readonly Random _catchUpRandom;
    // Whether any of the stock's trade feeds is subscribed (the hub knows); null: no one to ask (a bare market), as watched.
    private readonly Func<bool>? _tradesWatched;
    private readonly DateTime _createdAt;
    private DateTime _nextCatchUp;

    /// <summary>
    /// Makes the trades the stock would have made since its last trade (or since it appeared) up to
    /// <paramref name="now"/>, as if a feed had asked about once a second: through the one trade path, so the auctions,
    /// VIs, day totals, minute charts and the tape are as a subscriber's trades leave them, and queued for every feed that
    /// asked before (a feed that comes back sends them first). Only for a stock none of whose trade feeds is subscribed
    /// (the caller knows the subscriptions): a subscribed feed makes its own trades. Only the trading day of
    /// <paramref name="now"/> is caught up (the chart is today's). The times come from a random source of their own,
    /// continued from one call to the next, so asking at 10:00 and again at 10:20 makes the same trades as asking once
    /// at 10:20. Returns how many trades it made.
    /// </summary>
    public int CatchUp(DateTime now)
    {
        lock (_gate) return CatchUpUnderLock(now);
    }

    /// <summary>
    /// <see cref="CatchUp"/> when none of the stock's trade feeds is subscribed: called by every other path that trades
    /// at <paramref name="now"/> (a paper order walking the book, the closing print, the market driver's trade) and when a
    /// trade feed subscribes, so that trade continues the day instead of leaving the minutes since the last trade empty
    /// for good (the next catch-up starts from the last trade). Returns how many trades it made.
    /// </summary>
    public int CatchUpIfUnwatched(DateTime now)
    {
        lock (_gate)
        {
            // Asks the hub only when a trade is due (a watched feed's trades come closer than the longest gap).
            var from = _lastTradeTime > _createdAt ? _lastTradeTime : _createdAt;
            var next = _nextCatchUp > from ? _nextCatchUp : from.AddMilliseconds(CatchUpMaxGapMs);
            if (next > now || _tradesWatched is null || _tradesWatched()) return 0;
            return CatchUpUnderLock(now);
        }
    }

    /// <summary>The catch-up itself. Under the lock.</summary>
    private int CatchUpUnderLock(DateTime now)
    {
        var from = _lastTradeTime > _createdAt ? _lastTradeTime : _createdAt;
        if (from.Date < now.Date) from = now.Date; // an earlier day's rest is not today's chart
        var next = _nextCatchUp > from ? _nextCatchUp : from.AddMilliseconds(Gap());
        var made = 0;
        while (next <= now)
        {
            if (!MarketCalendar.KrxStocks.IsTradingDay(DateOnly.FromDateTime(next)))
            {
                next = next.Date.AddDays(1);
                continue;
            }
            if (!CanTrade(StockVenue.Unified, next))
            {
                next += ClosedStep;
                continue;
            }
            RollDays(next);
            var on = PickVenue(next);
            _lastTradeTime = next;
            var (own, unified) = Trade(on, next);
            QueueFor(on, new QueuedTrade(next, own));
            QueueFor(StockVenue.Unified, new QueuedTrade(next, unified));
            made++;
            next = next.AddMilliseconds(Gap());
        }
        _nextCatchUp = next;
        return made;
    }

    private int Gap() => _catchUpRandom.Next(CatchUpMinGapMs, CatchUpMaxGapMs + 1);
}
