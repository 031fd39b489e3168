using Kis.Realtime.Simulator.Rules;
using Kis.Realtime.Simulator.Tape;

namespace Kis.Realtime.Simulator.Market;

/// <summary>The order book and the trades of a <see cref="Stock"/> (its rules: <see cref="StockBook"/>).</summary>
internal sealed partial class Stock
{
    private VenueDay DayOf(StockVenue venue) => _days[(int)Index(venue)];

    /// <summary>A new trading day from <paramref name="now"/> on: every venue's day starts again, VIs and auctions too.</summary>
    private void RollDays(DateTime now)
    {
        foreach (var day in _days) day.StartDayIfNew(now);
        if (!_rollover.NewDay(now)) return;
        foreach (var queue in _queues)
            if (queue is not null)
            {
                CountUnsent(queue.Count);
                queue.Clear();
            }
        _viAuctionsDone = 0;
        _viReference = PreviousClose;
    }

    /// <summary>True when KRX's trade at <paramref name="now"/> is an auction's single print (opening or closing).</summary>
    private bool TakeAuctionPrint(DateTime now, int second)
    {
        var hours = KrxDayHours.On(now);
        if (second < hours.RegularOpen) return false;
        if (_openingPrintDay != now.Date && second < hours.ClosingAuctionStart)
        {
            _openingPrintDay = now.Date;
            return true;
        }
        if (second >= hours.ClosingAuctionEnd && _closingPrintDay != now.Date)
        {
            // A day whose opening was never printed (the stock appeared in the closing auction) still closes with a print.
            _openingPrintDay = _closingPrintDay = now.Date;
            return true;
        }
        return false;
    }

