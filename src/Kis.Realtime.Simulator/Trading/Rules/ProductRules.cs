namespace Kis.Realtime.Simulator.Trading.Rules;

/// <summary>
/// What differs between the products the paper venue trades (<see cref="StockRules"/>: KRX stock cash orders;
/// <see cref="FuturesOptionRules"/>: KRX day-session futures/options): the per-order cap, the price grid, the price an
/// order is checked at, whether it reserves cash and shares or takes margin, how a fill settles, when its day ends. The
/// venue asks an order's rules rather than branching on the product. Stateless: an account's state is passed in and
/// changed under the venue's lock.
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

    /// <summary>Most units one order may carry.</summary>
    public abstract long MaxQuantity { get; }

    /// <summary>What a unit is called in a refusal ("shares", "contracts").</summary>
    public abstract string UnitName { get; }

    /// <summary>When a day order's session ends (KST time of day).</summary>
    public abstract TimeSpan SessionEnd { get; }

    /// <summary>Whether the session ends with a closing auction whose print fills resting orders before they expire.</summary>
    public virtual bool HasClosingAuction => false;

    /// <summary>The refusal of an order outside the hours KRX takes this product's orders.</summary>
    public abstract PaperResult Closed();

    /// <summary>The refusal of a code this product does not list; null when it is listed (or not checked).</summary>
    public virtual PaperResult? UnknownInstrument(string code) => null;

    /// <summary>Whether <paramref name="price"/> is on <paramref name="code"/>'s grid (<paramref name="tick"/>: the quote's).</summary>
    public abstract bool OnGrid(string code, long price, long tick);

    /// <summary>
    /// The one rule that prices an order for the money check: its limit, or the day's upper limit for a market order
    /// (what it may pay at worst). A stock buy reserves cash at it, a futures/options order takes margin at it, and
    /// inquire-psbl-order divides by it.
    /// </summary>
    public static long OrderPrice(bool isMarket, long price, long upperLimit) => isMarket || price <= 0 ? upperLimit : price;

    /// <summary>The checks of a new order KIS's REST answer refuses at the door: quantity, grid, limits, then money.</summary>
    public PaperResult? Check(PaperOrderRequest request, OrderQuote quote, PaperAccount account)
        => CheckOrder(request.Code, request.Quantity, request.IsMarket, request.Price, quote) ?? CheckMoney(request, quote, account);

    /// <summary>The checks of an order's own terms, before money: quantity, grid, limits (the backtest venue's too).</summary>
    public PaperResult? CheckOrder(string code, long quantity, bool isMarket, long price, OrderQuote quote)
    {
        if (quantity <= 0) return PaperResult.Refuse("APBK0507", "주문수량을 확인하세요. (ORD_QTY must be a positive whole number)");
        if (quantity > MaxQuantity) return PaperResult.Refuse("APBK0507", $"주문수량을 확인하세요. (at most {MaxQuantity:N0} {UnitName} an order)");
        if (!isMarket)
        {
            if (price <= 0 || !OnGrid(code, price, quote.Tick))
                return PaperResult.Refuse("APBK0506", "주문단가가 호가단위에 맞지 않습니다. (price not on KRX's tick grid)");
            if (price > quote.Upper || price < quote.Lower)
                return PaperResult.Refuse("APBK0510", $"주문단가가 가격제한폭을 벗어났습니다. (outside the day's limits {quote.Lower}..{quote.Upper})");
        }
        return null;
    }

    /// <summary>
    /// How many of what is left an amendment or partial cancel concerns: <paramref name="quantity"/>, or all of it (null).
    /// None, fewer than none or more than is left is a mistake to refuse, not a quantity to round to the remainder (the
    /// caller would believe an amendment that did not happen). Both venues' rule; null refusal when it may go on.
    /// </summary>
    public static PaperResult? CheckChangeQuantity(long? quantity, long remaining, out long affected)
    {
        affected = quantity ?? remaining;
        return affected <= 0 || affected > remaining
            ? PaperResult.Refuse("APBK0507", $"주문수량을 확인하세요. (ORD_QTY {quantity}: 1 to the {remaining:N0} left, or all that is left)")
            : null;
    }

    /// <summary>Whether the account can pay for (or deliver) the order: cash, shares or margin.</summary>
    protected abstract PaperResult? CheckMoney(PaperOrderRequest request, OrderQuote quote, PaperAccount account);

    /// <summary>Whether <paramref name="affected"/> of <paramref name="original"/> amended to <paramref name="price"/>
    /// can be paid for (its old reservation comes back first); null when it can.</summary>
    public virtual PaperResult? CheckAmendment(PaperOrder original, long affected, long price) => null;
}

/// <summary>The touch an order meets, the day's limits and the tick (0: KRX's stock tick bands).</summary>
internal readonly record struct OrderQuote(long Ask, long AskQuantity, long Bid, long BidQuantity, long Lower, long Upper, long Tick);
