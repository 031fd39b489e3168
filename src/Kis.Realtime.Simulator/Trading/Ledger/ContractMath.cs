using Kis.Realtime.Simulator.Rules;

namespace Kis.Realtime.Simulator.Trading.Ledger;

/// <summary>
/// The money of KRX futures/options contracts (prices in hundredths of a point): initial margin, a fill on a signed
/// position, a profit in KRW through the contract multiplier. The ledger settles by it; the product rules
/// (<c>FuturesOptionRules</c>) check orders by it.
/// </summary>
internal static class ContractMath
{
    /// <summary>Initial margin of a KRX index future, as a share of the contracts' value (the simulator's parameter;
    /// KRX sets the rate per product and revises it; maintenance margin and margin calls are not modelled).</summary>
    public const decimal FuturesMarginRate = 0.08m;

    /// <summary>Options: the premium's whole value either way (a buyer pays it; a writer's margin is taken as the same,
    /// which is less than KRX asks of a writer).</summary>
    public const decimal OptionsMarginRate = 1m;

    /// <summary>The initial margin of <paramref name="contracts"/> at <paramref name="price"/> (hundredths of a point), KRW:
    /// the contracts' value × <see cref="FuturesMarginRate"/> for futures, × <see cref="OptionsMarginRate"/> for options.</summary>
    public static long MarginOf(string code, long contracts, long price)
        => (long)decimal.Ceiling(checked(contracts * price) * (decimal)KrxRules.Multiplier(code) / 100m
                                 * (KrxRules.IsFutures(code) ? FuturesMarginRate : OptionsMarginRate));

    /// <summary>The contracts of a signed position of <paramref name="held"/> an order of this side closes (a buy closes a
    /// short, a sell a long).</summary>
    public static long Closable(long held, bool buy) => buy ? Math.Max(0, -held) : Math.Max(0, held);

    /// <summary>A profit of <paramref name="realized"/> (hundredths of a point × contracts) of <paramref name="code"/> in KRW.</summary>
    public static long Krw(string code, long realized) => checked(realized * KrxRules.Multiplier(code) / 100);

    /// <summary>
    /// A fill on a signed position (<paramref name="held"/> contracts, short below 0; <paramref name="cost"/>: what its
    /// contracts cost, hundredths × contracts, positive either way): the contracts it closes leave at the position's
    /// average cost, the rest open or add at <paramref name="price"/>. Returns the profit realized (hundredths × contracts).
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
}
