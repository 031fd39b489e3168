using Kis.Realtime.Trs;

namespace Kis.Realtime.Simulator.Market;

/// <summary>What a trade record shows: the trade and the day's state right after it (copied out under the book's lock).</summary>
internal struct TradeSnapshot
{
    public long Price, Volume, AccumulatedVolume, AccumulatedValue, Open, High, Low, BestAsk, BestBid, BestAskQuantity, BestBidQuantity;
    public long TotalAsk, TotalBid, SellCount, BuyCount, SellVolume, BuyVolume, PreviousClose, UpperLimit, LowerLimit, PreviousDayVolume;
    public long ViReference;
    public int OpenSecond, HighSecond, LowSecond;
    public bool BuyerInitiated;
}

/// <summary>
/// One stock's order book and trading day on one venue (KRX, NXT or both combined), shared by its trade TR
/// (H0STCNT0 / H0NXCNT0 / H0UNCNT0) and its book TR (H0STASP0 / H0NXASP0 / H0UNASP0), so the two agree:
/// <list type="bullet">
/// <item>every trade is at the touch (a buyer lifts the best ask, a seller hits the best bid), so its price is inside the
/// touch of the book at that moment;</item>
/// <item>the price levels move only when a book record is published (one tick at a time, levels on KRX's tick grid,
/// asks ascending above bids descending), so a trade is also inside the touch of the last book a subscriber saw. When
/// nobody has watched the book for <see cref="UnwatchedTrades"/> trades (nobody subscribed to it), trades move it;</item>
/// <item>the day's totals (cumulative volume and value, open/high/low, counts) start again at each trading day's first
/// record (<see cref="DayRollover"/>): the day's first trade has <c>acml_vol</c> == its <c>cntg_vol</c>;</item>
/// <item>within a day cumulative volume and value only grow, open/high/low follow the trades, the sign and change are against the
/// previous close, within KRX's ±30 % limits;</item>
/// <item>during a volatility interruption (<see cref="ViSchedule"/>) there are no trades; the first trade after it is
/// its single-price auction at the expected price, which becomes the VI reference price (<c>vi_stnd_prc</c>);</item>
/// <item>KRX's auctions (on the KRX book and the combined KRX+NXT one): the day's first trade at or after 09:00 is the
/// opening auction's print (one trade at the expected price with the expected quantity, after the pre-open's expected
/// trades); 15:20–15:30 is the closing single-price auction (no trades, expected trades go on) and the first trade at
/// or after 15:30 is the closing print. On KRX nothing trades after it; the combined book goes on with NXT's
/// after-market. NXT alone has no auctions (its hours pause 08:50–09:00 and 15:20–15:30 instead);</item>
/// <item>every trade goes into the day's <see cref="MinuteChart"/> (the REST minute chart).</item>
/// </list>
/// One lock (the book's own); callers hold at most their instrument's lock around it, never the other way round.
/// </summary>
internal sealed class StockBook
{
    public const int Levels = 10;

    /// <summary>
    /// Trades without a book record after which trades move the book themselves (larger than the 999 records of the
    /// largest frame, so a subscriber of both never sees a trade outside the book it has).
    /// </summary>
    public const int UnwatchedTrades = 1_000;

    private readonly Lock _gate = new();
    private readonly Random _random;
    private readonly long _anchor, _maxTradeVolume;
    private long _previousDayVolume;
    private DayRollover _rollover;
    private readonly long[] _askQuantity = new long[Levels], _bidQuantity = new long[Levels];
    private long _bid, _volume, _value, _open, _high, _low, _sellCount, _buyCount, _sellVolume, _buyVolume;
    private int _spreadTicks = 1, _openSecond, _highSecond, _lowSecond;
    private int _tradesSincePublished = UnwatchedTrades;
    private long _publishedAskTotal, _publishedBidTotal;
    private readonly ViSchedule _vi;
    private long _viReference;
    private int _viAuctionsDone;
    private readonly MinuteChart _chart = new();
    // The days (KST dates) whose opening and closing auction prints have happened (or were over before the book existed).
    private DateTime _openingPrintDay, _closingPrintDay;

    /// <summary>KRX's opening and closing auctions, seconds of the day.</summary>
    public static readonly int RegularOpen = 9 * 3600, ClosingAuctionStart = 15 * 3600 + 20 * 60, ClosingAuctionEnd = 15 * 3600 + 30 * 60;

