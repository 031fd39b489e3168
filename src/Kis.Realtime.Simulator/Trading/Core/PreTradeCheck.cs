using System.Globalization;
using Kis.Realtime.Simulator.Rules;
using Kis.Realtime.Simulator.Trading.Engine;
using Kis.Realtime.Simulator.Trading.Ledger;

namespace Kis.Realtime.Simulator.Trading.Core;

/// <summary>A refusal at the door in KIS's shape: msg_cd and msg1, which both venues answer with as they are.</summary>
internal readonly record struct VenueRefusal(string Code, string Message);

/// <summary>What an order's price is checked against: the day's limits (<see cref="Upper"/> 0: none known, as for an
/// option traded against a recording) and the tick of a futures/options code (0, and always for stocks and ETFs: KRX's
/// grid by code and price, <see cref="KrxRules.IsOnTick"/>, <see cref="KrxRules.DerivativeTick"/>).</summary>
internal readonly record struct PriceBand(long Lower, long Upper, long Tick);

/// <summary>
/// The one pre-trade check of both venues (issue 73, finding 8), for new orders and amendments alike: quantity and the
/// per-order caps, the tick grid, the day's limits, then money (cash with commission for a stock buy, shares for a
/// sale, initial margin for futures/options). Paper and the backtest translate their requests into these calls and their
/// answers out of <see cref="VenueRefusal"/>; the codes and texts are KIS's (msg1 as KIS words it; the parenthesis says
/// which rule). Also the buying power both venues report (stocks and futures/options), by the same rules and caps. Prices: whole KRW for a stock, hundredths of
/// a point for futures/options; a price that is no whole number of either is passed as -1 (off every grid).
/// </summary>
internal static class PreTradeCheck
{
    /// <summary>Most shares one stock order may carry (the simulator's cap; KRX caps an order at under 5 % of the listed
    /// shares, which the simulator does not model).</summary>
    public const long MaxStockQuantity = 1_000_000;

    /// <summary>Most KRW one stock order may be worth (quantity × price, or the upper limit for a market order).</summary>
    public const long MaxStockOrderValue = 30_000_000_000;

    /// <summary>Most contracts one futures/options order may carry.</summary>
    public const long MaxContractsPerOrder = 1_000;

    private const string CashText = "주문가능금액을 초과 했습니다.", QuantityText = "주문수량을 확인하세요.";

    /// <summary>
    /// The price an order is checked and held at: its limit, or the day's upper limit for a market order (what it may pay
    /// at worst). A stock buy reserves cash at it, a futures/options order takes margin at it, buying power divides by it.
    /// </summary>
    public static long OrderPrice(bool isMarket, long price, long upperLimit) => isMarket || price <= 0 ? upperLimit : price;

    /// <summary>A futures/options code both venues take (<see cref="KrxRules.IsTradedIndexDerivative"/>), or the one
    /// refusal both give: its order, amendment and buying-power inquiry alike.</summary>
    public static VenueRefusal? DerivativeProduct(string code)
        => KrxRules.IsTradedIndexDerivative(code) ? null
            : new VenueRefusal("APBK0505", $"PDNO {code}: only KOSPI200 (x01…), mini KOSPI200 (x05…) and KOSDAQ150 (x06…) futures and KOSPI200 "
                + "and mini KOSPI200 options are simulated, by KRX's short code (101W09, 101W9000, 201W9350)");

    /// <summary>
    /// The refusal of an order of <paramref name="code"/> before the recording a venue trades against showed a trade of
    /// it: nothing prices the order (its previous close, so its daily limits, are unknown). Both venues answer it
    /// alike (issue 73: the backtest said <c>APBK0918</c>, paper <c>APBK0510</c>). KIS never meets this case (it knows
    /// every listed code's previous close); <c>APBK0918</c> (장운영시간이 아닙니다: the market does not take the order
    /// now) is what it answers when an order cannot be taken yet but will be later, which is the case here: the order
    /// goes once a trade is recorded. <c>APBK0510</c> (price outside the limits) would send a caller to change a price
    /// that is not wrong, and would be said of a market order, which has none.
    /// </summary>
    public static VenueRefusal NoTradeYet(string code)
        => new("APBK0918", $"장운영시간이 아닙니다. (no trade of {code} in the recording yet: its previous close, and so its daily limits, "
            + "are unknown; the order is taken once one is recorded)");

    /// <summary>The refusal of an order KRX does not take at this hour (<c>APBK0918</c>, 장운영시간이 아닙니다), as both
    /// venues answer it; whether it is taken now is the market's hours' (<c>TradingHours.OrderHours</c>, by the market's time).</summary>
    public static VenueRefusal MarketClosed(bool derivative) => derivative
        ? new("APBK0918", "장운영시간이 아닙니다. (KRX takes day-session futures/options orders 08:45-15:45 KST on trading days)")
        : new("APBK0918", "장운영시간이 아닙니다. (KRX takes orders 08:30-15:30 KST on trading days)");

