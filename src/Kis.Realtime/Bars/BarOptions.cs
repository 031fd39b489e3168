namespace Kis.Realtime;

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

    /// <summary>Sessions whose trades go into bars; other trades are counted as skipped. Default: all. Prefer
    /// <see cref="BarSpec.WithSessions"/> (the spec says what a bar covers); a trade must be in both.</summary>
    public TradingSessions Sessions { get; init; } = TradingSessions.All;

    /// <summary>
    /// The KST trading date for trades that carry none (index ticks, futures, options; stock trades with an empty
    /// bsop_date). Default: today in KST by <see cref="TimeProvider"/> when the first such trade arrives.
    /// </summary>
    public DateOnly? TradingDate { get; init; }

    /// <summary>
    /// Close time and day bars on the clock: a bar closes this long after its end on the market's clock (read from
    /// <see cref="TimeProvider"/>) even when no later trade arrives, so the session's last bar appears at the close; a day
    /// bar ends at the market's close (the end of the last of <see cref="Sessions"/> on its trading day). The
    /// grace lets late prints (KRX's closing print comes up to a minute after 15:30) still land in their bar; a trade of an
    /// interval already closed goes into no later bar: it is counted as late, or revises its bar (<see cref="Revisions"/>).
    /// Default null: a bar closes at the first trade of a later interval, which is what a replay needs (its trades are in
    /// the past).
    /// </summary>
    public TimeSpan? ClockCloseGrace { get; init; }

    /// <summary>
    /// How long after its end a time or day bar still takes its late trades (a trade of its interval arriving after a
    /// trade of a later one, e.g. a record the network delayed): the bar is held, not emitted, until a trade stamped at or
    /// after its end plus this window arrives (or, with <see cref="ClockCloseGrace"/>, the clock passes that point plus
    /// the grace, or the stream ends), and a late trade whose bar never formed gets that bar while its window lasts. A late
    /// trade after the window goes into no bar (<see cref="BarAggregator{TTrade, TAccessor}.LateTrades"/>), unless its bar was
    /// emitted flagged for the hole it fills: that bar comes again, revised (<see cref="Revisions"/>). Bars are
    /// emitted this much later. Default zero: a bar closes at the first trade of a later interval. Tick, volume and value
    /// bars have no window.
    /// </summary>
    public TimeSpan LateWindow { get; init; }

    /// <summary>
    /// How long a record may arrive out of exchange order (e.g. two sources or a network path that reorder records): each
    /// TR's records go into bars in cumulative-volume order. A record continuing the tape goes on at once; one after a
    /// hole waits for the hole's trades until a record received this long after it arrives (or the clock passes that
    /// point, or the stream ends), then the hole is a gap. Within the window a record whose acml_vol contradicts the tape
    /// (a corrupt value) is found and reported (<see cref="BarAggregator{TTrade, TAccessor}.CorruptRecords"/>) instead of
    /// making later trades look repeated. Measured on the receive clock (<see cref="BarAggregator{TTrade, TAccessor}.Add(in TTrade, DateTimeOffset)"/>;
    /// the trade's stamp without one). Default zero: records go on in arrival order. `kisrt bars` uses 5 s.
    /// </summary>
    public TimeSpan ReorderWindow { get; init; }

    /// <summary>
    /// A late trade (after the reorder and late windows) of a time or day bar already emitted with a gap flag, or one
    /// filling the hole that flagged it, emits that bar again, corrected and flagged <see cref="BarFlags.Revised"/>, so
    /// the last bar of each interval is flagged exactly when volume is missing from it. Default true; false: such a trade
    /// is in no bar (counted in LateTrades) and the emitted bar stays as it was.
    /// </summary>
    public bool Revisions { get; init; } = true;

    /// <summary>The clock for <see cref="TradingDate"/>'s default and <see cref="ClockCloseGrace"/>. Default: the system clock.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>
    /// Bars known before the live trades (e.g. <see cref="MinuteChartRow.ToBars(string, IEnumerable{MinuteChartRow})"/> of KIS's REST minute chart, or bars
    /// from a recording), of any keys: each key's live bars continue them without a gap or an overlap, as docs/bars.md
    /// describes (the cumulative volume of the first live trade decides).
    /// </summary>
    public IReadOnlyList<Bar>? SeedBars { get; init; }

    /// <summary>Emit each forming bar (flagged <see cref="BarFlags.EndOfStream"/>) when the trade stream ends. Default true.</summary>
    public bool FlushAtEnd { get; init; } = true;
}
