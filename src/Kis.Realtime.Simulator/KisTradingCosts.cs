using Kis.Realtime.Simulator.Trading.Ledger;

namespace Kis.Realtime.Simulator;

/// <summary>
/// What a fill costs on both venues, the backtest and the simulator's paper venue, by one rule: commission on every
/// fill's value, securities transaction tax on a stock sell's value (none on a listed ETF's), commission on futures and options fills' KRW value
/// (contracts × price × the contract's multiplier), no tax on them. Exact (not rounded) per fill; the defaults are
/// parameters, not facts about your account (docs/backtest.md gives their sources and dates): set what your broker and
/// market charge you.
/// </summary>
/// <param name="CommissionRate">Stock commission, a fraction of each fill's value (buys and sells).</param>
/// <param name="SellTaxRate">Securities transaction tax, a fraction of each stock sell fill's value (ETFs pay none).</param>
/// <param name="FuturesCommissionRate">Futures commission, a fraction of each fill's value in KRW.</param>
/// <param name="OptionsCommissionRate">Options commission, a fraction of each fill's premium value in KRW.</param>
public sealed record KisTradingCosts(decimal CommissionRate, decimal SellTaxRate, decimal FuturesCommissionRate, decimal OptionsCommissionRate)
{
    /// <summary>
    /// KIS's online commission for the BanKIS (Banking app) account class, 0.0140527 % of each fill's value, as commonly
    /// cited in 2025–2026 (docs/backtest.md); KIS's schedule varies by account class and channel.
    /// </summary>
    public const decimal DefaultCommissionRate = TradingCosts.DefaultCommissionRate;

    /// <summary>
    /// Securities transaction tax on a sell, 0.20 % of its value: KRX's KOSPI rate (0.05 % tax + 0.15 % special tax for
    /// rural development) and the KOSDAQ rate for 2026 (docs/backtest.md).
    /// </summary>
    public const decimal DefaultSellTaxRate = TradingCosts.DefaultSellTaxRate;

    /// <summary>
    /// Commission on KRX futures, 0.01 % of each fill's value (contracts × price × the contract multiplier): a KRX
    /// broker's published online base rate, read 2026-11-26 (docs/backtest.md); no securities transaction tax on futures.
    /// </summary>
    public const decimal DefaultFuturesCommissionRate = TradingCosts.DefaultFuturesCommissionRate;

    /// <summary>
    /// Commission on KRX options, 0.45 % of each fill's premium value (contracts × premium × the multiplier): the same
    /// broker's online base rate (docs/backtest.md); no securities transaction tax on options.
    /// </summary>
    public const decimal DefaultOptionsCommissionRate = TradingCosts.DefaultOptionsCommissionRate;

    /// <summary>The default rates.</summary>
    public static KisTradingCosts Default { get; } = new(DefaultCommissionRate, DefaultSellTaxRate, DefaultFuturesCommissionRate, DefaultOptionsCommissionRate);

    /// <summary>No costs (for a test of something else).</summary>
    public static KisTradingCosts None { get; } = new(0, 0, 0, 0);

    /// <summary>Throws when a rate is not a fraction from 0 to 1.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A rate below 0 or from 1.</exception>
    public void Validate()
    {
        Check(CommissionRate, nameof(CommissionRate));
        Check(SellTaxRate, nameof(SellTaxRate));
        Check(FuturesCommissionRate, nameof(FuturesCommissionRate));
        Check(OptionsCommissionRate, nameof(OptionsCommissionRate));

        static void Check(decimal rate, string name)
        {
            if (rate is < 0 or >= 1) throw new ArgumentOutOfRangeException(name, rate, "A rate is a fraction from 0 to 1.");
        }
    }

    /// <summary>The rates as the rule the venues charge by.</summary>
    internal TradingCosts ToCosts() => new(CommissionRate, SellTaxRate, FuturesCommissionRate, OptionsCommissionRate);
}
