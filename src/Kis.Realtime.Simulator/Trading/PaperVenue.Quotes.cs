using Kis.Realtime.Simulator.Market;
using Kis.Realtime.Simulator.Trading.Core;
using Kis.Realtime.Simulator.Trading.Rules;

namespace Kis.Realtime.Simulator.Trading;

/// <summary>
/// What the simulated market shows an order: the venue, the market's driver, reads it and hands the product rules the
/// numbers (<see cref="OrderQuote"/>), so the rules (<c>Trading/Rules</c>) never see the market or the venue.
/// </summary>
internal sealed partial class PaperVenue
{
    /// <summary>The touch, limits and tick (0: KRX's grid by code and price) an order of <paramref name="code"/> meets
    /// now; null when KRX does not take the product's orders now.</summary>
    private OrderQuote? QuoteFor(ProductRules rules, string code, DateTime now)
    {
        if (rules.IsDerivative && _market.IsReplay)
        {
            // The recording's market time against KRX's hours: the backtest's rule (TradingHours.OrderHours).
            if (TradingHours.OrderHours(derivative: true, now) is not null) return null;
            var replayed = _market.ReplayedDerivative(code);
            var (ask, askQuantity, bid, bidQuantity) = replayed.Touch();
            return new OrderQuote(ask, askQuantity, bid, bidQuantity, replayed.LowerLimit, replayed.UpperLimit, Tick: 0);
        }
        if (rules.IsDerivative)
        {
            var (q, hours) = _market.DerivativeForOrders(code);
            return hours.IsOpen(now) ? new OrderQuote(q.Ask, q.AskQuantity, q.Bid, q.BidQuantity, q.Lower, q.Upper, q.Tick) : null;
        }
        // KRX takes stock orders from its pre-open auction to its closing auction (the backtest's rule too).
        if (TradingHours.OrderHours(derivative: false, now) is not null) return null;
        var book = _market.OrderBookFor(code);
        var touch = book.Touch();
        return new OrderQuote(touch.Ask, touch.AskQuantity, touch.Bid, touch.BidQuantity, book.LowerLimit, book.UpperLimit, Tick: 0);
    }

    /// <summary>
    /// Under a replay the recording is the market (issue 55, item 6): an order before the recording showed a trade of
    /// its instrument is refused (its previous close, and so the day's limits, are unknown), as the backtest refuses it
    /// (<see cref="PreTradeCheck.NoTradeYet"/>). Null when the order may go on.
    /// </summary>
    private PaperResult? ReplayRefusal(ProductRules rules, string code)
    {
        if (!_market.IsReplay) return null;
        var replayed = rules.IsDerivative ? _market.ReplayedDerivative(code) : _market.Replayed(code);
        return replayed.Traded ? null : ProductRules.Refused(PreTradeCheck.NoTradeYet(code));
    }

    /// <summary>What an arriving order walks: a stock's KRX book (replayed or simulated), or under a replay the recorded
    /// future's or option's; null for a futures/options order on the simulated market (it takes its feed's one-level quote).</summary>
    private IStockOrderMarket? DepthFor(PaperOrder order)
        => !order.Rules.IsDerivative ? _market.OrderBookFor(order.Code) : _market.IsReplay ? _market.ReplayedDerivative(order.Code) : null;

    /// <summary>The day's price limits of <paramref name="code"/> (none known: an option under a replay) and its tick
    /// (0: KRX's grid by code and price).</summary>
    private PriceBand PriceBand(ProductRules rules, string code)
    {
        if (rules.IsDerivative && _market.IsReplay)
        {
            var replayed = _market.ReplayedDerivative(code);
            return new PriceBand(replayed.LowerLimit, replayed.UpperLimit, 0);
        }
        if (rules.IsDerivative)
        {
            var quote = _market.DerivativeForOrders(code).Quote;
            return new PriceBand(quote.Lower, quote.Upper, quote.Tick);
        }
        var book = _market.OrderBookFor(code);
        return new PriceBand(book.LowerLimit, book.UpperLimit, 0);
    }
}
