using Kis.Realtime.Simulator.Trading.Core;
using Kis.Realtime.Simulator.Trading.Ledger;

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
    public const long MaxContractsPerOrder = PreTradeCheck.MaxContractsPerOrder;

    /// <summary>Initial margin of a KRX index future, as a share of the contracts' value (<see cref="ContractMath.FuturesMarginRate"/>).</summary>
    public const decimal FuturesMarginRate = ContractMath.FuturesMarginRate;

    /// <summary>Options' margin rate (<see cref="ContractMath.OptionsMarginRate"/>).</summary>
    public const decimal OptionsMarginRate = ContractMath.OptionsMarginRate;

    public override bool IsDerivative => true;

    public override PaperResult Closed() => Refused(PreTradeCheck.MarketClosed(derivative: true))!;

    /// <summary>The initial margin of <paramref name="contracts"/> at <paramref name="price"/> (hundredths of a point), KRW:
    /// the contracts' value × <see cref="FuturesMarginRate"/> for futures, × <see cref="OptionsMarginRate"/> for options.</summary>
    public static long MarginOf(string code, long contracts, long price) => ContractMath.MarginOf(code, contracts, price);

    /// <summary>The contracts of <paramref name="code"/> an order of this side closes (a buy closes a short, a sell a long).</summary>
    public static long Closable(PaperAccount account, string code, bool buy) => Closable(account.Positions.GetValueOrDefault(code)?.Quantity ?? 0, buy);

    /// <summary>The contracts of a signed position of <paramref name="held"/> an order of this side closes.</summary>
    public static long Closable(long held, bool buy) => ContractMath.Closable(held, buy);

    /// <summary>A profit of <paramref name="realized"/> (hundredths of a point × contracts) of <paramref name="code"/> in KRW.</summary>
    public static long Krw(string code, long realized) => ContractMath.Krw(code, realized);

    /// <summary>A fill on a signed position (<see cref="ContractMath.Fill"/>): the profit realized (hundredths × contracts).</summary>
    public static long Fill(ref long held, ref long cost, bool buy, long quantity, long price) => ContractMath.Fill(ref held, ref cost, buy, quantity, price);

    /// <summary>A signed position's profit at <paramref name="last"/> (hundredths × contracts) against its cost.</summary>
    public static long Unrealized(long held, long cost, long last) => held * last - Math.Sign(held) * cost;
}
