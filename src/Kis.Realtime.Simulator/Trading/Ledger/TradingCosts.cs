using Kis.Realtime.Simulator.Rules;

namespace Kis.Realtime.Simulator.Trading.Ledger;

/// <summary>
/// What a fill costs, the rule both venues charge by (the public <c>KisTradingCosts</c> and the backtest's options give
/// the rates): commission on every fill's value, securities transaction tax on a stock sell's value (none on a listed
/// ETF's), commission on futures and options fills' KRW value, no tax on them. Exact (not rounded) per fill.
/// </summary>
internal sealed record TradingCosts(decimal CommissionRate, decimal SellTaxRate, decimal FuturesCommissionRate, decimal OptionsCommissionRate)
{
    /// <summary>The stock commission's default (KisTradingCosts.DefaultCommissionRate gives its source and date).</summary>
    public const decimal DefaultCommissionRate = 0.000140527m;

    /// <summary>The securities transaction tax's default, 0.20 % of a sell's value.</summary>
    public const decimal DefaultSellTaxRate = 0.0020m;

    /// <summary>The futures commission's default, 0.01 % of a fill's value.</summary>
    public const decimal DefaultFuturesCommissionRate = 0.0001m;

    /// <summary>The options commission's default, 0.45 % of a fill's premium value.</summary>
    public const decimal DefaultOptionsCommissionRate = 0.0045m;

    /// <summary>The default rates.</summary>
    public static TradingCosts Default { get; } = new(DefaultCommissionRate, DefaultSellTaxRate, DefaultFuturesCommissionRate, DefaultOptionsCommissionRate);

    /// <summary>A stock fill's commission and tax (KRW, exact): <paramref name="quantity"/> shares of <paramref name="code"/> at
    /// <paramref name="price"/> KRW; no tax on an ETF's sale (<see cref="KrxRules.PaysSellTax"/>).</summary>
    public (decimal Commission, decimal Tax) OfStockFill(string code, bool buy, long quantity, long price)
    {
        var value = (decimal)quantity * price;
        return (value * CommissionRate, buy || !KrxRules.PaysSellTax(code) ? 0 : value * SellTaxRate);
    }

    /// <summary>A futures/options fill's commission (KRW, exact): <paramref name="quantity"/> contracts of
    /// <paramref name="code"/> at <paramref name="price"/> hundredths of a point; no tax.</summary>
    public decimal OfDerivativeFill(string code, long quantity, long price)
    {
        var value = (decimal)quantity * price * KrxRules.Multiplier(code) / 100;
        return value * (KrxRules.IsFutures(code) ? FuturesCommissionRate : OptionsCommissionRate);
    }
}
