namespace Kis.Realtime.Simulator.Trading.Ledger;

/// <summary>
/// One account's money and holdings, the venue core both venues keep (issue 55, item 1): the paper venue's accounts
/// (<c>PaperAccount</c>) and the backtest's one account settle, hold and charge by this code only. Clock-free: no time,
/// market, socket or file; the driver says what happened (an order holds, a fill settles) and the account follows.
/// Money is exact: <see cref="Cash"/> and a stock position's cost are decimals, charged every fill's exact commission
/// and tax (<see cref="TradingCosts"/>); what KIS shows as whole won is rounded where it is shown (docs/simulator.md,
/// "cost model"). Not thread-safe: its venue's lock guards it.
/// </summary>
internal class LedgerAccount(decimal startingCash, TradingCosts costs)
{
    /// <summary>The cost rule the account's fills are charged by.</summary>
    public TradingCosts Costs { get; } = costs;

    /// <summary>Settled cash, KRW, exact: the start, every fill's value and its costs; never what open orders hold.</summary>
    public decimal Cash { get; private set; } = startingCash;

    /// <summary>What open stock buys hold of the cash: what is left of each × its reserve price (its limit, or the
    /// day's upper limit for a market buy).</summary>
    public long ReservedCash { get; private set; }

    /// <summary>The initial margin open futures/options limit orders hold (each order's rounded up on its own).</summary>
    public long OrderMargin { get; private set; }

    /// <summary>The commission and tax of every fill so far, exact.</summary>
    public decimal CostsCharged { get; private set; }

    public Dictionary<string, LedgerPosition> Positions { get; } = new(StringComparer.Ordinal);

    public LedgerPosition Position(string code)
    {
        if (!Positions.TryGetValue(code, out var position)) Positions[code] = position = new LedgerPosition();
        return position;
    }

    /// <summary>
    /// What is left of an open order goes from <paramref name="before"/> to <paramref name="after"/> (placed: 0 to its
    /// quantity; filled, amended, cancelled or expired: down): a stock buy holds cash at its reserve price, a stock sell
    /// its shares, a futures/options limit order its initial margin; a market futures/options order holds nothing.
    /// </summary>
    public void Hold(in LedgerOrderTerms order, long before, long after)
    {
        if (before == after) return;
        if (order.Derivative)
        {
            if (order.IsMarket) return;
            OrderMargin += ContractMath.MarginOf(order.Code, after, order.LimitPrice) - ContractMath.MarginOf(order.Code, before, order.LimitPrice);
        }
        else if (order.Buy) ReservedCash += checked((after - before) * order.ReservePrice);
        else Position(order.Code).Reserved += after - before;
    }

    /// <summary>
    /// A fill of <paramref name="quantity"/> at <paramref name="price"/> of an order that had <paramref name="remaining"/>
    /// left: its hold is released, its costs charged, the cash and position settled (a stock at once; futures/options:
    /// a closing fill's profit in cash through the multiplier). Returns the fill's exact commission and tax.
    /// </summary>
    public (decimal Commission, decimal Tax) Fill(in LedgerOrderTerms order, long remaining, long quantity, long price)
    {
        Hold(order, remaining, remaining - quantity);
        var position = Position(order.Code);
        if (order.Buy) position.BoughtToday += quantity; else position.SoldToday += quantity;
        if (order.Derivative)
        {
            position.Derivative = true;
            var commission = Costs.OfDerivativeFill(order.Code, quantity, price);
            var cost = (long)position.Cost;
            var realized = ContractMath.Fill(ref position.Quantity, ref cost, order.Buy, quantity, price);
            position.Cost = cost;
            position.Realized += realized;
            // The backtest's expressions, kept as they were: its files print the cash, scale and all.
            Cash += ContractMath.Krw(order.Code, realized) - commission;
            CostsCharged += commission;
            return (commission, 0m);
        }
        var value = (decimal)quantity * price;
        var (stockCommission, tax) = Costs.OfStockFill(order.Code, order.Buy, quantity, price);
        if (order.Buy)
        {
            Cash -= value + stockCommission;
            position.Quantity += quantity;
            position.Cost += value;
        }
        else
        {
            Cash += value - stockCommission - tax;
            // The shares sold take their share of the cost at the position's exact average.
            position.Cost -= position.Quantity == 0 ? 0 : position.Cost * quantity / position.Quantity;
            position.Quantity -= quantity;
        }
        CostsCharged += stockCommission + tax;
        return (stockCommission, tax);
    }

