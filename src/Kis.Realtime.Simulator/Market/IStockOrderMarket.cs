using Kis.Realtime.Simulator.Tape;

namespace Kis.Realtime.Simulator.Market;

/// <summary>
/// What a paper stock order meets on KRX: the simulated market's book of the stock (<see cref="StockBook"/>) or, under a
/// replay, the book and limits the recording shows (<see cref="ReplayedStock"/>). The venue asks
/// <see cref="SimulatedMarket.OrderBookFor"/> and never which one it got.
/// </summary>
internal interface IStockOrderMarket
{
    string Code { get; }

    /// <summary>The day's upper price limit (0: not known yet).</summary>
    long UpperLimit { get; }

    /// <summary>The day's lower price limit.</summary>
    long LowerLimit { get; }

    /// <summary>The touch now: best ask and bid with their quantities.</summary>
    (long Ask, long AskQuantity, long Bid, long BidQuantity) Touch();

    /// <summary>A paper order crossing the spread: takes up to <paramref name="quantity"/> from the opposite levels within
    /// <paramref name="limit"/> (0: a market order); nothing during a call. Writes the takes, returns how many.</summary>
    int TakeDepth(bool buy, long quantity, long limit, DateTime now, Span<LevelTake> taken);

    /// <summary>The book now, best level first; returns how many levels each side shows.</summary>
    (int Asks, int Bids) Depth(Span<BookLevel> asks, Span<BookLevel> bids);

    /// <summary>KRX's closing print when owed and not made yet (volume 0: none owed, or the market makes none).</summary>
    (long Price, long Volume) PrintCloseIfOwed(DateTime now);

    /// <summary>The latest trade price (the previous close before any), the day's volume and value.</summary>
    (long Price, long CumulativeVolume, long CumulativeValue) Summary();
}