    public StockBook(int seed, string code, StockVenue venue, InstrumentMaster master, double secondsIntoDay, int dayOpenSecond, DateTime createdAt)
    {
        Code = code;
        Venue = venue;
        _random = new Random(StableHash.Combine(seed, "stock-book", code + venue));
        var (close, turnover) = master.Stock(code);
        PreviousClose = close;
        UpperLimit = InstrumentMaster.RoundToTick(close * 13 / 10);
        LowerLimit = InstrumentMaster.RoundToTick(close * 7 / 10 + InstrumentMaster.TickOf(close * 7 / 10) - 1);
        // NXT carries about 15 % of the combined flow, KRX the rest.
        var share = venue switch { StockVenue.Nxt => 15, StockVenue.Krx => 85, _ => 100 };
        var sharesPerSecond = Math.Max(1, turnover * share / 100 / close);
        _maxTradeVolume = Math.Max(2, 2 * sharesPerSecond);
        _previousDayVolume = sharesPerSecond * 6 * 3600 * _random.Next(80, 121) / 100;
        _anchor = InstrumentMaster.RoundToTick(close + close * _random.Next(-300, 301) / 10_000);
        _bid = InstrumentMaster.RoundToTick(close + close * _random.Next(-100, 101) / 10_000);
        _vi = new ViSchedule(seed, code, venue);
        _viReference = close;
        for (var i = 0; i < Levels; i++) RefillLevel(i);
        _rollover = new DayRollover(createdAt);
        // A book that appears before KRX's open or in its first minute still sees the opening auction's print (a demo
        // day starts at 09:00, and its first subscribers come a few market seconds later); KRX itself had traded nothing.
        var createdSecond = (int)createdAt.TimeOfDay.TotalSeconds;
        var openingPending = HasAuctions && createdSecond < RegularOpen + 60;
        if (openingPending && venue == StockVenue.Krx) secondsIntoDay = 0;
        if (!openingPending) _openingPrintDay = createdAt.Date;
        if (createdSecond > ClosingAuctionEnd) _closingPrintDay = createdAt.Date;
        // What the day has already traded when the book first appears (zero at the open).
        _volume = (long)(secondsIntoDay * sharesPerSecond);
        _value = _volume * _bid;
        _sellVolume = _volume / 2;
        _buyVolume = _volume - _sellVolume;
        _sellCount = _sellVolume / Math.Max(1, _maxTradeVolume / 2);
        _buyCount = _buyVolume / Math.Max(1, _maxTradeVolume / 2);
        // Created after the open: the day opened at the current level. At the open: the first trade opens it.
        if (secondsIntoDay > 0)
        {
            _open = _high = _low = _viReference = _bid;
            _openSecond = _highSecond = _lowSecond = dayOpenSecond;
        }
        // VIs over before the book first appears had their auctions without anyone watching.
        _viAuctionsDone = _vi.At(dayOpenSecond + (int)secondsIntoDay).Ended;
    }

    /// <summary>True for the books that carry KRX's opening and closing auctions (KRX, and KRX+NXT combined).</summary>
    public bool HasAuctions => Venue != StockVenue.Nxt;

    public string Code { get; }
    public StockVenue Venue { get; }
    public long PreviousClose { get; }
    public long UpperLimit { get; }
    public long LowerLimit { get; }

    /// <summary>The day's volatility interruptions (immutable: read without the lock).</summary>
    public ViSchedule Vi => _vi;

    /// <summary>True while a VI is in force at <paramref name="secondOfDay"/>: no continuous trades then.</summary>
    public bool IsInterrupted(int secondOfDay) => _vi.At(secondOfDay).Active >= 0;

    /// <summary>
    /// False when nothing trades at <paramref name="now"/>: during a VI, during KRX's closing auction (15:20–15:30), and
    /// on KRX after the day's closing print.
    /// </summary>
    public bool HasTradeAt(DateTime now)
    {
        var second = (int)now.TimeOfDay.TotalSeconds;
        if (IsInterrupted(second)) return false;
        if (!HasAuctions) return true;
        if (second >= ClosingAuctionStart && second < ClosingAuctionEnd) return false;
        if (Venue == StockVenue.Krx && second >= ClosingAuctionEnd)
            lock (_gate) return _closingPrintDay != now.Date;
        return true;
    }

    /// <summary>
    /// True after the closing auction of a day that opened with its print and has not printed its close: a clock that
    /// jumped past the whole window (a sped-up demo day on a busy machine) must still close the day.
    /// </summary>
    public bool OwesClosingPrint(DateTime now)
    {
        if (!HasAuctions || now.TimeOfDay.TotalSeconds < ClosingAuctionEnd) return false;
        lock (_gate) return _openingPrintDay == now.Date && _closingPrintDay != now.Date;
    }

    /// <summary>The day's minute bars up to <paramref name="until"/>, newest first (see <see cref="MinuteChart.Before"/>).</summary>
    public List<MinuteBar> MinuteBars(DateTime date, TimeSpan until, int max)
    {
        lock (_gate) return _chart.Before(date, until, max);
    }

