using Kis.Realtime.Simulator.Market;
using Kis.Realtime.Simulator.Rules;
using Kis.Realtime.Simulator.Trading.Core;
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
        if (rules.IsDerivative && _market.IsReplay)
        {
            if (!TradingHours.For(KisTrs.H0IFCNT0, code, _market.Clock.Mode).IsOpen(now)) return null;
            var future = _market.ReplayedFuture(code);
            var (ask, askQuantity, bid, bidQuantity) = future.Touch();
            return new OrderQuote(ask, askQuantity, bid, bidQuantity, future.LowerLimit, future.UpperLimit, KrxRules.FuturesTick(code));
        }
        if (rules.IsDerivative)
        {
            var (q, hours) = _market.DerivativeForOrders(code);
            return hours.IsOpen(now) ? new OrderQuote(q.Ask, q.AskQuantity, q.Bid, q.BidQuantity, q.Lower, q.Upper, q.Tick) : null;
        }
        // KRX takes stock orders from its pre-open auction to its closing auction.
        if (!TradingHours.KrxAuctions.IsOpen(now) && !TradingHours.KrxStocks.IsOpen(now)) return null;
        var book = _market.OrderBookFor(code);
        var touch = book.Touch();
        return new OrderQuote(touch.Ask, touch.AskQuantity, touch.Bid, touch.BidQuantity, book.LowerLimit, book.UpperLimit, Tick: 0);
    }

    /// <summary>
    /// Under a replay the recording is the market (issue 55, item 6): an option order is refused (the venue trades the
    /// recording's KRX stocks and index futures; an option's limits follow its underlying and are not in the recording),
    /// and so is an order before the recording showed a trade of its instrument (its previous close, and so the day's
    /// limits, are unknown). Null when the order may go on.
    /// </summary>
    private PaperResult? ReplayRefusal(ProductRules rules, string code)
    {
        if (!_market.IsReplay) return null;
        if (rules.IsDerivative && !KrxRules.IsFutures(code))
            return PaperResult.Refuse("APBK0918", "장운영시간이 아닙니다. (replay: the paper venue trades KRX stocks and index futures against the "
                + "recording; options orders are not taken)");
        var replayed = rules.IsDerivative ? _market.ReplayedFuture(code) : _market.Replayed(code);
        if (replayed.UpperLimit == 0)
            return PaperResult.Refuse("APBK0510", $"주문단가가 가격제한폭을 벗어났습니다. (replay: no trade of {code} replayed yet, "
                + "so its previous close and the day's limits are unknown)");
        return null;
    }

    /// <summary>What an arriving order walks: a stock's KRX book (replayed or simulated), or under a replay the recorded
    /// future's; null for a futures/options order on the simulated market (it takes its feed's one-level quote).</summary>
    private IStockOrderMarket? DepthFor(PaperOrder order)
        => !order.Rules.IsDerivative ? _market.OrderBookFor(order.Code) : _market.IsReplay ? _market.ReplayedFuture(order.Code) : null;

    /// <summary>The day's price limits of <paramref name="code"/> and its tick (0: KRX's stock tick bands).</summary>
    private PriceBand PriceBand(ProductRules rules, string code)
    {
        if (rules.IsDerivative && _market.IsReplay)
        {
            var future = _market.ReplayedFuture(code);
            return new PriceBand(future.LowerLimit, future.UpperLimit, KrxRules.FuturesTick(code));
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
