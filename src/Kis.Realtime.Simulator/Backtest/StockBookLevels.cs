using Kis.Realtime.Simulator.Tape;

namespace Kis.Realtime.Simulator.Backtest;

/// <summary>A KRX stock book's levels as the engine reads them: each side's levels priced above 0, best first.</summary>
internal static class StockBookLevels
{
    /// <summary>Decodes the levels alone (a whole StockOrderBook is ten times the fields the engine reads); false: not decodable.</summary>
    public static bool TryDecode(TrDefinition tr, ReadOnlySpan<byte> record, Span<BookLevel> asks, out int askCount, Span<BookLevel> bids, out int bidCount)
    {
        Span<long> askPrices = stackalloc long[OrderBookLevels.MaxDepth], bidPrices = stackalloc long[OrderBookLevels.MaxDepth];
        Span<long> askQuantities = stackalloc long[OrderBookLevels.MaxDepth], bidQuantities = stackalloc long[OrderBookLevels.MaxDepth];
        askCount = bidCount = 0;
        if (!StockOrderBook.TryDecodeLevels(tr, record, askPrices, askQuantities, bidPrices, bidQuantities)) return false;
        askCount = Copy(askPrices, askQuantities, asks);
        bidCount = Copy(bidPrices, bidQuantities, bids);
        return true;
    }

    private static int Copy(ReadOnlySpan<long> prices, ReadOnlySpan<long> quantities, Span<BookLevel> into)
    {
        var n = 0;
        for (var i = 0; i < prices.Length; i++)
            if (prices[i] > 0) into[n++] = new BookLevel(prices[i], quantities[i]);
        return n;
    }
}
