namespace Kis.Realtime.Simulator.Tape;

/// <summary>One price level of a book as the tape shows it: the price and the quantity resting there.</summary>
internal readonly record struct BookLevel(long Price, long Quantity);

/// <summary>What an order that crosses the spread takes from one level: its price and the quantity.</summary>
internal readonly record struct LevelTake(long Price, long Quantity);

/// <summary>How an aggressive order consumes a book, shared by the simulated market (which prints what it takes) and
/// the matching engine (which fills resting market orders from a book).</summary>
internal static class BookWalk
{
    /// <summary>
    /// Walks <paramref name="opposite"/> (asks ascending for a buy, bids descending for a sell) from its best level,
    /// taking up to <paramref name="quantity"/> from each level while it is within <paramref name="limit"/> (0: a market
    /// order, every level). Writes what it takes into <paramref name="takes"/>; returns how many levels it took from.
    /// </summary>
    public static int Take(ReadOnlySpan<BookLevel> opposite, bool buy, long quantity, long limit, Span<LevelTake> takes)
    {
        var n = 0;
        for (var i = 0; i < opposite.Length && quantity > 0 && n < takes.Length; i++)
        {
            var level = opposite[i];
            if (level.Quantity <= 0) continue;
            if (limit > 0 && (buy ? level.Price > limit : level.Price < limit)) break;
            var take = Math.Min(quantity, level.Quantity);
            takes[n++] = new LevelTake(level.Price, take);
            quantity -= take;
        }
        return n;
    }
}