    /// <summary>A new order's checks, in KIS's order: quantity, grid, limits, the value cap, then money; null: taken.</summary>
    public static VenueRefusal? NewOrder(LedgerAccount ledger, string code, bool derivative, bool buy, long quantity, bool isMarket, long price,
        PriceBand band)
    {
        if (Unbounded(code, derivative, isMarket, band) is { } unbounded) return unbounded;
        if (Quantity(derivative, quantity) is { } badQuantity) return badQuantity;
        if (!isMarket && Price(code, derivative, price, band) is { } badPrice) return badPrice;
        var unit = OrderPrice(isMarket, price, band.Upper);
        if (derivative)
        {
            // Contracts that open (or add to) a position need margin; those that close one need none.
            var margin = ledger.MarginToOpen(code, buy, quantity, unit);
            return margin > ledger.FreeCash() ? MarginRefusal($"initial margin {Grouped(margin)} KRW over what the account has free") : null;
        }
        if (ValueCap(quantity, unit) is { } cap) return cap;
        if (buy) return ledger.CanBuy(quantity, unit) ? null : NotEnoughCash();
        return ledger.Sellable(code) < quantity
            ? new VenueRefusal("APBK0400", "주문 가능한 수량을 초과 했습니다. (more than the position that can be sold)")
            : null;
    }

    /// <summary>
    /// The kind an amendment makes its order (issue 73): the kind it asks for (order-rvsecncl's <c>ORD_DVSN</c>,
    /// <c>ORD_DVSN_CD</c> for futures/options), never the original's, as KIS amends: a limit may become a market order
    /// and a market order's remainder a limit at the price the amendment names. Kinds the venues do not match are
    /// refused as a new order of that kind is (<see cref="OrderKinds.NotModelledCode"/>). Both venues ask here before
    /// the quantity and the price (<see cref="Amendment"/> checks the price for the kind this gives).
    /// </summary>
    public static VenueRefusal? AmendmentKind(KisOrderKind requested, out OrderKind kind)
    {
        if (OrderKinds.Modelled(requested) is { } modelled)
        {
            kind = modelled;
            return null;
        }
        kind = default;
        return new VenueRefusal(OrderKinds.NotModelledCode, OrderKinds.NotModelled(requested.ToString()));
    }

    /// <summary>
    /// An amendment of <paramref name="affected"/> of what is left of <paramref name="original"/> to <paramref name="price"/>
    /// (<paramref name="isMarket"/>: to a market order): grid and limits, the value cap, then money with the original's
    /// hold on those units given back first (a sale's shares are held already). Null: taken.
    /// </summary>
    public static VenueRefusal? Amendment(VenueOrder original, long affected, bool isMarket, long price, PriceBand band)
    {
        if (Unbounded(original.Code, original.Derivative, isMarket, band) is { } unbounded) return unbounded;
        if (!isMarket && Price(original.Code, original.Derivative, price, band) is { } badPrice) return badPrice;
        var unit = OrderPrice(isMarket, price, band.Upper);
        if (original.Derivative)
            return original.Ledger.CanAmendMargin(original.Terms, original.Remaining, affected, unit) ? null
                : MarginRefusal("the amended contracts' initial margin is over what the account has free");
        if (ValueCap(affected, unit) is { } cap) return cap;
        return !original.Buy || original.Ledger.CanBuy(affected, unit, givenBack: affected * original.ReservePrice) ? null : NotEnoughCash();
    }

    /// <summary>
    /// How many of what is left an amendment or partial cancel concerns: <paramref name="quantity"/>, or all of it (null).
    /// None, fewer than none or more than is left is a mistake to refuse, not a quantity to round to the remainder (the
    /// caller would believe an amendment that did not happen). Null refusal when it may go on.
    /// </summary>
    public static VenueRefusal? ChangeQuantity(long? quantity, long remaining, out long affected)
    {
        affected = quantity ?? remaining;
        return affected <= 0 || affected > remaining
            ? new VenueRefusal("APBK0507", Format($"{QuantityText} (ORD_QTY {quantity}: 1 to the {Grouped(remaining)} left, or all that is left)"))
            : null;
    }

    /// <summary>What a stock buy may spend now (the free cash, rounded down to the won), the price it is reckoned at
    /// (<see cref="OrderPrice"/>) and the most shares that buys with their commission within the per-order caps: an order
    /// of that many is taken, one more refused.</summary>
    public static (long Cash, long UnitPrice, long Quantity) StockBuyingPower(LedgerAccount ledger, bool isMarket, long price, long upperLimit)
    {
        var unit = OrderPrice(isMarket, price, upperLimit);
        var free = ledger.FreeCash();
        var quantity = unit <= 0 ? 0
            : Math.Max(0, Math.Min(Math.Min((long)decimal.Floor(free / (unit * (1 + ledger.Costs.CommissionRate))), MaxStockQuantity),
                MaxStockOrderValue / unit));
        return ((long)decimal.Floor(free), unit, quantity);
    }

