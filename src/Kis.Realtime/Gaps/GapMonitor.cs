using System.Runtime.CompilerServices;
using Kis.Realtime.Internal;

namespace Kis.Realtime;

/// <summary>
/// One <see cref="GapDetector"/> per TR and key of a typed trade stream, with totals and an event per gap: the hook for
/// a client's statistics, a meter or a dashboard. Feed it with <see cref="Observe"/> or wrap a stream with
/// <see cref="GapStreamExtensions.WithGapDetection{TTrade, TAccessor}"/>. Its state lives as long as it does, so a
/// monitor kept across reconnects (or resubscriptions) finds the trades lost in between; call
/// <see cref="NoteReconnect"/> to have those gaps marked. Not thread-safe: one feeder.
/// </summary>
public sealed class GapMonitor<TTrade, TAccessor>
    where TTrade : struct
    where TAccessor : ITradeAccessor<TTrade>
{
    private readonly Dictionary<(string TrId, string Key), Entry> _detectors = new();
    private readonly BarOptions _dates;

    /// <summary>A monitor; <paramref name="tradingDate"/> dates trades whose view carries no date (default: today, KST).</summary>
    public GapMonitor(DateOnly? tradingDate = null, TimeProvider? timeProvider = null) =>
        _dates = new BarOptions { TradingDate = tradingDate, TimeProvider = timeProvider ?? TimeProvider.System };

    /// <summary>Raised for every gap or overlap, on the feeding thread, after the detector's state is updated.</summary>
    public event Action<VolumeGap>? GapDetected;

    /// <summary>Gaps found (missing volume) over every TR and key.</summary>
    public long Gaps { get; private set; }
    /// <summary>Volume missed over every TR and key.</summary>
    public long MissingVolume { get; private set; }
    /// <summary>Overlaps (repeated or stale records) over every TR and key.</summary>
    public long Overlaps { get; private set; }
    /// <summary>The detectors, one per TR and key seen.</summary>
    public IEnumerable<GapDetector> Detectors => _detectors.Values.Select(e => e.Detector);

    /// <summary>Marks a reconnect on every detector: their next gaps are reported <see cref="VolumeGap.AcrossReconnect"/>.</summary>
    public void NoteReconnect()
    {
        foreach (var entry in _detectors.Values) entry.Detector.NoteReconnect();
    }

    /// <summary>Checks one trade; true with the gap (also raised as <see cref="GapDetected"/>) when one was found.</summary>
    public bool Observe(in TTrade trade, out VolumeGap gap)
    {
        gap = default;
        if (!TAccessor.IsTrade(trade)) return false;
        var id = (TAccessor.TrId(trade), TAccessor.Key(trade));
        if (!_detectors.TryGetValue(id, out var entry)) _detectors.Add(id, entry = new Entry(new GapDetector(id.Item1, id.Item2)));
        var at = TAccessor.Time(trade);
        var firstDate = entry.Clock.HasDate ? (DateOnly?)null : KstDayClock.FirstDate(entry.Detector.Calendar, _dates.TradingDate, at, _dates.TimeProvider);
        var time = KstDayClock.ToKst(entry.Clock.Ticks(entry.Detector.Calendar, TAccessor.Date(trade), at, firstDate, _dates.TimeProvider));
        if (!entry.Detector.Observe(time, TAccessor.Volume(trade), TAccessor.CumulativeVolume(trade), out gap)) return false;
        if (gap.Kind == VolumeGapKind.Missing)
        {
            Gaps++;
            MissingVolume += gap.MissingVolume;
        }
        else Overlaps++;
        GapDetected?.Invoke(gap);
        return true;
    }

    private sealed class Entry(GapDetector detector)
    {
        public readonly GapDetector Detector = detector;
        public KstDayClock Clock;
    }
}

/// <summary>Factories of <see cref="GapMonitor{TTrade, TAccessor}"/> for the library's trade views.</summary>
public static class GapMonitor
{
    /// <summary>For <see cref="StockTrade"/> (H0STCNT0, H0NXCNT0, H0UNCNT0, H0STOUP0: one detector per TR and stock).</summary>
    public static GapMonitor<StockTrade, StockTradeAccessor> ForStockTrades(DateOnly? tradingDate = null) => new(tradingDate);
    /// <summary>For <see cref="IndexTick"/> (H0UPCNT0: acml_vol against pcas_vol).</summary>
    public static GapMonitor<IndexTick, IndexTickAccessor> ForIndexTicks(DateOnly? tradingDate = null) => new(tradingDate);
    /// <summary>For <see cref="FuturesTrade"/>.</summary>
    public static GapMonitor<FuturesTrade, FuturesTradeAccessor> ForFuturesTrades(DateOnly? tradingDate = null) => new(tradingDate);
    /// <summary>For <see cref="OptionsTrade"/>.</summary>
    public static GapMonitor<OptionsTrade, OptionsTradeAccessor> ForOptionsTrades(DateOnly? tradingDate = null) => new(tradingDate);
    /// <summary>For <see cref="OverseasStockTrade"/> (tvol against evol).</summary>
    public static GapMonitor<OverseasStockTrade, OverseasStockTradeAccessor> ForOverseasStockTrades(DateOnly? tradingDate = null) => new(tradingDate);
}

/// <summary>Gap detection over a typed stream, passing every trade through.</summary>
public static class GapStreamExtensions
{
    /// <summary>
    /// Passes every trade through after checking it with <paramref name="monitor"/> (gaps raised as its
    /// <see cref="GapMonitor{TTrade, TAccessor}.GapDetected"/> event).
    /// </summary>
    public static async IAsyncEnumerable<TTrade> WithGapDetection<TTrade, TAccessor>(this IAsyncEnumerable<TTrade> trades,
        GapMonitor<TTrade, TAccessor> monitor, [EnumeratorCancellation] CancellationToken cancellationToken = default)
        where TTrade : struct
        where TAccessor : ITradeAccessor<TTrade>
    {
        ArgumentNullException.ThrowIfNull(trades);
        ArgumentNullException.ThrowIfNull(monitor);
        await foreach (var trade in trades.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            monitor.Observe(trade, out _);
            yield return trade;
        }
    }
}