    /// <summary>The touch now: best ask and bid with their quantities.</summary>
    public (long Ask, long AskQuantity, long Bid, long BidQuantity) Touch()
    {
        lock (_gate) return (Ask(0), _askQuantity[0], Bid(0), _bidQuantity[0]);
    }

    /// <summary>The latest trade price (the previous close before any), the day's volume and value.</summary>
    public (long Price, long AccumulatedVolume, long AccumulatedValue) Summary()
    {
        lock (_gate) return (_lastPrice == 0 ? PreviousClose : _lastPrice, _volume, _value);
    }

    private long _lastPrice;

    /// <summary>True when the trade at <paramref name="now"/> is an auction's single print (opening or closing).</summary>
    private bool TakeAuctionPrint(DateTime now, int second)
    {
        if (!HasAuctions || second < RegularOpen) return false;
        if (_openingPrintDay != now.Date && second < ClosingAuctionStart)
        {
            _openingPrintDay = now.Date;
            return true;
        }
        if (second >= ClosingAuctionEnd && _closingPrintDay != now.Date)
        {
            // A day whose opening was never printed (the book appeared in the closing auction) still closes with a print.
            _openingPrintDay = _closingPrintDay = now.Date;
            return true;
        }
        return false;
    }

    private long Ask(int level)
    {
        var p = _bid;
        for (var i = 0; i < _spreadTicks + level; i++) p = InstrumentMaster.TickUp(p);
        return p;
    }

    private long Bid(int level)
    {
        var p = _bid;
        for (var i = 0; i < level; i++) p = InstrumentMaster.TickDown(p);
        return p;
    }

    private void RefillLevel(int level)
    {
        _askQuantity[level] = _random.NextInt64(1, 3 * _maxTradeVolume + 2);
        _bidQuantity[level] = _random.NextInt64(1, 3 * _maxTradeVolume + 2);
    }

    /// <summary>Moves the touch by at most one tick, towards the day's drift, inside the price limits.</summary>
    private void Move()
    {
        var roll = _random.Next(100);
        var lean = _bid < _anchor ? 8 : _bid > _anchor ? -8 : 0;
        if (roll < 30 + lean && Ask(0) < UpperLimit) _bid = InstrumentMaster.TickUp(_bid);
        else if (roll >= 70 + lean && _bid > LowerLimit) _bid = InstrumentMaster.TickDown(_bid);
        _spreadTicks = _random.Next(10) == 0 && Ask(1) <= UpperLimit ? 2 : 1;
        if (Ask(0) > UpperLimit) _spreadTicks = 1;
        for (var i = 0; i < Levels; i++)
            if (_random.Next(3) == 0) RefillLevel(i);
    }

    /// <summary>
    /// A new trading day from <paramref name="now"/> on: the day's totals start from nothing (the previous day's volume
    /// becomes <c>prdy_vol</c>); the book's levels carry over, as an exchange's book does not reset its prices overnight.
    /// </summary>
    private void RollDay(DateTime now)
    {
        if (!_rollover.NewDay(now)) return;
        if (_volume > 0) _previousDayVolume = _volume;
        _volume = _value = _open = _high = _low = 0;
        _sellCount = _buyCount = _sellVolume = _buyVolume = 0;
        _openSecond = _highSecond = _lowSecond = 0;
        _viAuctionsDone = 0;
        _viReference = PreviousClose;
    }

