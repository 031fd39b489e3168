using Kis.Realtime.Simulator.Metrics;
using Kis.Realtime.Simulator.Rules;
using Kis.Realtime.Simulator.Tape;

namespace Kis.Realtime.Simulator.Market;

/// <summary>
/// One stock's market on both venues: the one order book (price levels both venues quote), the trades of KRX and NXT
/// and each venue's trading day, plus the combined (unified) day. Every trade happens on one venue, once, and is
/// delivered to that venue's trade feed (H0STCNT0 / H0NXCNT0) and to the unified feed (H0UNCNT0) with the same price,
/// volume and time; the unified day's totals are KRX's plus NXT's. Whichever feed asks first makes the trade; the
/// other feed finds it queued (<see cref="Next"/>). The rules of the book (touch, auctions, VIs) are
/// <see cref="StockBook"/>'s. One lock (this one) for all of it; callers hold at most their instrument's lock around it.
/// </summary>
// Size: one owner and one lock for a stock's book, trades, days and queues (about 660 lines over three files): the
// catch-up and the book's moves change the same fields in one step, so a second type would need this lock or its own.
internal sealed partial class Stock
{
    /// <summary>
    /// At most this many trades wait for a feed that is not asking (unsubscribed); older ones are not sent, and neither
    /// are a day's trades still waiting when the next trading day begins (a clock that jumped past the close).
    /// </summary>
    public const int MaxQueued = 10_000;

    private readonly Lock _gate = new();
    private readonly Random _random;
    private readonly long _anchor;
    private readonly long[] _askQuantity = new long[StockBook.Levels], _bidQuantity = new long[StockBook.Levels];
    private long _bid;
    private int _spreadTicks = 1;
    private int _tradesSincePublished = StockBook.UnwatchedTrades;
    private readonly ViSchedule _vi;
    private long _viReference;
    private int _viAuctionsDone;
    // The days (KST dates) whose KRX opening and closing auction prints have happened (or were over before the stock existed).
    private DateTime _openingPrintDay, _closingPrintDay;
    private readonly VenueDay[] _days = new VenueDay[3];
    private readonly Queue<QueuedTrade>?[] _queues = new Queue<QueuedTrade>?[3];
    private DateTime _lastTradeTime;
    private DayRollover _rollover;

    /// <summary>A trade waiting for a feed: its time and what the feed's record shows.</summary>
    private readonly record struct QueuedTrade(DateTime Time, TradeSnapshot Snapshot);

    private readonly SimulatorTally? _counters;
    private readonly MarketTape? _tape; // KRX's trades and auction prints and the book go on it as they happen

    public Stock(int seed, string code, InstrumentMaster master, DateTime createdAt, SimulatorTally? counters = null, MarketTape? tape = null,
        Func<bool>? tradesWatched = null)
    {
        _counters = counters;
        _tradesWatched = tradesWatched;
        _tape = tape;
        Code = code;
        _random = new Random(StableHash.Combine(seed, "stock-book", code));
        _seed = seed;
        _createdAt = createdAt;
        var (close, turnover) = master.Stock(code);
        PreviousClose = close;
        (LowerLimit, UpperLimit) = KrxRules.StockDailyLimits(close);
        _anchor = KrxRules.RoundDownToStockTick(close + close * _random.Next(-300, 301) / 10_000);
        _bid = KrxRules.RoundDownToStockTick(close + close * _random.Next(-100, 101) / 10_000);
        _vi = new ViSchedule(seed, code, StockVenue.Krx); // NXT halts with KRX's VIs (one price discovery)
        _viReference = close;
        // NXT carries about 15 % of the combined flow, KRX the rest.
        var hours = KrxDayHours.On(createdAt);
        var krx = new VenueDay(_random, turnover * 85 / 100 / close, createdAt, hours.RegularOpen, _bid);
        var nxt = new VenueDay(_random, turnover * 15 / 100 / close, createdAt, NextradeOpen(createdAt), _bid);
        _days[(int)Index(StockVenue.Krx)] = krx;
        _days[(int)Index(StockVenue.Nxt)] = nxt;
        _days[(int)Index(StockVenue.Unified)] = VenueDay.Sum(krx, nxt, createdAt);
        for (var i = 0; i < StockBook.Levels; i++) RefillLevel(i, _random);
        // KRX's day opens with the opening auction's print; a stock that appears in its first minute still sees it.
        var createdSecond = (int)createdAt.TimeOfDay.TotalSeconds;
        if (createdSecond >= hours.RegularOpen + 60) _openingPrintDay = createdAt.Date;
        if (createdSecond > hours.ClosingAuctionEnd) _closingPrintDay = createdAt.Date;
        if (krx.Volume > 0) _viReference = _bid;
        _rollover = new DayRollover(MarketCalendar.KrxStocks, createdAt);
        // VIs over before the stock first appears had their auctions without anyone watching.
        _viAuctionsDone = _vi.At(createdAt).Ended;
        BackfillCharts(seed, createdAt);
    }