    /// <summary>
    /// What the account may still spend, KRW, exact: the cash less what open stock buys hold with the commission they
    /// will pay, and less the margin futures/options positions and open orders hold.
    /// </summary>
    public decimal FreeCash()
    {
        var free = Cash;
        // Only when something is held: a zero times the rate would add the rate's decimal places to the figure.
        if (ReservedCash != 0) free -= ReservedCash * (1 + Costs.CommissionRate);
        return free - MarginInUse();
    }

    /// <summary>The initial margin positions (one contract's margin at the position's cost, as the paper venue always
    /// took it) and open orders hold, KRW.</summary>
    public long MarginInUse()
    {
        var margin = OrderMargin;
        foreach (var (code, position) in Positions)
            if (position.Derivative && position.Quantity != 0) margin += ContractMath.MarginOf(code, 1, (long)position.Cost);
        return margin;
    }

    /// <summary>
    /// Whether a stock buy of <paramref name="quantity"/> at <paramref name="unitPrice"/> (its limit, or the day's upper
    /// limit for a market buy) and its commission fit in the free cash, with <paramref name="givenBack"/> (KRW: what an
    /// amended buy held before) and its commission back first. Both venues' money check of a buy.
    /// </summary>
    public bool CanBuy(long quantity, long unitPrice, long givenBack = 0)
    {
        var withCommission = 1 + Costs.CommissionRate;
        return quantity * unitPrice * withCommission <= FreeCash() + givenBack * withCommission;
    }

    /// <summary>The initial margin a futures/options order of <paramref name="quantity"/> at <paramref name="unitPrice"/>
    /// takes: on the contracts it opens, none on those it closes of the position held. Both venues' margin check.</summary>
    public long MarginToOpen(string code, bool buy, long quantity, long unitPrice)
    {
        var held = Positions.TryGetValue(code, out var position) ? position.Quantity : 0;
        return ContractMath.MarginOf(code, Math.Max(0, quantity - ContractMath.Closable(held, buy)), unitPrice);
    }

    /// <summary>
    /// Whether a futures/options amendment of <paramref name="affected"/> of the <paramref name="remaining"/> contracts of
    /// <paramref name="original"/> to <paramref name="unitPrice"/> (its limit, or the day's bound for a market order) fits:
    /// the margin the amended contracts open at the new price (<see cref="MarginToOpen"/>), against the free cash with what
    /// the original holds on those contracts given back first. Both venues' margin check of an amendment.
    /// </summary>
    public bool CanAmendMargin(in LedgerOrderTerms original, long remaining, long affected, long unitPrice)
    {
        var givenBack = original.IsMarket ? 0
            : ContractMath.MarginOf(original.Code, remaining, original.LimitPrice)
                - ContractMath.MarginOf(original.Code, remaining - affected, original.LimitPrice);
        return MarginToOpen(original.Code, original.Buy, affected, unitPrice) <= FreeCash() + givenBack;
    }

    /// <summary>Shares of <paramref name="code"/> a new sell may take: held, less what open sells hold.</summary>
    public long Sellable(string code) => Positions.TryGetValue(code, out var position) ? position.Quantity - position.Reserved : 0;

    /// <summary>A new trading day: today's bought and sold quantities and the day's realised F/O profit start again.</summary>
    public void StartDay()
    {
        foreach (var position in Positions.Values) (position.BoughtToday, position.SoldToday, position.Realized) = (0, 0, 0);
    }

    /// <summary>Puts back a restored account's cash and costs so far (its holds come back as its open orders do).</summary>
    public void Restore(decimal cash, decimal costsCharged) => (Cash, CostsCharged) = (cash, costsCharged);
}

/// <summary>What an order is to the ledger: its product, side, kind, limit and reserve price (what a buy holds a unit at).</summary>
internal readonly record struct LedgerOrderTerms(string Code, bool Derivative, bool Buy, bool IsMarket, long LimitPrice, long ReservePrice);

/// <summary>
/// Holdings of one instrument: a stock's shares (cost exact, in KRW) or a futures/options code's signed contracts (short
/// below 0; cost in hundredths of a point × contracts, whole); shares open sells hold; today's trades.
/// </summary>
internal sealed class LedgerPosition
{
    public long Quantity, Reserved, BoughtToday, SoldToday;
    public decimal Cost;

    /// <summary>A futures/options position (from its first contract's fill).</summary>
    public bool Derivative;

    /// <summary>Futures/options: profit of the contracts closed today (hundredths of a point × contracts).</summary>
    public long Realized;
}
