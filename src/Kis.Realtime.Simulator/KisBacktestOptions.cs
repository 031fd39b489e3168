using Kis.Realtime.Simulator.Trading.Ledger;

namespace Kis.Realtime.Simulator;

/// <summary>
/// How <see cref="KisBacktest"/> runs: the account, the order latency in simulated time and the costs. The cost
/// defaults are parameters, not facts about your account (docs/backtest.md gives their sources and dates): set what
/// your broker and market charge you.
/// </summary>
public sealed record KisBacktestOptions
{
    /// <summary>The stock commission's default (<see cref="KisTradingCosts.DefaultCommissionRate"/>, its source and date).</summary>
    public const decimal DefaultCommissionRate = KisTradingCosts.DefaultCommissionRate;

    /// <summary>The securities transaction tax's default (<see cref="KisTradingCosts.DefaultSellTaxRate"/>).</summary>
    public const decimal DefaultSellTaxRate = KisTradingCosts.DefaultSellTaxRate;

    /// <summary>The futures commission's default (<see cref="KisTradingCosts.DefaultFuturesCommissionRate"/>).</summary>
    public const decimal DefaultFuturesCommissionRate = KisTradingCosts.DefaultFuturesCommissionRate;

    /// <summary>The options commission's default (<see cref="KisTradingCosts.DefaultOptionsCommissionRate"/>).</summary>
    public const decimal DefaultOptionsCommissionRate = KisTradingCosts.DefaultOptionsCommissionRate;

    /// <summary>The account the strategy trades (stock cash account, product code 01).</summary>
    public KisAccount Account { get; init; } = new("50000000", "01");

    /// <summary>The HTS ID the notices are for (what <see cref="IKisRealtimeClient.HtsId"/> answers).</summary>
    public string HtsId { get; init; } = "backtest";

    /// <summary>Cash the account starts with, KRW.</summary>
    public decimal StartingCash { get; init; } = 100_000_000m;

    /// <summary>
    /// Simulated time from the strategy's order call to the venue: the order meets the market as it is this long after
    /// the record the strategy was reading (its answer returns at arrival). Zero: at once, before the next record.
    /// </summary>
    public TimeSpan Latency { get; init; } = TimeSpan.FromMilliseconds(5);

    /// <summary>Commission, a fraction of each fill's value (buys and sells), not rounded.</summary>
    public decimal CommissionRate { get; init; } = DefaultCommissionRate;

    /// <summary>Securities transaction tax, a fraction of each sell fill's value, not rounded.</summary>
    public decimal SellTaxRate { get; init; } = DefaultSellTaxRate;

    /// <summary>Commission on futures, a fraction of each fill's value in KRW (contracts × price × multiplier), not rounded.</summary>
    public decimal FuturesCommissionRate { get; init; } = DefaultFuturesCommissionRate;

    /// <summary>Commission on options, a fraction of each fill's premium value in KRW, not rounded.</summary>
    public decimal OptionsCommissionRate { get; init; } = DefaultOptionsCommissionRate;

    /// <summary>Checks gaps in the recorded trades a strategy subscribes to (as a replay does). Default: on.</summary>
    public bool DetectGaps { get; init; } = true;

    /// <summary>
    /// Whether the recording's records are decoded ahead on a thread of their own (the frames split, a trade's typed
    /// <c>StockTrade</c> and a book's levels: work that depends on the bytes alone) while the strategy and the venue
    /// run on the backtest's thread: a backtest uses a second core. False: all on one thread (many backtests side by
    /// side, one a core). The results are the same byte for byte either way.
    /// </summary>
    public bool PrepareAhead { get; init; } = true;

    /// <summary>The rates as the cost rule both venues charge by (the paper venue's is <see cref="SimulatorOptions.Costs"/>).</summary>
    internal TradingCosts Costs => new(CommissionRate, SellTaxRate, FuturesCommissionRate, OptionsCommissionRate);

