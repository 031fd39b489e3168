using Kis.Realtime.Simulator.Rules;

namespace Kis.Realtime.Simulator.Market;

/// <summary>What a trade record shows: the trade and the day's state right after it (copied out under the book's lock).</summary>
internal struct TradeSnapshot
{
    public long Price, Volume, CumulativeVolume, CumulativeValue, Open, High, Low, BestAsk, BestBid, BestAskQuantity, BestBidQuantity;
    public long TotalAsk, TotalBid, SellCount, BuyCount, SellVolume, BuyVolume, PreviousClose, UpperLimit, LowerLimit, PreviousDayVolume;
    public long ViReference;
    public int OpenSecond, HighSecond, LowSecond;
    public bool BuyerInitiated;
}

/// <summary>
/// One stock's order book and trading day seen from one venue (KRX, NXT or both combined), for its trade TR
/// (H0STCNT0 / H0NXCNT0 / H0UNCNT0) and its book TR (H0STASP0 / H0NXASP0 / H0UNASP0), so the two agree. A view of the
/// stock's one <see cref="Stock"/>: both venues quote the one book, every trade happens on KRX or NXT once, and the
/// combined feed shows exactly the trades of both (same price, volume and time), its day totals KRX's plus NXT's:
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
/// or after 15:30 is the closing print (each day's hours: <see cref="KrxDayHours"/>; the exam day opens at 10:00 and
/// auctions 16:20–16:30). On KRX nothing trades after it; the combined book goes on with NXT's
/// after-market. NXT alone has no auctions (its hours pause 08:50–09:00 and 15:20–15:30 instead) and halts with
/// KRX's VIs;</item>
/// <item>every trade goes into the day's <see cref="MinuteChart"/> (the REST minute chart).</item>
/// </list>
/// Holds no state of its own: the one lock is the <see cref="Stock"/>'s; callers hold at most their instrument's lock
/// around it, never the other way round.
/// </summary>
internal sealed class StockBook(Stock stock, StockVenue venue) : IStockOrderMarket
{
    public const int Levels = 10;

    /// <summary>
    /// Trades without a book record after which trades move the book themselves (larger than the 999 records of the
    /// largest frame, so a subscriber of both never sees a trade outside the book it has).
    /// </summary>
    public const int UnwatchedTrades = 1_000;

    /// <summary>A stock of its own seen from <paramref name="venue"/> (tests of one book).</summary>
    public StockBook(int seed, string code, StockVenue venue, InstrumentMaster master, DateTime createdAt)
        : this(new Stock(seed, code, master, createdAt), venue)
    {
    }

    /// <summary>The stock on both venues.</summary>
    public Stock Stock { get; } = stock;

    /// <summary>True for the books that carry KRX's opening and closing auctions (KRX, and KRX+NXT combined).</summary>
    public bool HasAuctions => Venue != StockVenue.Nxt;

    public string Code => Stock.Code;
    public StockVenue Venue { get; } = venue;
    public long PreviousClose => Stock.PreviousClose;
    public long UpperLimit => Stock.UpperLimit;
    public long LowerLimit => Stock.LowerLimit;

    /// <summary>The day's volatility interruptions (immutable: read without the lock).</summary>
    public ViSchedule Vi => Stock.Vi;

    /// <summary>True while a VI is in force at <paramref name="now"/> (KST): no continuous trades then.</summary>
    public bool IsInterrupted(DateTime now) => Stock.IsInterrupted(now);

    /// <summary>
    /// False when this venue's feed has no trade at <paramref name="now"/>: during a VI, during KRX's closing auction
    /// (15:20–15:30), on KRX after the day's closing print, outside NXT's sessions for NXT; true while trades made by
    /// the other feeds wait for it.
    /// </summary>
    public bool HasTradeAt(DateTime now) => Stock.HasTradeAt(Venue, now);

    /// <summary>Trades made by the other feeds that wait for this venue's feed.</summary>
    public int Backlog => Stock.Backlog(Venue);

    /// <summary>
    /// True after the closing auction of a day that opened with its print and has not printed its close: a clock that
    /// jumped past the whole window (a sped-up demo day on a busy machine) must still close the day.
    /// </summary>
    public bool OwesClosingPrint(DateTime now) => HasAuctions && Stock.OwesClosingPrint(now);

    /// <summary>The day's minute bars up to <paramref name="until"/>, newest first (see <see cref="MinuteChart.Before"/>).</summary>
    public List<MinuteBar> MinuteBars(DateTime date, TimeSpan until, int max) => Stock.MinuteBars(Venue, date, until, max);

    /// <summary>The trades of an unwatched stock up to <paramref name="now"/> (see <see cref="Stock.CatchUp"/>); how many.</summary>
    public int CatchUp(DateTime now) => Stock.CatchUp(now);

    /// <summary>The touch now: best ask and bid with their quantities.</summary>
    public (long Ask, long AskQuantity, long Bid, long BidQuantity) Touch() => Stock.Touch();

    /// <summary>A paper order crossing the spread on KRX: see <see cref="Stock.TakeDepth"/>.</summary>
    public int TakeDepth(bool buy, long quantity, long limit, DateTime now, Span<Tape.LevelTake> taken)
        => Stock.TakeDepth(buy, quantity, limit, now, taken);

    /// <summary>The book now: see <see cref="Stock.Depth"/>.</summary>
    public (int Asks, int Bids) Depth(Span<Tape.BookLevel> asks, Span<Tape.BookLevel> bids)
    {
        Stock.Depth(asks, bids);
        return (Levels, Levels);
    }

    /// <summary>KRX's closing print if owed and not yet made: see <see cref="Stock.PrintCloseIfOwed"/>.</summary>
    public (long Price, long Volume) PrintCloseIfOwed(DateTime now) => Stock.PrintCloseIfOwed(now);

    /// <summary>The latest trade price (the previous close before any), the day's volume and value.</summary>
    public (long Price, long CumulativeVolume, long CumulativeValue) Summary() => Stock.Summary(Venue);

    /// <summary>The next trade of this venue's feed at <paramref name="now"/> (KST), at the touch (see <see cref="Stock.Next"/>).</summary>
    public TradeSnapshot Trade(DateTime now) => Stock.Next(Venue, now).Snapshot;

    /// <summary>As <see cref="Trade"/>, with the trade's time and whether it was made now on KRX.</summary>
    public (TradeSnapshot Snapshot, DateTime Time, bool MadeOnKrx) Next(DateTime now) => Stock.Next(Venue, now);

    /// <summary>The expected (auction) trade now (see <see cref="Stock.Expected"/>).</summary>
    public TradeSnapshot Expected(DateTime now) => Stock.Expected(Venue, now);

    /// <summary>Publishes the next book (see <see cref="Stock.PublishBook"/>).</summary>
    public (long CumulativeVolume, long AskTotalChange, long BidTotalChange) PublishBook(DateTime now, long[] askPrices, long[] bidPrices, long[] askQuantities,
        long[] bidQuantities)
        => Stock.PublishBook(Venue, now, askPrices, bidPrices, askQuantities, bidQuantities);
}