    /// <summary>The next trade at <paramref name="now"/> (KST), at the touch.</summary>
    public TradeSnapshot Trade(DateTime now)
    {
        var secondOfDay = (int)now.TimeOfDay.TotalSeconds;
        lock (_gate)
        {
            RollDay(now);
            // The first trade after a VI is its single-price auction: at the expected price, the touch's matched quantity;
            // so are the opening and closing auctions' prints.
            var ended = _vi.At(secondOfDay).Ended;
            var auction = ended > _viAuctionsDone;
            _viAuctionsDone = ended;
            auction |= TakeAuctionPrint(now, secondOfDay);
            bool buyer;
            long price, volume;
            if (auction)
            {
                buyer = _bidQuantity[0] >= _askQuantity[0];
                price = buyer ? Ask(0) : Bid(0);
                volume = Math.Max(1, Math.Min(_askQuantity[0], _bidQuantity[0]));
                _viReference = price;
            }
            else
            {
                if (_tradesSincePublished >= UnwatchedTrades) Move();
                else _tradesSincePublished++;
                buyer = _random.Next(2) == 0;
                price = buyer ? Ask(0) : Bid(0);
                volume = _random.NextInt64(1, _maxTradeVolume + 1);
            }
            // The touch's quantity is used up by the trade but never empties (the level would move: only a book record does that).
            if (buyer) _askQuantity[0] = Math.Max(1, _askQuantity[0] - volume);
            else _bidQuantity[0] = Math.Max(1, _bidQuantity[0] - volume);
            _volume += volume;
            _value += volume * price;
            if (buyer)
            {
                _buyVolume += volume;
                _buyCount++;
            }
            else
            {
                _sellVolume += volume;
                _sellCount++;
            }
            if (_open == 0)
            {
                _open = _high = _low = price;
                _openSecond = _highSecond = _lowSecond = secondOfDay;
                _viReference = price; // the opening price is the static VI's first reference
            }
            if (price > _high) (_high, _highSecond) = (price, secondOfDay);
            if (price < _low) (_low, _lowSecond) = (price, secondOfDay);
            _lastPrice = price;
            _chart.Add(now, price, volume, _value);
            return new TradeSnapshot
            {
                Price = price, Volume = volume, AccumulatedVolume = _volume, AccumulatedValue = _value, Open = _open, High = _high, Low = _low,
                BestAsk = Ask(0), BestBid = Bid(0), BestAskQuantity = _askQuantity[0], BestBidQuantity = _bidQuantity[0],
                TotalAsk = Sum(_askQuantity), TotalBid = Sum(_bidQuantity), SellCount = _sellCount, BuyCount = _buyCount,
                SellVolume = _sellVolume, BuyVolume = _buyVolume, PreviousClose = PreviousClose, UpperLimit = UpperLimit, LowerLimit = LowerLimit,
                PreviousDayVolume = _previousDayVolume, OpenSecond = _openSecond, HighSecond = _highSecond, LowSecond = _lowSecond, BuyerInitiated = buyer,
                ViReference = _viReference,
            };
        }
    }

    /// <summary>
    /// The expected (auction) trade now: the price where the book's touch would match (the side with more quantity
    /// at the touch gives way) and the quantity that would trade there. Changes nothing: an expected trade is not a trade.
    /// </summary>
    public TradeSnapshot Expected(DateTime now)
    {
        var secondOfDay = (int)now.TimeOfDay.TotalSeconds;
        lock (_gate)
        {
            RollDay(now);
            var buyer = _bidQuantity[0] >= _askQuantity[0];
            var price = buyer ? Ask(0) : Bid(0);
            return new TradeSnapshot
            {
                Price = price, Volume = Math.Min(_askQuantity[0], _bidQuantity[0]), AccumulatedVolume = _volume, AccumulatedValue = _value,
                Open = _open == 0 ? price : _open, High = Math.Max(_high, price), Low = _low == 0 ? price : Math.Min(_low, price),
                BestAsk = Ask(0), BestBid = Bid(0), BestAskQuantity = _askQuantity[0], BestBidQuantity = _bidQuantity[0],
                TotalAsk = Sum(_askQuantity), TotalBid = Sum(_bidQuantity), SellCount = _sellCount, BuyCount = _buyCount,
                SellVolume = _sellVolume, BuyVolume = _buyVolume, PreviousClose = PreviousClose, UpperLimit = UpperLimit, LowerLimit = LowerLimit,
                PreviousDayVolume = _previousDayVolume, OpenSecond = _open == 0 ? secondOfDay : _openSecond,
                HighSecond = _high == 0 ? secondOfDay : _highSecond, LowSecond = _low == 0 ? secondOfDay : _lowSecond, BuyerInitiated = buyer,
                ViReference = _viReference,
            };
        }
    }

    /// <summary>
    /// Publishes the next book: moves the touch (the only place the levels move while the book is watched) and copies
    /// the levels into the caller's arrays. Returns the day's volume and the change of the totals since the last book.
    /// </summary>
    public (long AccumulatedVolume, long AskTotalChange, long BidTotalChange) PublishBook(DateTime now, long[] askPrices, long[] bidPrices, long[] askQuantities, long[] bidQuantities)
    {
        lock (_gate)
        {
            RollDay(now);
            Move();
            _tradesSincePublished = 0;
            for (var i = 0; i < Levels; i++)
            {
                askPrices[i] = Ask(i);
                bidPrices[i] = Bid(i);
                askQuantities[i] = _askQuantity[i];
                bidQuantities[i] = _bidQuantity[i];
            }
            var askTotal = Sum(_askQuantity);
            var bidTotal = Sum(_bidQuantity);
            var change = (askTotal - _publishedAskTotal, bidTotal - _publishedBidTotal);
            (_publishedAskTotal, _publishedBidTotal) = (askTotal, bidTotal);
            return (_volume, change.Item1, change.Item2);
        }
    }

    private static long Sum(long[] values)
    {
        long sum = 0;
        foreach (var v in values) sum += v;
        return sum;
    }
}
