using System.Globalization;

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

    private readonly int _seed;
    // Whether any of the stock's trade feeds is subscribed (the hub knows); null: no one to ask (a bare market), as watched.
    private readonly Func<bool>? _tradesWatched;
    private readonly DateTime _createdAt;
    // The first caught-up trade time after the last catch-up (or the hub's last "watched"): none is due before it.
    private DateTime _nextDue;

    /// <summary>
    /// Makes the trades the stock would have made since its last trade (or since it appeared) up to
    /// <paramref name="now"/>, as if a feed had asked about once a second: through the one trade path, so the auctions,
    /// VIs, day totals, minute charts and the tape are as a subscriber's trades leave them, and queued for every feed that
    /// asked before (a feed that comes back sends them first). Only for a stock none of whose trade feeds is subscribed
    /// (the caller knows the subscriptions): a subscribed feed makes its own trades. Only the trading day of
    /// <paramref name="now"/> is caught up (the chart is today's). Each minute's trade times come from a random source of
    /// that minute (seed, stock, minute), and each trade's venue, side, volume and the book moves it makes from one of
    /// that trade (seed, stock, time), never from the stock's own source the feeds and books draw from: so asking at 10:00
    /// and again at 10:20 makes the same trades as asking once at 10:20, and a minute's trades are the same whatever else
    /// traded the stock before (their prices are at the book's touch, which a book feed or another trade may have moved).
    /// Returns how many trades it made.
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
            // Asks the hub only when a caught-up trade is due (a watched feed's trades come faster than they do). The
            // caller trades at now next, and a catch-up starts after the last trade: a time due before now made later
            // would be skipped for good, so those are made now, before the caller's trade.
            if (_nextDue > now || _tradesWatched is null) return 0;
            if (!_tradesWatched())
                return CatchUpUnderLock(now);
            // Watched: its feed makes the trades up to now, and the next catch-up starts after them.
            _nextDue = NextDue(now);
            return 0;
        }
    }

    /// <summary>The catch-up itself: every minute's trade times after the last trade, up to now. Under the lock.</summary>
    private int CatchUpUnderLock(DateTime now)
    {
        var from = _lastTradeTime > _createdAt ? _lastTradeTime : _createdAt;
        if (from.Date < now.Date) from = now.Date; // an earlier day's rest is not today's chart
        var made = 0;
        for (var minute = from.Date.AddMinutes(Math.Floor(from.TimeOfDay.TotalMinutes)); minute <= now; minute = minute.AddMinutes(1))
        {
            if (!MarketCalendar.KrxStocks.IsTradingDay(DateOnly.FromDateTime(minute)))
            {
                minute = minute.Date.AddDays(1).AddMinutes(-1);
                continue;
            }
            var times = MinuteTimes(minute);
            var end = minute.AddMinutes(1);
            for (var t = minute.AddMilliseconds(Gap(times)); t < end && t <= now; t = t.AddMilliseconds(Gap(times)))
            {
                if (t <= from || !CanTrade(StockVenue.Unified, t)) continue;
                RollDays(t);
                var random = new Random(StableHash.Combine(_seed, "stock-catchup-trade", Code + " " + Stamp(t, "yyyyMMddHHmmssfff")));
                var on = PickVenue(t, random);
                _lastTradeTime = t;
                var (own, unified) = Trade(on, t, random);
                QueueFor(on, new QueuedTrade(t, own));
                QueueFor(StockVenue.Unified, new QueuedTrade(t, unified));
                made++;
            }
        }
        _nextDue = NextDue(now);
        return made;
    }

    /// <summary>The first caught-up trade time after <paramref name="now"/> (in its minute or the next one's: the
    /// longest gap is shorter than a minute), whether or not its venue trades then.</summary>
    private DateTime NextDue(DateTime now)
    {
        for (var minute = now.Date.AddMinutes(Math.Floor(now.TimeOfDay.TotalMinutes)); ; minute = minute.AddMinutes(1))
        {
            var times = MinuteTimes(minute);
            for (var t = minute.AddMilliseconds(Gap(times)); t < minute.AddMinutes(1); t = t.AddMilliseconds(Gap(times)))
                if (t > now) return t;
        }
    }

    /// <summary>The random source of <paramref name="minute"/>'s caught-up trade times.</summary>
    private Random MinuteTimes(DateTime minute) => new(StableHash.Combine(_seed, "stock-catchup", Code + " " + Stamp(minute, "yyyyMMddHHmm")));

    private static int Gap(Random random) => random.Next(CatchUpMinGapMs, CatchUpMaxGapMs + 1);

    private static string Stamp(DateTime time, string format) => time.ToString(format, CultureInfo.InvariantCulture);
}
