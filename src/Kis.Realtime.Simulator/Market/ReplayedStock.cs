using Kis.Realtime.Simulator.Rules;
using Kis.Realtime.Simulator.Tape;

namespace Kis.Realtime.Simulator.Market;

/// <summary>
/// A KRX stock as a replayed recording shows it (issue 55, item 6): the market paper orders of the stock meet under
/// <c>kisrt sim --replay</c>, read from the same records, by the same rules, as the backtest reads them. The replay
/// hands it the recording's H0STCNT0 trades and H0STASP0 books in order, at their recorded time, and it puts them on the
/// market's tape for the venue: a continuous trade fills the resting orders it reaches, a book fills the ones its
/// opposite side reaches, a call's book (<see cref="KrxCalls"/>) fills nothing and the first trade after a call (or one
/// KIS marks pre-open) is the call's print, which fills every order crossing it. An arriving order walks the last book;
/// what it took is gone from that book until the next one. The day's limits come from the previous close the trades
/// carry (unknown before the first trade). One lock, a leaf under the venue's: it calls only the tape (itself a leaf).
/// With <paramref name="derivative"/> it is a KRX index future or option instead (H0IFCNT0/H0IOCNT0 trades,
/// H0IFASP0/H0IOASP0 books, prices in hundredths of a point), read as the backtest reads one: a future's daily limits
/// (an option's are not in the recording: none), no stock call windows, and the tick test for the trade's side (KIS's
/// derivatives trades do not say who initiated them).
/// </summary>
internal sealed class ReplayedStock(string code, MarketTape tape, bool derivative = false) : IStockOrderMarket
{
    private readonly Lock _gate = new();
    private readonly BookLevel[] _asks = new BookLevel[StockBook.Levels], _bids = new BookLevel[StockBook.Levels];
    private int _askCount, _bidCount;
    private long _previousClose, _lower, _upper, _last, _volume, _value;
    private bool _inCall, _lastBuyerInitiated;

    public string Code => code;

    public long UpperLimit
    {
        get
        {
            lock (_gate) return _upper;
        }
    }

    public long LowerLimit
    {
        get
        {
            lock (_gate) return _lower;
        }
    }

    /// <summary>Whether the recording showed a trade of it yet (before one, nothing prices an order).</summary>
    public bool Traded
    {
        get
        {
            lock (_gate) return _last != 0;
        }
    }

    /// <summary>
    /// A trade of the recording at <paramref name="at"/> (KST): on the tape as a continuous trade, or as a call's print
    /// when a call was in force or KIS marked it pre-open (<paramref name="preOpen"/>, <c>ccld_dvsn</c> 3).
    /// </summary>
    public void OnTrade(DateTime at, long price, long volume, long previousClose, bool buyerInitiated, bool preOpen)
    {
        lock (_gate)
        {
            if (previousClose > 0 && previousClose != _previousClose)
            {
                _previousClose = previousClose;
                // An option's limits follow its underlying's and are not in the recording: none (the backtest's rule too).
                (_lower, _upper) = derivative ? KrxRules.DerivativeDailyLimits(code, previousClose) : KrxRules.StockDailyLimits(previousClose);
            }
            // The tick test, as the backtest's (BacktestVenue.OnDerivativeTrade): up a buyer's, down a seller's, else as the last.
            if (derivative) buyerInitiated = _last == 0 || price == _last ? _lastBuyerInitiated : price > _last;
            _lastBuyerInitiated = buyerInitiated;
            _last = price;
            _volume += volume;
            _value += price * volume;
            var print = preOpen || _inCall;
            _inCall = false;
            // Published under this lock: the tape keeps the recording's order against the book state orders walk.
            tape.Publish(new TapeEvent(print ? TapeEventKind.Auction : TapeEventKind.Trade, code, derivative, at, price, volume, buyerInitiated));
        }
    }

    /// <summary>
    /// A book of the recording at <paramref name="at"/> (KST), levels best first (price 0: none): what arriving orders walk
    /// from now on. A call's book (<paramref name="call"/>) starts a call; until its print no book reaches resting orders.
    /// </summary>
    public void OnBook(DateTime at, ReadOnlySpan<BookLevel> asks, ReadOnlySpan<BookLevel> bids, bool call)
    {
        lock (_gate)
        {
            _askCount = Keep(asks, _asks);
            _bidCount = Keep(bids, _bids);
            if (call) _inCall = true;
            if (_inCall) return;
            tape.Publish(new TapeEvent(TapeEventKind.Book, code, derivative, at, Asks: _asks[.._askCount], Bids: _bids[.._bidCount]));
        }
    }

    private static int Keep(ReadOnlySpan<BookLevel> levels, BookLevel[] into)
    {
        var n = 0;
        foreach (var level in levels)
            if (level.Price > 0 && n < into.Length) into[n++] = level;
        return n;
    }

    public (long Ask, long AskQuantity, long Bid, long BidQuantity) Touch()
    {
        lock (_gate)
            return (_askCount > 0 ? _asks[0].Price : 0, _askCount > 0 ? _asks[0].Quantity : 0,
                _bidCount > 0 ? _bids[0].Price : 0, _bidCount > 0 ? _bids[0].Quantity : 0);
    }

    /// <summary>Walks the last book's opposite side (<see cref="BookWalk"/>); nothing during a call (the order rests for
    /// the print: a call's window of <paramref name="now"/>, or a call the recording showed and has not printed).</summary>
    public int TakeDepth(bool buy, long quantity, long limit, DateTime now, Span<LevelTake> taken)
    {
        lock (_gate)
        {
            if (!derivative && KrxCalls.InCallWindow(now)) _inCall = true;
            if (_inCall) return 0;
            var opposite = buy ? _asks.AsSpan(0, _askCount) : _bids.AsSpan(0, _bidCount);
            var n = BookWalk.Take(opposite, buy, quantity, limit, taken);
            // What the order took is gone from the book until the recording shows the next one.
            for (var k = 0; k < n; k++)
                for (var l = 0; l < opposite.Length; l++)
                    if (opposite[l].Price == taken[k].Price) opposite[l] = opposite[l] with { Quantity = opposite[l].Quantity - taken[k].Quantity };
            return n;
        }
    }

    public (int Asks, int Bids) Depth(Span<BookLevel> asks, Span<BookLevel> bids)
    {
        lock (_gate)
        {
            _asks.AsSpan(0, _askCount).CopyTo(asks);
            _bids.AsSpan(0, _bidCount).CopyTo(bids);
            return (_askCount, _bidCount);
        }
    }

    /// <summary>None: the recording holds the closing print, if the day had one.</summary>
    public (long Price, long Volume) PrintCloseIfOwed(DateTime now) => (0, 0);

    public (long Price, long CumulativeVolume, long CumulativeValue) Summary()
    {
        lock (_gate) return (_last == 0 ? _previousClose : _last, _volume, _value);
    }
}
