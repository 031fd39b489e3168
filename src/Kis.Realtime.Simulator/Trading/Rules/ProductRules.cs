using Kis.Realtime.Simulator.Trading.Core;

namespace Kis.Realtime.Simulator.Trading.Rules;

/// <summary>
/// What differs between the products the paper venue trades (<see cref="StockRules"/>: KRX stock cash orders;
/// <see cref="FuturesOptionRules"/>: KRX day-session futures/options): the hours, the instruments listed, when a day
/// order's session ends. The pre-trade check (caps, grid, limits, money) is the venue core's, one for both venues and
/// both products (<see cref="PreTradeCheck"/>). Stateless.
/// </summary>
internal abstract class ProductRules
{
    /// <summary>KRX stock cash orders (order-cash).</summary>
    public static readonly StockRules Stock = new();

    /// <summary>KRX day-session futures/options orders (domestic-futureoption order).</summary>
    public static readonly FuturesOptionRules FuturesOptions = new();

    /// <summary>The rules of a futures/options order (<paramref name="derivative"/>) or of a stock order.</summary>
    public static ProductRules For(bool derivative) => derivative ? FuturesOptions : Stock;

    /// <summary>Futures/options: how the tape, the resting books and the notice streams tell the products apart.</summary>
    public abstract bool IsDerivative { get; }

    /// <summary>Whether the session ends with a closing auction whose print fills resting orders before they expire.</summary>
    public virtual bool HasClosingAuction => false;

    /// <summary>The refusal of an order outside the hours KRX takes this product's orders.</summary>
    public abstract PaperResult Closed();

    /// <summary>The refusal of a code this product does not list; null when it is listed (or not checked).</summary>
    public virtual PaperResult? UnknownInstrument(string code) => null;

    /// <summary>The one pre-trade check (<see cref="PreTradeCheck.NewOrder"/>, the backtest's too) of a new order: quantity,
    /// grid, limits, then money; the refusal as KIS's REST answer gives it.</summary>
    public static PaperResult? Check(PaperOrderRequest request, OrderQuote quote, PaperAccount account)
        => Refused(PreTradeCheck.NewOrder(account, request.Code, request.Derivative, request.Buy, request.Quantity, request.IsMarket, request.Price,
            new PriceBand(quote.Lower, quote.Upper, quote.Tick)));

    /// <summary>A refusal of the pre-trade check as the REST answer (null: none).</summary>
    public static PaperResult? Refused(VenueRefusal? refusal) => refusal is { } r ? PaperResult.Refuse(r.Code, r.Message) : null;
}

/// <summary>The touch an order meets, the day's limits and the tick (0: KRX's stock tick bands).</summary>
internal readonly record struct OrderQuote(long Ask, long AskQuantity, long Bid, long BidQuantity, long Lower, long Upper, long Tick);