    /// <summary>
    /// A stock that appears part-way through its day (its first subscriber or REST query comes then) has traded since
    /// each venue's open: its day's cumulative volume says so (<see cref="VenueDay"/>). Its minute charts get that day so
    /// far, so a client that reads the REST chart before subscribing joins the first live trade with no gap and no
    /// overlap: one bar per minute the venue traded from its open (KRX 09:00, NXT 08:00; an hour later on KRX's late-open
    /// days, see <see cref="KrxDayHours"/>) to the creation minute, the volumes summing to the cumulative volume the feed
    /// starts from, on one price path from the day's open to the level the book opens at (<see cref="DayBackfill"/>; the
    /// day's open, high, low and value say the same). Drawn from a random source of its own, seeded by the stock and the
    /// day: the feed's trades stay as they were.
    /// </summary>
    private void BackfillCharts(int seed, DateTime createdAt)
    {
        var krx = _days[(int)Index(StockVenue.Krx)];
        var nxt = _days[(int)Index(StockVenue.Nxt)];
        var krxMinutes = TradedMinutes(StockVenue.Krx, KrxDayHours.On(createdAt).RegularOpen, createdAt);
        var nxtMinutes = TradedMinutes(StockVenue.Nxt, NextradeOpen(createdAt), createdAt);
        var day = createdAt.ToString("yyyyMMdd", System.Globalization.CultureInfo.InvariantCulture);
        var random = new Random(StableHash.Combine(seed, "stock-backfill", Code + " " + day));
        var open = DayBackfill.OpeningPrice(random, PreviousClose, LowerLimit, UpperLimit);
        var path = DayBackfill.Path(random, [.. krxMinutes.Union(nxtMinutes).Order()], open, _bid, LowerLimit, UpperLimit);
        krx.Chart.Backfill(krxMinutes, path, krx.Volume);
        nxt.Chart.Backfill(nxtMinutes, path, nxt.Volume);
        krx.TakeDaySoFarFromChart();
        nxt.TakeDaySoFarFromChart();
        var unified = _days[(int)Index(StockVenue.Unified)] = VenueDay.Sum(krx, nxt, createdAt);
        unified.Chart.BackfillSum(krx.Chart, nxt.Chart);
        unified.LastPrice = unified.Chart.DaySoFar()?.Close ?? 0; // its open, high, low and value are the two venues' (Sum)
    }

    /// <summary>NXT's first session's opening that day (08:00; an hour later on KRX's late-open days), second of the day.</summary>
    private static int NextradeOpen(DateTime kst) => (int)TradingHours.Nextrade.OpenOn(kst).TotalSeconds;

    /// <summary>
    /// The minutes from <paramref name="openSecond"/> that began before <paramref name="createdAt"/> and in which
    /// <paramref name="venue"/> trades.
    /// </summary>
    private List<DateTime> TradedMinutes(StockVenue venue, int openSecond, DateTime createdAt)
    {
        var minutes = new List<DateTime>();
        // A holiday (KRX's calendar; NXT keeps KRX's days) traded nothing: no minute to backfill.
        if (!MarketCalendar.KrxStocks.IsTradingDay(DateOnly.FromDateTime(createdAt))) return minutes;
        for (var minute = createdAt.Date.AddSeconds(openSecond); minute < createdAt; minute = minute.AddMinutes(1))
            if (CanTrade(venue, minute)) minutes.Add(minute);
        return minutes;
    }

    public string Code { get; }
    public long PreviousClose { get; }
    public long UpperLimit { get; }
    public long LowerLimit { get; }
    public ViSchedule Vi => _vi;

    /// <summary>Trades dropped from a queue of a feed that was not asking (see <see cref="MaxQueued"/>); also counted in
    /// <see cref="SimulatorCounters.TradesUnsent"/>.</summary>
    public long Unsent { get; private set; }

    private void CountUnsent(int trades)
    {
        Unsent += trades;
        if (_counters is not null) Interlocked.Add(ref _counters._tradesUnsent, trades);
    }

    private static uint Index(StockVenue venue) => venue switch { StockVenue.Krx => 0, StockVenue.Nxt => 1, _ => 2 };

