namespace Kis.Realtime;

/// <summary>
/// The pre-trade limits of a <see cref="KisRiskGuard"/>: each null is not checked. Quantities are shares or contracts;
/// values and losses are in KRW: a stock's price times quantity, a futures/options price (points) times quantity times
/// the contract's multiplier (KOSPI200 250,000 KRW a point, mini KOSPI200 50,000, KOSDAQ150 10,000).
/// </summary>
public sealed record KisRiskLimits
{
    /// <summary>The largest position per instrument, long or short, counting what is held and what working orders on the same side would add.</summary>
    public long? MaxPosition { get; init; }

    /// <summary>The largest quantity of one order.</summary>
    public long? MaxOrderQuantity { get; init; }

    /// <summary>The largest value of one order: quantity times its price (a market order: the last trade).</summary>
    public decimal? MaxOrderValue { get; init; }

    /// <summary>The most orders working at once (accepted, not yet filled, cancelled or refused).</summary>
    public int? MaxOpenOrders { get; init; }

    /// <summary>The loss of the day (realized and at the last trades), as a positive amount, at which new orders are refused.</summary>
    public decimal? DailyLossLimit { get; init; }

    /// <summary>How far from the last trade a priced order may be, as a fraction (0.05: within 5 %).</summary>
    public decimal? PriceBand { get; init; }

    /// <summary>The most new orders and amendments let through in any second.</summary>
    public int? MaxOrdersPerSecond { get; init; }

    internal void Validate()
    {
        if (MaxPosition is < 0) throw new ArgumentException("KisRiskLimits.MaxPosition cannot be negative.");
        if (MaxOrderQuantity is <= 0) throw new ArgumentException("KisRiskLimits.MaxOrderQuantity must be positive.");
        if (MaxOrderValue is <= 0) throw new ArgumentException("KisRiskLimits.MaxOrderValue must be positive.");
        if (MaxOpenOrders is <= 0) throw new ArgumentException("KisRiskLimits.MaxOpenOrders must be positive.");
        if (DailyLossLimit is <= 0) throw new ArgumentException("KisRiskLimits.DailyLossLimit must be positive.");
        if (PriceBand is <= 0) throw new ArgumentException("KisRiskLimits.PriceBand must be positive.");
        if (MaxOrdersPerSecond is <= 0) throw new ArgumentException("KisRiskLimits.MaxOrdersPerSecond must be positive.");
    }
}

/// <summary>Which pre-trade check refused an order (<see cref="KisOrderResult.RiskCheck"/>).</summary>
public enum KisRiskCheck
{
    /// <summary>The kill switch is on: no new order until <see cref="KisRiskGuard.Resume"/>.</summary>
    KillSwitch,
    /// <summary><see cref="KisRiskLimits.MaxPosition"/>.</summary>
    MaxPosition,
    /// <summary><see cref="KisRiskLimits.MaxOrderQuantity"/>.</summary>
    MaxOrderQuantity,
    /// <summary><see cref="KisRiskLimits.MaxOrderValue"/>.</summary>
    MaxOrderValue,
    /// <summary><see cref="KisRiskLimits.MaxOpenOrders"/>.</summary>
    MaxOpenOrders,
    /// <summary><see cref="KisRiskLimits.DailyLossLimit"/>.</summary>
    DailyLoss,
    /// <summary><see cref="KisRiskLimits.PriceBand"/>, or no last trade known to check the band or the value against.</summary>
    PriceBand,
    /// <summary><see cref="KisRiskLimits.MaxOrdersPerSecond"/>.</summary>
    OrderRate,
}