    /// <summary>
    /// What a futures/options order of <paramref name="code"/> on this side may carry now, by the rule
    /// <see cref="NewOrder"/> checks: the contracts it closes need no margin; those it opens take initial margin at
    /// <see cref="OrderPrice"/> out of the free cash (none when no price bounds it: a market order with no upper limit
    /// known); the per-order cap. Both venues' answer (KIS's <c>lqd_psbl_qty1</c> and <c>tot_psbl_qty</c>): an order
    /// of <c>Total</c> is taken, one more refused.
    /// </summary>
    public static (long Closable, long Total) DerivativeBuyingPower(LedgerAccount ledger, string code, bool buy, bool isMarket, long price,
        long upperLimit)
    {
        var closable = Math.Min(ContractMath.Closable(ledger.Positions.GetValueOrDefault(code)?.Quantity ?? 0, buy), MaxContractsPerOrder);
        var openable = OpenableContracts(code, OrderPrice(isMarket, price, upperLimit), (long)decimal.Floor(ledger.FreeCash()));
        return (closable, Math.Min(MaxContractsPerOrder, closable + openable));
    }

    /// <summary>Most contracts that open a position whose initial margin at <paramref name="price"/> fits in
    /// <paramref name="free"/> KRW (by the <see cref="ContractMath.MarginOf"/> the check takes).</summary>
    private static long OpenableContracts(string code, long price, long free)
    {
        if (free <= 0 || price <= 0) return 0;
        var perContract = Math.Max(1, ContractMath.MarginOf(code, 1, price));
        var contracts = Math.Min(free / perContract, MaxContractsPerOrder);
        // Margin rounds up once for the whole order, so n contracts may take a won less than n × one: settle exactly.
        while (contracts < MaxContractsPerOrder && ContractMath.MarginOf(code, contracts + 1, price) <= free) contracts++;
        while (contracts > 0 && ContractMath.MarginOf(code, contracts, price) > free) contracts--;
        return contracts;
    }

    private static VenueRefusal? Quantity(bool derivative, long quantity)
    {
        if (quantity <= 0) return new VenueRefusal("APBK0507", $"{QuantityText} (ORD_QTY must be a positive whole number)");
        var (max, unit) = derivative ? (MaxContractsPerOrder, "contracts") : (MaxStockQuantity, "shares");
        return quantity > max ? new VenueRefusal("APBK0507", Format($"{QuantityText} (at most {Grouped(max)} {unit} an order)")) : null;
    }

    /// <summary>A market futures/options order when no upper limit is known (an option traded against a recording: its
    /// limits follow its underlying's): nothing bounds the premium its margin would be taken at.</summary>
    private static VenueRefusal? Unbounded(string code, bool derivative, bool isMarket, PriceBand band)
        => derivative && isMarket && band.Upper == 0
            ? new VenueRefusal("APBK0505", $"An option ({code}) is taken at a limit only here: its daily limits follow its underlying's and are "
                + "not in the recording, so a market order's premium has no bound.")
            : null;

    private static VenueRefusal? Price(string code, bool derivative, long price, PriceBand band)
    {
        var onGrid = price > 0 && (derivative ? price % Math.Max(1, band.Tick > 0 ? band.Tick : KrxRules.DerivativeTick(code, price)) == 0
            : KrxRules.IsOnTick(code, price));
        if (!onGrid) return new VenueRefusal("APBK0506", "주문단가가 호가단위에 맞지 않습니다. (price not on KRX's tick grid)");
        return band.Upper > 0 && (price > band.Upper || price < band.Lower)
            ? new VenueRefusal("APBK0510", Format($"주문단가가 가격제한폭을 벗어났습니다. (outside the day's limits {band.Lower}..{band.Upper})"))
            : null;
    }

    /// <summary>The per-order caps of a stock order at <paramref name="unitPrice"/> (<see cref="OrderPrice"/>).</summary>
    private static VenueRefusal? ValueCap(long quantity, long unitPrice)
        => quantity > 0 && unitPrice > MaxStockOrderValue / quantity // quantity × price over the cap, without the product (no overflow)
            ? new VenueRefusal("APBK0507", Format($"{QuantityText} (at most {Grouped(MaxStockOrderValue)} KRW an order)"))
            : null;

    private static VenueRefusal NotEnoughCash() => new("APBK0952", $"{CashText} (not enough cash for the shares and their commission)");

    private static VenueRefusal MarginRefusal(string why) => new("APBK0952", $"{CashText} ({why})");

    private static string Grouped(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    private static string Format(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
