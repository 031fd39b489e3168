using Kis.Realtime.Simulator.Rules;
using Kis.Realtime.Simulator.Market;

namespace Kis.Realtime.Simulator.Trading.Rules;

/// <summary>
/// KRX stock cash orders: KRX's tick bands, ±30 % daily limits, the simulator's per-order caps; a buy reserves its
/// cash at <see cref="ProductRules.OrderPrice"/>, a sell its shares; a fill settles in cash at once; the day ends after
/// the closing auction. The backtest venue checks its orders by the same rules (<see cref="KrxRules"/>, <see cref="CapRefusal"/>).
/// </summary>
internal sealed class StockRules : ProductRules
{
    /// <summary>Most shares one stock order may carry (the simulator's cap; KRX caps an order at under 5 % of the listed
    /// shares, which the simulator does not model).</summary>
    public const long MaxStockQuantity = 1_000_000;

    /// <summary>Most KRW one stock order may be worth (quantity × price, or the upper limit for a market order).</summary>
    public const long MaxStockOrderValue = 30_000_000_000;

    public override bool IsDerivative => false;
    public override long MaxQuantity => MaxStockQuantity;
    public override string UnitName => "shares";
    public override TimeSpan SessionEnd { get; } = MarketCalendar.KrxStocks.Regular.ClosingCallEnd!.Value;
    public override bool HasClosingAuction => true;

    public override PaperResult Closed()
        => PaperResult.Refuse("APBK0918", "장운영시간이 아닙니다. (KRX takes orders 08:30-15:30 KST on trading days)");

    public override PaperResult? UnknownInstrument(string code) => InstrumentMaster.IsListedStock(code) ? null : UnknownStock(code);

    /// <summary>The refusal of a stock code the instrument master does not list.</summary>
    public static PaperResult UnknownStock(string code)
        => PaperResult.Refuse("APBK1680", $"해당 종목정보가 없습니다. (no listed stock {code})");

    public override bool OnGrid(string code, long price, long tick) => KrxRules.IsOnTick(code, price);

    /// <summary>The refusal of an order over the per-order value cap (<paramref name="unitPrice"/>: its
    /// <see cref="ProductRules.OrderPrice"/>); null within it.</summary>
    public static (string Code, string Message)? CapRefusal(long quantity, long unitPrice)
    {
        if (quantity > MaxStockQuantity) return ("APBK0507", $"주문수량을 확인하세요. (at most {MaxStockQuantity:N0} shares an order)");
        // Both factors are capped, so the product fits; checked all the same (a wrapped product once passed this check).
        return checked(quantity * unitPrice) > MaxStockOrderValue ? ("APBK0507", $"주문수량을 확인하세요. (at most {MaxStockOrderValue:N0} KRW an order)") : null;
    }

    /// <summary>The most shares <paramref name="cash"/> buys at <paramref name="unitPrice"/> with their commission at
    /// <paramref name="commissionRate"/>, within the per-order caps.</summary>
    public static long Affordable(decimal cash, long unitPrice, decimal commissionRate)
        => Math.Max(0, Math.Min(Math.Min((long)decimal.Floor(cash / (unitPrice * (1 + commissionRate))), MaxStockQuantity), MaxStockOrderValue / unitPrice));

    protected override PaperResult? CheckMoney(PaperOrderRequest request, OrderQuote quote, PaperAccount account)
    {
        var unitPrice = OrderPrice(request.IsMarket, request.Price, quote.Upper);
        if (CapRefusal(request.Quantity, unitPrice) is { } cap) return PaperResult.Refuse(cap.Code, cap.Message);
        if (request.Buy)
        {
            // The shares and their commission, out of the cash not held (the backtest's check).
            if (!account.CanBuy(request.Quantity, unitPrice))
                return PaperResult.Refuse("APBK0952", "주문가능금액을 초과 했습니다. (not enough cash for the shares and their commission)");
        }
        else
        {
            if (account.Sellable(request.Code) < request.Quantity)
                return PaperResult.Refuse("APBK0400", "주문 가능한 수량을 초과 했습니다. (more than the position that can be sold)");
        }
        return null;
    }

    public override PaperResult? CheckAmendment(PaperOrder original, long affected, long price)
    {
        // A buy amended up holds the difference: its old reservation and commission come back first.
        if (!original.Buy) return null;
        return !original.Account.CanBuy(affected, price, givenBack: affected * original.ReservePrice)
            ? PaperResult.Refuse("APBK0952", "주문가능금액을 초과 했습니다. (not enough cash for the shares and their commission)")
            : null;
    }
}