    /// <summary>
    /// True when <paramref name="venue"/>'s feed has a trade at <paramref name="now"/>: one queued for it, or its venue
    /// trades now (no VI; KRX 09:00–15:20 and its closing print; NXT in its sessions; unified when either does).
    /// </summary>
    public bool HasTradeAt(StockVenue venue, DateTime now)
    {
        lock (_gate) return _queues[(int)Index(venue)] is { Count: > 0 } || CanTrade(venue, now);
    }

    /// <summary>The trades queued for <paramref name="venue"/>'s feed (made by the other feeds).</summary>
    public int Backlog(StockVenue venue)
    {
        lock (_gate) return _queues[(int)Index(venue)]?.Count ?? 0;
    }

    private bool CanTrade(StockVenue venue, DateTime now)
    {
        var second = (int)now.TimeOfDay.TotalSeconds;
        if (_vi.At(now).Active >= 0) return false;
        var hours = KrxDayHours.On(now);
        return venue switch
        {
            StockVenue.Krx => second >= hours.RegularOpen && (second < hours.ClosingAuctionStart
                || second >= hours.ClosingAuctionEnd && _closingPrintDay != now.Date),
            StockVenue.Nxt => TradingHours.Nextrade.IsOpen(now),
            _ => CanTrade(StockVenue.Krx, now) || CanTrade(StockVenue.Nxt, now),
        };
    }

    public bool IsInterrupted(DateTime now) => _vi.At(now).Active >= 0;

    /// <summary>True after KRX's closing auction of a day that opened with its print and has not printed its close.</summary>
    public bool OwesClosingPrint(DateTime now)
    {
        if (now.TimeOfDay.TotalSeconds < KrxDayHours.On(now).ClosingAuctionEnd) return false;
        lock (_gate) return _openingPrintDay == now.Date && _closingPrintDay != now.Date;
    }

    /// <summary>
    /// The next trade of <paramref name="venue"/>'s feed at <paramref name="now"/>: the oldest one queued for it, else a
    /// new trade (the unified feed picks the venue: KRX's auction prints first, then about 85 % KRX, 15 % NXT while
    /// both trade). Returns the record's snapshot, the trade's time and whether it is a new KRX trade (paper orders
    /// fill from those, once each).
    /// </summary>
    public (TradeSnapshot Snapshot, DateTime Time, bool MadeOnKrx) Next(StockVenue venue, DateTime now)
    {
        lock (_gate)
        {
            CatchUpIfUnwatched(now); // the driver asking for an unwatched stock's trade continues its day
            RollDays(now);
            var me = (int)Index(venue);
            var queue = _queues[me] ??= new Queue<QueuedTrade>();
            if (queue.TryDequeue(out var queued)) return (queued.Snapshot, queued.Time, false);
            var on = venue != StockVenue.Unified ? venue : PickVenue(now, _random);
            var time = _lastTradeTime = now > _lastTradeTime ? now : _lastTradeTime;
            var (own, unified) = Trade(on, time, _random);
            // The other feed that shows this trade gets it queued.
            QueueFor(venue == StockVenue.Unified ? on : StockVenue.Unified, new QueuedTrade(time, venue == StockVenue.Unified ? own : unified));
            return (venue == StockVenue.Unified ? unified : own, time, on == StockVenue.Krx);
        }
    }

    /// <summary>Queues a trade for a feed that has asked before (a feed nobody reads has no queue), oldest dropped past
    /// <see cref="MaxQueued"/>. Under the lock.</summary>
    private void QueueFor(StockVenue feed, QueuedTrade trade)
    {
        if (_queues[(int)Index(feed)] is not { } q) return;
        if (q.Count >= MaxQueued)
        {
            q.Dequeue();
            CountUnsent(1);
        }
        q.Enqueue(trade);
    }

    private StockVenue PickVenue(DateTime now, Random random)
    {
        var krx = CanTrade(StockVenue.Krx, now);
        var nxt = CanTrade(StockVenue.Nxt, now);
        if (krx && (AuctionPending(now) || !nxt)) return StockVenue.Krx;
        if (!krx) return StockVenue.Nxt;
        return random.Next(100) < 15 ? StockVenue.Nxt : StockVenue.Krx;
    }

    /// <summary>KRX's next trade is an auction's print (opening, closing or a VI's).</summary>
    private bool AuctionPending(DateTime now)
    {
        var second = (int)now.TimeOfDay.TotalSeconds;
        if (_vi.At(now).Ended > _viAuctionsDone) return true;
        var hours = KrxDayHours.On(now);
        if (second < hours.RegularOpen) return false;
        return _openingPrintDay != now.Date && second < hours.ClosingAuctionStart
               || second >= hours.ClosingAuctionEnd && _closingPrintDay != now.Date;
    }
}