    /// <summary>A trade on <paramref name="on"/> at <paramref name="now"/>, at the touch: its venue's record and the unified one.</summary>
    /// <paramref name="random"/> draws its side and volume and the book moves it makes (the stock's own source, or a
    /// caught-up trade's, see <see cref="CatchUp"/>).
    private (TradeSnapshot Own, TradeSnapshot Unified) Trade(StockVenue on, DateTime now, Random random)
    {
        RollDays(now);
        var second = (int)now.TimeOfDay.TotalSeconds;
        var day = DayOf(on);
        // On KRX, the first trade after a VI is its single-price auction: at the expected price, the touch's matched
        // quantity; so are the opening and closing auctions' prints.
        var auction = false;
        if (on == StockVenue.Krx)
        {
            var ended = _vi.At(now).Ended;
            auction = ended > _viAuctionsDone;
            _viAuctionsDone = ended;
            auction |= TakeAuctionPrint(now, second);
        }
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
            // Side and volume first: whether the trade moves the book (nobody watches it) changes none of its draws.
            buyer = random.Next(2) == 0;
            volume = random.NextInt64(1, day.MaxTradeVolume + 1);
            if (_tradesSincePublished >= StockBook.UnwatchedTrades) Move(random);
            else _tradesSincePublished++;
            price = buyer ? Ask(0) : Bid(0);
        }
        // The touch's quantity is used up by the trade but never empties (the level would move: only a book record does that).
        if (buyer) _askQuantity[0] = Math.Max(1, _askQuantity[0] - volume);
        else _bidQuantity[0] = Math.Max(1, _bidQuantity[0] - volume);
        // KRX's opening price is the static VI's first reference.
        if (day.Apply(now, price, volume, buyer) && on == StockVenue.Krx) _viReference = price;
        var unified = DayOf(StockVenue.Unified);
        unified.Apply(now, price, volume, buyer);
        // KRX's trades go on the tape the paper venue matches KRX orders against (NXT's do not reach KRX orders).
        if (on == StockVenue.Krx) _tape?.Publish(new TapeEvent(auction ? TapeEventKind.Auction : TapeEventKind.Trade, Code, false, now, price, volume, buyer));
        return (Snapshot(day, price, volume, buyer, second), Snapshot(unified, price, volume, buyer, second));
    }

    /// <summary>
    /// A paper order that crosses the spread on KRX: walks the book's opposite side from the touch (see
    /// <see cref="BookWalk"/>), taking up to <paramref name="quantity"/> from the levels within <paramref name="limit"/>
    /// (0 = a market order), and prints one trade per level on KRX's and the unified tape, buyer- or seller-initiated,
    /// counted in both days' totals, so the next trade and book records show them. Writes what it took into
    /// <paramref name="taken"/> and returns how many levels. Nothing in the pre-open, a VI or the closing auction: the
    /// order rests and fills from the auction's print. An auction whose print is still owed (no feed has asked for it
    /// yet) prints first, so the tape keeps KRX's order (the venue's resting orders meet it before this order rests).
    /// </summary>
    public int TakeDepth(bool buy, long quantity, long limit, DateTime now, Span<LevelTake> taken)
    {
        lock (_gate)
        {
            CatchUpIfUnwatched(now); // the order meets the market of now, after the day an unwatched stock owes
            RollDays(now);
            var second = (int)now.TimeOfDay.TotalSeconds;
            if (!CanTrade(StockVenue.Krx, now) || second >= KrxDayHours.On(now).ClosingAuctionStart) return 0;
            var time = _lastTradeTime = now > _lastTradeTime ? now : _lastTradeTime;
            if (AuctionPending(now))
            {
                var (auction, auctionUnified) = Trade(StockVenue.Krx, time, _random);
                QueueFor(StockVenue.Krx, new QueuedTrade(time, auction));
                QueueFor(StockVenue.Unified, new QueuedTrade(time, auctionUnified));
            }
            Span<BookLevel> opposite = stackalloc BookLevel[StockBook.Levels];
            for (var i = 0; i < StockBook.Levels; i++) opposite[i] = buy ? new(Ask(i), _askQuantity[i]) : new(Bid(i), _bidQuantity[i]);
            // Levels never hold less than 1 between books, so the walk takes from them in order: take k is level k.
            var n = BookWalk.Take(opposite, buy, quantity, limit, taken);
            var krx = DayOf(StockVenue.Krx);
            var unified = DayOf(StockVenue.Unified);
            for (var k = 0; k < n; k++)
            {
                var (price, volume) = (taken[k].Price, taken[k].Quantity);
                // As for the generated trades, a level is used up but never emptied: only a book record moves levels.
                ref var level = ref buy ? ref _askQuantity[k] : ref _bidQuantity[k];
                level = Math.Max(1, level - volume);
                if (krx.Apply(time, price, volume, buy)) _viReference = price;
                unified.Apply(time, price, volume, buy);
                QueueFor(StockVenue.Krx, new QueuedTrade(time, Snapshot(krx, price, volume, buy, second)));
                QueueFor(StockVenue.Unified, new QueuedTrade(time, Snapshot(unified, price, volume, buy, second)));
                _tape?.Publish(new TapeEvent(TapeEventKind.Trade, Code, false, time, price, volume, buy, Paper: true));
            }
            return n;
        }
    }

    /// <summary>The book now, best level first on each side (asks ascending, bids descending).</summary>
    public void Depth(Span<BookLevel> asks, Span<BookLevel> bids)
    {
        lock (_gate)
            for (var i = 0; i < StockBook.Levels; i++)
            {
                asks[i] = new BookLevel(Ask(i), _askQuantity[i]);
                bids[i] = new BookLevel(Bid(i), _bidQuantity[i]);
            }
    }

    /// <summary>
    /// KRX's closing print of <paramref name="now"/>'s day when it is owed and no feed has made it yet (the day opened
    /// with its print, the closing auction is over): made now and queued for the KRX and unified feeds, so the paper
    /// venue's resting orders fill from it before they expire and the tape still shows it. Volume 0 when none is owed.
    /// </summary>
    public (long Price, long Volume) PrintCloseIfOwed(DateTime now)
    {
        lock (_gate)
        {
            CatchUpIfUnwatched(now);
            RollDays(now);
            if (now.TimeOfDay.TotalSeconds < KrxDayHours.On(now).ClosingAuctionEnd || _openingPrintDay != now.Date || _closingPrintDay == now.Date
                || !CanTrade(StockVenue.Krx, now)) return (0, 0);
            var time = _lastTradeTime = now > _lastTradeTime ? now : _lastTradeTime;
            var (print, unified) = Trade(StockVenue.Krx, time, _random);
            QueueFor(StockVenue.Krx, new QueuedTrade(time, print));
            QueueFor(StockVenue.Unified, new QueuedTrade(time, unified));
            return (print.Price, print.Volume);
        }
    }

    private TradeSnapshot Snapshot(VenueDay d, long price, long volume, bool buyer, int second) => new()
    {
        Price = price, Volume = volume, CumulativeVolume = d.Volume, CumulativeValue = d.Value,
        Open = d.Open == 0 ? price : d.Open, High = Math.Max(d.High, price), Low = d.Low == 0 ? price : Math.Min(d.Low, price),
        BestAsk = Ask(0), BestBid = Bid(0), BestAskQuantity = _askQuantity[0], BestBidQuantity = _bidQuantity[0],
        TotalAsk = Sum(_askQuantity), TotalBid = Sum(_bidQuantity), SellCount = d.SellCount, BuyCount = d.BuyCount,
        SellVolume = d.SellVolume, BuyVolume = d.BuyVolume, PreviousClose = PreviousClose, UpperLimit = UpperLimit, LowerLimit = LowerLimit,
        PreviousDayVolume = d.PreviousDayVolume, OpenSecond = d.Open == 0 ? second : d.OpenSecond,
        HighSecond = d.High == 0 ? second : d.HighSecond, LowSecond = d.Low == 0 ? second : d.LowSecond, BuyerInitiated = buyer,
        ViReference = _viReference,
    };

    /// <summary>
    /// The expected (auction) trade now on <paramref name="venue"/>: the price where the book's touch would match (the
    /// side with more quantity at the touch gives way) and the quantity that would trade there. Changes nothing.
    /// </summary>
    public TradeSnapshot Expected(StockVenue venue, DateTime now)
    {
        lock (_gate)
        {
            RollDays(now);
            var buyer = _bidQuantity[0] >= _askQuantity[0];
            var price = buyer ? Ask(0) : Bid(0);
            var s = Snapshot(DayOf(venue), price, Math.Min(_askQuantity[0], _bidQuantity[0]), buyer, (int)now.TimeOfDay.TotalSeconds);
            return s;
        }
    }

    /// <summary>
    /// Publishes the next book: moves the touch (the only place the levels move while the book is watched) and copies
    /// the levels into the caller's arrays. Returns <paramref name="venue"/>'s day volume and the change of the totals
    /// since its last book.
    /// </summary>
    public (long CumulativeVolume, long AskTotalChange, long BidTotalChange) PublishBook(StockVenue venue, DateTime now,
        long[] askPrices, long[] bidPrices, long[] askQuantities, long[] bidQuantities)
    {
        lock (_gate)
        {
            RollDays(now);
            Move(_random);
            _tradesSincePublished = 0;
            for (var i = 0; i < StockBook.Levels; i++)
            {
                askPrices[i] = Ask(i);
                bidPrices[i] = Bid(i);
                askQuantities[i] = _askQuantity[i];
                bidQuantities[i] = _bidQuantity[i];
            }
            // During a call (the pre-open, a VI, the closing auction, and until its print is made) nothing matches
            // continuously: the book is an expected one, and the print fills what crosses it (issue 55, item 4).
            if (_tape is { IsListened: true } && MatchesContinuously(now))
            {
                var asks = new BookLevel[StockBook.Levels];
                var bids = new BookLevel[StockBook.Levels];
                for (var i = 0; i < StockBook.Levels; i++) (asks[i], bids[i]) = (new(askPrices[i], askQuantities[i]), new(bidPrices[i], bidQuantities[i]));
                _tape.Publish(new TapeEvent(TapeEventKind.Book, Code, false, now, Asks: asks, Bids: bids));
            }
            var day = DayOf(venue);
            var askTotal = Sum(_askQuantity);
            var bidTotal = Sum(_bidQuantity);
            var change = (askTotal - day.PublishedAskTotal, bidTotal - day.PublishedBidTotal);
            (day.PublishedAskTotal, day.PublishedBidTotal) = (askTotal, bidTotal);
            return (day.Volume, change.Item1, change.Item2);
        }
    }

    /// <summary>
    /// True while KRX matches continuously at <paramref name="now"/>: after the opening print, outside a VI and before the
    /// closing auction, with no auction's print owed. Under the lock.
    /// </summary>
    private bool MatchesContinuously(DateTime now)
        => CanTrade(StockVenue.Krx, now) && now.TimeOfDay.TotalSeconds < KrxDayHours.On(now).ClosingAuctionStart && !AuctionPending(now);

    /// <summary>The touch now: best ask and bid with their quantities.</summary>
    public (long Ask, long AskQuantity, long Bid, long BidQuantity) Touch()
    {
        lock (_gate) return (Ask(0), _askQuantity[0], Bid(0), _bidQuantity[0]);
    }

    /// <summary>The latest trade price on <paramref name="venue"/> (the previous close before any), its day's volume and value.</summary>
    public (long Price, long CumulativeVolume, long CumulativeValue) Summary(StockVenue venue)
    {
        lock (_gate)
        {
            var d = DayOf(venue);
            return (d.LastPrice == 0 ? PreviousClose : d.LastPrice, d.Volume, d.Value);
        }
    }

    /// <summary><paramref name="venue"/>'s minute bars of the day up to <paramref name="until"/>, newest first.</summary>
    public List<MinuteBar> MinuteBars(StockVenue venue, DateTime date, TimeSpan until, int max)
    {
        lock (_gate) return DayOf(venue).Chart.Before(date, until, max);
    }

    private long Ask(int level)
    {
        var p = _bid;
        for (var i = 0; i < _spreadTicks + level; i++) p = KrxRules.StockTickUp(p);
        return p;
    }

    private long Bid(int level)
    {
        var p = _bid;
        for (var i = 0; i < level; i++) p = KrxRules.StockTickDown(p);
        return p;
    }

    private void RefillLevel(int level, Random random)
    {
        var max = DayOf(StockVenue.Krx).MaxTradeVolume;
        _askQuantity[level] = random.NextInt64(1, 3 * max + 2);
        _bidQuantity[level] = random.NextInt64(1, 3 * max + 2);
    }

    /// <summary>Moves the touch by at most one tick, towards the day's drift, inside the price limits.</summary>
    private void Move(Random random)
    {
        var roll = random.Next(100);
        var lean = _bid < _anchor ? 8 : _bid > _anchor ? -8 : 0;
        if (roll < 30 + lean && Ask(0) < UpperLimit) _bid = KrxRules.StockTickUp(_bid);
        else if (roll >= 70 + lean && _bid > LowerLimit) _bid = KrxRules.StockTickDown(_bid);
        _spreadTicks = random.Next(10) == 0 && Ask(1) <= UpperLimit ? 2 : 1;
        if (Ask(0) > UpperLimit) _spreadTicks = 1;
        for (var i = 0; i < StockBook.Levels; i++)
            if (random.Next(3) == 0) RefillLevel(i, random);
    }

    private static long Sum(long[] values)
    {
        long sum = 0;
        foreach (var v in values) sum += v;
        return sum;
    }
}
