namespace Kis.Realtime.Bars;

/// <summary>Which part of the trading day a trade belongs to (see docs/bars.md for how each TR is classified).</summary>
[Flags]
public enum TradingSessions
{
    /// <summary>No session.</summary>
    None = 0,
    /// <summary>Before 09:00 KST: KRX pre-open after-hours (장전 시간외), NXT pre-market (08:00–08:50).</summary>
    PreMarket = 1,
    /// <summary>
    /// 09:00:00–15:30:00 KST for stocks: the opening auction print, the continuous session, VI single-price auctions
    /// and the closing auction print; the day session of futures and options; every index tick; every overseas trade.
    /// </summary>
    Regular = 2,
    /// <summary>
    /// After 15:30:00 KST for stocks: KRX after-hours (H0STOUP0 and 시간외 prints), NXT after-market (15:40–20:00); the KRX
    /// night session of futures and options (H0MF…, H0EU…).
    /// </summary>
    AfterMarket = 4,
    /// <summary>Every session.</summary>
    All = PreMarket | Regular | AfterMarket,
}

/// <summary>Options of bar building. Defaults follow KIS's REST minute chart (see docs/bars.md).</summary>
public sealed record BarOptions
{
    /// <summary>The defaults.</summary>
    public static BarOptions Default { get; } = new();

    /// <summary>
    /// Emit a bar for a time interval with no trade (flagged <see cref="BarFlags.Empty"/>, OHLC = the previous close,
    /// volume 0) between two trades of the same trading date. Default false: KIS's REST minute chart creates a minute's
    /// row only at the minute's first trade.
    /// </summary>
    public bool EmitEmptyBars { get; init; }

    /// <summary>Also yield the forming bar (flagged <see cref="BarFlags.Forming"/>) after every trade. Default false.</summary>
    public bool FormingUpdates { get; init; }

    /// <summary>Sessions whose trades go into bars; other trades are counted as skipped. Default: all.</summary>
    public TradingSessions Sessions { get; init; } = TradingSessions.All;

    /// <summary>
    /// The KST trading date for trades that carry none (index ticks, futures, options; stock trades with an empty
    /// bsop_date). Default: today in KST by <see cref="TimeProvider"/> when the first such trade arrives.
    /// </summary>
    public DateOnly? TradingDate { get; init; }

    /// <summary>The clock for <see cref="TradingDate"/>'s default. Default: the system clock.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>
    /// Bars known before the live trades (e.g. <see cref="MinuteChartRow.ToBars"/> of KIS's REST minute chart, or bars
    /// from a recording), of any keys: each key's live bars continue them without a gap or an overlap, as docs/bars.md
    /// describes (the cumulative volume of the first live trade decides).
    /// </summary>
    public IReadOnlyList<Bar>? SeedBars { get; init; }

    /// <summary>Emit each forming bar (flagged <see cref="BarFlags.EndOfStream"/>) when the trade stream ends. Default true.</summary>
    public bool FlushAtEnd { get; init; } = true;
}