    /// <summary>Throws when a setting is out of range.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A negative latency, rate or cash.</exception>
    public void Validate()
    {
        ArgumentNullException.ThrowIfNull(Account);
        ArgumentException.ThrowIfNullOrWhiteSpace(HtsId);
        if (Latency < TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(Latency), Latency, "Latency is zero or more.");
        if (CommissionRate is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(CommissionRate), CommissionRate, "A rate is a fraction from 0 to 1.");
        if (FuturesCommissionRate is < 0 or >= 1)
            throw new ArgumentOutOfRangeException(nameof(FuturesCommissionRate), FuturesCommissionRate, "A rate is a fraction from 0 to 1.");
        if (OptionsCommissionRate is < 0 or >= 1)
            throw new ArgumentOutOfRangeException(nameof(OptionsCommissionRate), OptionsCommissionRate, "A rate is a fraction from 0 to 1.");
        if (SellTaxRate is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(SellTaxRate), SellTaxRate, "A rate is a fraction from 0 to 1.");
        if (StartingCash < 0) throw new ArgumentOutOfRangeException(nameof(StartingCash), StartingCash, "Cash is zero or more.");
    }
}

/// <summary>One fill of a backtest: which order, how much, at what price and cost, and the account after it.</summary>
/// <param name="Sequence">1, 2, … in the order the fills happened.</param>
/// <param name="Time">Simulated time (the recording's receive time of the event that filled it), UTC.</param>
/// <param name="OrderNumber">The order's number, as its notices carry it.</param>
/// <param name="Code">The stock code.</param>
/// <param name="Side">Buy or sell.</param>
/// <param name="Quantity">Shares.</param>
/// <param name="Price">KRW a share.</param>
/// <param name="Commission">KRW: value × the commission rate.</param>
/// <param name="Tax">KRW: a sell's value × the tax rate; 0 for a buy.</param>
/// <param name="Liquidity">taker (the order walked the book), maker (a resting order met by the market) or auction (an auction's print).</param>
/// <param name="Cash">The account's cash after it, KRW.</param>
/// <param name="Position">The shares of <paramref name="Code"/> held after it.</param>
public sealed record KisBacktestFill(long Sequence, DateTimeOffset Time, string OrderNumber, string Code, OrderSide Side, long Quantity,
    decimal Price, decimal Commission, decimal Tax, string Liquidity, decimal Cash, long Position);

/// <summary>One order call of a backtest's strategy (placed, amended or cancelled) and what became of it.</summary>
/// <param name="Sequence">1, 2, … in the order the strategy called.</param>
/// <param name="Action">place, amend or cancel.</param>
/// <param name="SentAt">Simulated time of the call, UTC.</param>
/// <param name="ArrivedAt">Simulated time it reached the venue (<see cref="KisBacktestOptions.Latency"/> later).</param>
/// <param name="OrderNumber">Its number when accepted; empty when refused.</param>
/// <param name="OriginalOrderNumber">The order amended or cancelled; empty for a new order.</param>
/// <param name="Code">The stock code.</param>
/// <param name="Side">Buy or sell.</param>
/// <param name="Kind">Limit or market.</param>
/// <param name="Quantity">Shares asked for (the quantity amended or cancelled).</param>
/// <param name="Price">The limit price; 0 for a market order or a cancel.</param>
/// <param name="Outcome">accepted or refused.</param>
/// <param name="Refusal">The refusal's code and message; empty when accepted.</param>
/// <param name="Filled">Shares filled by the end.</param>
/// <param name="Cancelled">Shares cancelled, amended away or expired at the day's end.</param>
/// <param name="AveragePrice">The fills' average price; 0 without fills.</param>
public sealed record KisBacktestOrder(long Sequence, string Action, DateTimeOffset SentAt, DateTimeOffset ArrivedAt, string OrderNumber,
    string OriginalOrderNumber, string Code, OrderSide Side, KisOrderKind Kind, long Quantity, decimal Price, string Outcome, string Refusal,
    long Filled, long Cancelled, decimal AveragePrice);
