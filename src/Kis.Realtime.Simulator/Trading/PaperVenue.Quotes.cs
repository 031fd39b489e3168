using Kis.Realtime.Simulator.Market;
using Kis.Realtime.Simulator.Trading.Rules;

namespace Kis.Realtime.Simulator.Trading;

/// <summary>
/// What the simulated market shows an order: the venue, the market's driver, reads it and hands the product rules the
/// numbers (<see cref="OrderQuote"/>), so the rules (<c>Trading/Rules</c>) never see the market or the venue.
/// </summary>
internal sealed partial class PaperVenue
{
    /// <summary>The touch, limits and tick (0: KRX's stock tick bands) an order of <paramref name="code"/> meets now;
    /// null when KRX does not take the product's orders now.</summary>
    private OrderQuote? QuoteFor(ProductRules rules, string code, DateTime now)
    {
        if (rules.IsDerivative)
        {
            var (q, hours) = market.DerivativeForOrders(code);
            return hours.IsOpen(now) ? new OrderQuote(q.Ask, q.AskQuantity, q.Bid, q.BidQuantity, q.Lower, q.Upper, q.Tick) : null;
        }
        // KRX takes stock orders from its pre-open auction to its closing auction.
        if (!TradingHours.KrxAuctions.IsOpen(now) && !TradingHours.KrxStocks.IsOpen(now)) return null;
        var book = market.StockBookForOrders(code);
        var touch = book.Touch();
        return new OrderQuote(touch.Ask, touch.AskQuantity, touch.Bid, touch.BidQuantity, book.LowerLimit, book.UpperLimit, Tick: 0);
    }

    /// <summary>The day's price limits of <paramref name="code"/> and its tick (0: KRX's stock tick bands).</summary>
    private (long Lower, long Upper, long Tick) PriceBand(ProductRules rules, string code)
    {
        if (rules.IsDerivative)
        {
            var quote = market.DerivativeForOrders(code).Quote;
            return (quote.Lower, quote.Upper, quote.Tick);
        }
        var book = market.StockBookForOrders(code);
        return (book.LowerLimit, book.UpperLimit, 0);
    }
}
