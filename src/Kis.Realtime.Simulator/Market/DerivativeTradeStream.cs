using Kis.Realtime.Simulator.Tape;

namespace Kis.Realtime.Simulator.Market;

/// <summary>
/// A futures or options trade feed (H0IFCNT0, H0IOCNT0, H0ZFCNT0, H0ZOCNT0): the generic walk of the catalog's field
/// table, plus the two things the paper venue needs of it: each trade (price and volume) fills the resting orders it
/// reaches, and the current quote (the walk's price as the bid, one tick up as the ask, as the generic order books
/// draw their first level) prices an order placed now. Prices are hundredths of a point.
/// </summary>
internal sealed class DerivativeTradeStream(Random random, TrDefinition tr, string key, SimulatedMarket market)
    : GenericStream(random, tr, key, market)
{
    /// <summary>What the venue assumes rests at each side of the touch (contracts): the generic books draw their own.</summary>
    public const long TouchQuantity = 20;

    private readonly string _key = key;
    private long _quoted = -1;
    // What paper orders took from the quote since the feed last quoted (issue 73: gone until the next quote, as the
    // backtest's and the replayed book's). A leaf lock: the venue takes it under its own, the feed under nothing.
    private readonly Lock _takenGate = new();
    private long _askTaken, _bidTaken;

    /// <summary>The quote an order placed now meets (less what paper orders took from it), and the day's limits and
    /// tick; readable from any thread.</summary>
    public DerivativeQuote Quote()
    {
        var (lower, upper) = Limits;
        lock (_takenGate)
        {
            var level = QuotedLevel();
            return new DerivativeQuote(level + Tick, TouchQuantity - _askTaken, level, TouchQuantity - _bidTaken, lower, upper, Tick);
        }
    }

    /// <summary>A paper order took <paramref name="contracts"/> at <paramref name="price"/> from the quote's ask
    /// (<paramref name="buy"/>) or bid: they are gone from it until the feed quotes anew (a take from a quote the feed
    /// has moved on from since is not counted against the new one).</summary>
    public void Took(bool buy, long price, long contracts)
    {
        lock (_takenGate)
        {
            var level = QuotedLevel();
            if (buy && price == level + Tick) _askTaken = Math.Min(TouchQuantity, _askTaken + contracts);
            else if (!buy && price == level) _bidTaken = Math.Min(TouchQuantity, _bidTaken + contracts);
        }
    }

    /// <summary>The quote's bid: the last trade's level (before any, the walk's starting point, set once in the constructor).</summary>
    private long QuotedLevel() => Volatile.Read(ref _quoted) is var level and >= 0 ? level : Level;

    protected override void EndRecord(DateTime now)
    {
        var previous = Volatile.Read(ref _quoted);
        lock (_takenGate)
        {
            Volatile.Write(ref _quoted, Level);
            (_askTaken, _bidTaken) = (0, 0); // a new quote: its touch is whole again
        }
        // The walk has no sides: a trade above the last one is taken as a buyer's, at or below it as a seller's (the
        // tick test). On the tape for the paper venue, read after this instrument's record (its lock comes after).
        // Under a replay the recording is the market paper orders meet (ReplayedMarketFeed): made-up trades stay off its tape.
        if (Market.IsReplay) return;
        Market.Tape.Publish(new TapeEvent(TapeEventKind.Trade, _key, true, now, Level, TradeVolume, BuyerInitiated: previous >= 0 && Level > previous));
        Market.Tape.Flush();
    }
}

/// <summary>A derivative's touch (hundredths, contracts), its day's price limits and its tick.</summary>
internal readonly record struct DerivativeQuote(long Ask, long AskQuantity, long Bid, long BidQuantity, long Lower, long Upper, long Tick);
