namespace Kis.Realtime;

/// <summary>
/// One bar (candle) of one instrument: OHLC, volume, traded value, trade count and VWAP over
/// [<see cref="OpenTime"/>, <see cref="CloseTime"/>). Times are KST (<c>+09:00</c>). See docs/bars.md for every rule.
/// </summary>
public readonly record struct Bar
{
    /// <summary>The instrument: the subscription key (stock code, index code, contract code, overseas symbol).</summary>
    public string Key { get; init; }
    /// <summary>
    /// Time bars: the start of the interval (the market's clock, aligned to its local midnight). Tick, volume and value bars: the first
    /// trade's time.
    /// </summary>
    public DateTimeOffset OpenTime { get; init; }
    /// <summary>
    /// Time bars: the end of the interval, exclusive (09:01:00 for the 09:00 minute). Tick, volume and value bars: the
    /// last trade's time.
    /// </summary>
    public DateTimeOffset CloseTime { get; init; }
    /// <summary>The first trade's price.</summary>
    public decimal Open { get; init; }
    /// <summary>The highest trade price.</summary>
    public decimal High { get; init; }
    /// <summary>The lowest trade price.</summary>
    public decimal Low { get; init; }
    /// <summary>The last trade's price.</summary>
    public decimal Close { get; init; }
    /// <summary>Total volume (shares, contracts; index ticks: KIS's pcas_vol unit).</summary>
    public long Volume { get; init; }
    /// <summary>
    /// Traded value: Σ price × volume for stocks, futures and options (no contract multiplier) and overseas stocks;
    /// Σ pcas_tr_pbmn for index ticks (KIS's unit).
    /// </summary>
    public decimal Value { get; init; }
    /// <summary>Number of trades (records) in the bar; 0 for a bar seeded from KIS's REST minute chart or an empty bar.</summary>
    public int TradeCount { get; init; }
    /// <summary>Volume-weighted average price: Σ price × volume ÷ Σ volume (the close when the volume is 0).</summary>
    public decimal Vwap { get; init; }
    /// <summary>How the bar came about: forming, empty, seeded, built across a gap.</summary>
    public BarFlags Flags { get; init; }

    /// <summary>True while the bar is still forming (an update, not a closed bar).</summary>
    public bool IsForming => (Flags & BarFlags.Forming) != 0;
    /// <summary>True when trades may be missing from the bar (cumulative volume jumped: see <see cref="BarFlags.Gap"/>).</summary>
    public bool HasGap => (Flags & BarFlags.Gap) != 0;
}

/// <summary>Flags of a <see cref="Bar"/>.</summary>
[Flags]
public enum BarFlags
{
    /// <summary>A closed bar built from live trades only.</summary>
    None = 0,
    /// <summary>The bar is still forming: an update of the current bar, not a closed one.</summary>
    Forming = 1,
    /// <summary>
    /// Trades may be missing: the cumulative volume (acml_vol) jumped by more than the trade's volume somewhere inside
    /// the bar or between its last trade and the next bar's first, or a seed could not be joined without a gap. A jump
    /// revealed by a trade outside the bar's sessions (<see cref="BarSpec.Sessions"/>) flags the forming bar of that
    /// trading day, or, with none, the next bar.
    /// </summary>
    Gap = 2,
    /// <summary>No trade in the interval (only with <see cref="BarOptions.EmitEmptyBars"/>): OHLC = the previous close.</summary>
    Empty = 4,
    /// <summary>The bar (or its beginning) came from <see cref="BarOptions.SeedBars"/>, e.g. KIS's REST minute chart.</summary>
    Seeded = 8,
    /// <summary>Closed because the trade stream ended, not by a later trade or the clock.</summary>
    EndOfStream = 16,
    /// <summary>
    /// The first bar of a run that started mid-day without a seed: the first trade's cumulative volume shows trades of
    /// its day before it that were never seen (a recording or a subscription that starts at 09:01:37).
    /// </summary>
    Partial = 32,
    /// <summary>
    /// A correction of a bar emitted before: a late trade (after <see cref="BarOptions.ReorderWindow"/> and
    /// <see cref="BarOptions.LateWindow"/>) of its interval arrived, or filled the hole that flagged it. It replaces every
    /// earlier bar of the same key and <see cref="Bar.OpenTime"/>; it comes after the bars emitted since (docs/bars.md).
    /// </summary>
    Revised = 64,
}
