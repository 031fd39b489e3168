using Kis.Realtime.Simulator.Rules;

namespace Kis.Realtime.Simulator.Trading.Rules;

/// <summary>
/// KRX day-session futures/options orders: prices in hundredths of a point on the code's fixed tick, quantities in
/// contracts; positions are signed (a sell opens a short); contracts that open a position take initial margin out of
/// the free cash (none for those that close one) and reserve nothing; a closing fill settles its P&amp;L in cash at once;
/// the day ends at the day session's close.
/// </summary>
internal sealed class FuturesOptionRules : ProductRules
{
    /// <summary>Most contracts one futures/options order may carry.</summary>
    public const long MaxContractsPerOrder = 1_000;

    /// <summary>Initial margin of a KRX index future, as a share of the contracts' value (the simulator's parameter;
    /// KRX sets the rate per product and revises it; maintenance margin and margin calls are not modelled).</summary>
    public const decimal FuturesMarginRate = 0.08m;

    /// <summary>Options: the premium's whole value either way (a buyer pays it; a writer's margin is taken as the same,
    /// which is less than KRX asks of a writer).</summary>
    public const decimal OptionsMarginRate = 1m;

    public override bool IsDerivative => true;
    public override long MaxQuantity => MaxContractsPerOrder;
    public override string UnitName => "contracts";
    public override TimeSpan SessionEnd { get; } = MarketCalendar.KrxDerivatives.Regular.End;

    public override PaperResult Closed()
        => PaperResult.Refuse("APBK0918", "장운영시간이 아닙니다. (KRX takes day-session futures/options orders 08:45-15:45 KST on trading days)");

    public override bool OnGrid(long price, long tick) => price % tick == 0;

    /// <summary>The margin <paramref name="quantity"/> contracts at <paramref name="price"/> (hundredths of a point) take, in KRW.</summary>
    public override long Margin(string code, long quantity, long price) => MarginOf(code, quantity, price);

    /// <summary>The initial margin of <paramref name="contracts"/> at <paramref name="price"/> (hundredths of a point), KRW:
    /// the contracts' value × <see cref="FuturesMarginRate"/> for futures, × <see cref="OptionsMarginRate"/> for options.</summary>
    public static long MarginOf(string code, long contracts, long price)
        => (long)decimal.Ceiling(checked(contracts * price) * (decimal)KrxRules.Multiplier(code) / 100m
                                 * (KrxRules.IsFutures(code) ? FuturesMarginRate : OptionsMarginRate));

    /// <summary>The contracts of <paramref name="code"/> an order of this side closes (a buy closes a short, a sell a long).</summary>
    public static long Closable(PaperAccount account, string code, bool buy) => Closable(account.Positions.GetValueOrDefault(code)?.Quantity ?? 0, buy);

    /// <summary>The contracts of a signed position of <paramref name="held"/> an order of this side closes.</summary>
    public static long Closable(long held, bool buy) => buy ? Math.Max(0, -held) : Math.Max(0, held);

    /// <summary>A profit of <paramref name="realized"/> (hundredths of a point × contracts) of <paramref name="code"/> in KRW.</summary>
    public static long Krw(string code, long realized) => checked(realized * KrxRules.Multiplier(code) / 100);

    /// <summary>Most contracts that open a position whose initial margin at <paramref name="price"/> fits in
    /// <paramref name="free"/> KRW (what <see cref="ProductRules.Check"/> takes, by the same <see cref="Margin"/>).</summary>
    public static long OpenableContracts(string code, long price, long free)
    {
        if (free <= 0 || price <= 0) return 0;
        var perContract = Math.Max(1, MarginOf(code, 1, price));
        var contracts = Math.Min(free / perContract, MaxContractsPerOrder);
        // Margin rounds up once for the whole order, so n contracts may take a won less than n × one: settle exactly.
        while (contracts < MaxContractsPerOrder && MarginOf(code, contracts + 1, price) <= free) contracts++;
        while (contracts > 0 && MarginOf(code, contracts, price) > free) contracts--;
        return contracts;
    }

    protected override PaperResult? CheckMoney(PaperOrderRequest request, OrderQuote quote, PaperAccount account)
    {
        // Contracts that open (or add to) a position need margin; those that close one need none.
        var opening = Math.Max(0, request.Quantity - Closable(account, request.Code, request.Buy));
        var margin = MarginOf(request.Code, opening, OrderPrice(request.IsMarket, request.Price, quote.Upper));
        return margin > FreeCash(account)
            ? PaperResult.Refuse("APBK0952", $"주문가능금액을 초과 했습니다. (initial margin {margin:N0} KRW over what the account has free)")
            : null;
    }

    /// <summary>Nothing reserved: the margin of open orders is counted against the cash (<see cref="ProductRules.MarginInUse"/>).</summary>
    public override void Reserve(PaperOrder order) { }

    public override void Release(PaperOrder order, long quantity) { }

    /// <summary>A closing fill settles its profit or loss in cash at once (KRX settles futures daily; the venue at the fill).</summary>
    public override void Settle(PaperOrder order, PaperPosition position, long quantity, long price)
    {
        var realizedBefore = position.Realized;
        FillContracts(position, order.Buy, quantity, price);
        order.Account.Cash += Krw(order.Code, position.Realized - realizedBefore);
    }

    /// <summary>
    /// A fill on a signed position: against the position it closes contracts first (their cost leaves at the
    /// position's average), what is left opens or adds to the position at the fill's price.
    /// </summary>
    private void FillContracts(PaperPosition position, bool buy, long quantity, long price)
    {
        position.Rules = this;
        if (buy) position.BoughtToday += quantity; else position.SoldToday += quantity;
        position.Realized += Fill(ref position.Quantity, ref position.Cost, buy, quantity, price);
    }

    /// <summary>
    /// A fill on a signed position (<paramref name="held"/> contracts, short below 0; <paramref name="cost"/>: what its
    /// contracts cost, hundredths × contracts, positive either way): the contracts it closes leave at the position's
    /// average cost, the rest open or add at <paramref name="price"/>. Returns the profit realized (hundredths × contracts).
    /// The paper venue's positions and the backtest's settle by this one rule.
    /// </summary>
    public static long Fill(ref long held, ref long cost, bool buy, long quantity, long price)
    {
        long realized = 0;
        if (held != 0 && held > 0 != buy)
        {
            var closing = Math.Min(Math.Abs(held), quantity);
            var closedCost = cost * closing / Math.Abs(held);
            // A long closes by selling above its cost; a short by buying below it.
            realized = buy ? closedCost - closing * price : closing * price - closedCost;
            cost -= closedCost;
            held += buy ? closing : -closing;
            quantity -= closing;
        }
        held += buy ? quantity : -quantity;
        cost += quantity * price;
        return realized;
    }

    /// <summary>A signed position's profit at <paramref name="last"/> (hundredths × contracts) against its cost.</summary>
    public static long Unrealized(long held, long cost, long last) => held * last - Math.Sign(held) * cost;
}
