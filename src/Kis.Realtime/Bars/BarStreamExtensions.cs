using System.Runtime.CompilerServices;
using Kis.Realtime.Internal;

namespace Kis.Realtime;

/// <summary>
/// Bars from any typed trade stream (a direct subscription, the gateway, a replay): <c>await foreach (var bar in
/// trades.ToBarsAsync(BarSpec.Minutes(1)))</c>. One <see cref="BarAggregator{TTrade, TAccessor}"/> per key; closed bars
/// in order per key, and with <see cref="BarOptions.FormingUpdates"/> the forming bar after every trade.
/// </summary>
public static class BarStreamExtensions
{
    /// <summary>Bars of domestic stock trades (KRX, NXT, unified, after-hours).</summary>
    public static IAsyncEnumerable<Bar> ToBarsAsync(this IAsyncEnumerable<StockTrade> trades, BarSpec spec, BarOptions? options = null,
        CancellationToken cancellationToken = default) =>
        trades.ToBarsAsync<StockTrade, StockTradeAccessor>(spec, options, cancellationToken);

    /// <summary>Bars of index ticks (expected values skipped).</summary>
    public static IAsyncEnumerable<Bar> ToBarsAsync(this IAsyncEnumerable<IndexTick> ticks, BarSpec spec, BarOptions? options = null,
        CancellationToken cancellationToken = default) =>
        ticks.ToBarsAsync<IndexTick, IndexTickAccessor>(spec, options, cancellationToken);

    /// <summary>Bars of futures trades.</summary>
    public static IAsyncEnumerable<Bar> ToBarsAsync(this IAsyncEnumerable<FuturesTrade> trades, BarSpec spec, BarOptions? options = null,
        CancellationToken cancellationToken = default) =>
        trades.ToBarsAsync<FuturesTrade, FuturesTradeAccessor>(spec, options, cancellationToken);

    /// <summary>Bars of options trades.</summary>
    public static IAsyncEnumerable<Bar> ToBarsAsync(this IAsyncEnumerable<OptionsTrade> trades, BarSpec spec, BarOptions? options = null,
        CancellationToken cancellationToken = default) =>
        trades.ToBarsAsync<OptionsTrade, OptionsTradeAccessor>(spec, options, cancellationToken);

    /// <summary>Bars of overseas stock trades (KST times).</summary>
    public static IAsyncEnumerable<Bar> ToBarsAsync(this IAsyncEnumerable<OverseasStockTrade> trades, BarSpec spec, BarOptions? options = null,
        CancellationToken cancellationToken = default) =>
        trades.ToBarsAsync<OverseasStockTrade, OverseasStockTradeAccessor>(spec, options, cancellationToken);

    /// <summary>Bars of any trade view with an <see cref="ITradeAccessor{TTrade}"/>.</summary>
    public static async IAsyncEnumerable<Bar> ToBarsAsync<TTrade, TAccessor>(this IAsyncEnumerable<TTrade> trades, BarSpec spec,
        BarOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
        where TTrade : struct
        where TAccessor : ITradeAccessor<TTrade>
    {
        ArgumentNullException.ThrowIfNull(trades);
        options ??= BarOptions.Default;
        // Insertion order: at the end, keys are flushed in the order they first appeared.
        var aggregators = new List<BarAggregator<TTrade, TAccessor>>();
        var byKey = new Dictionary<string, BarAggregator<TTrade, TAccessor>>(StringComparer.Ordinal);
        if (options.SeedBars is { } seed)
            foreach (var group in seed.GroupBy(b => b.Key, StringComparer.Ordinal))
                Create(group.Key).Seed(group);

        string? lastKey = null;
        BarAggregator<TTrade, TAccessor>? current = null;
        await using (var clocked = new ClockedTrades<TTrade>(trades, options.TimeProvider, cancellationToken))
        {
            while (true)
            {
                var next = await clocked.NextAsync(EarliestClockClose()).ConfigureAwait(false);
                if (next == ClockedNext.End) break;
                if (next == ClockedNext.Due)
                {
                    foreach (var aggregator in aggregators)
                        if (aggregator.CloseByClock())
                            while (aggregator.TryTakeClosed(out var bar)) yield return bar;
                    continue;
                }
                var trade = clocked.Current;
                var key = TAccessor.Key(trade);
                if (!ReferenceEquals(key, lastKey) || current is null)
                {
                    current = byKey.TryGetValue(key, out var found) ? found : Create(key);
                    lastKey = key;
                }
                if (current.Add(trade))
                    while (current.TryTakeClosed(out var bar)) yield return bar;
                if (options.FormingUpdates && current.TryGetForming(out var forming)) yield return forming;
            }
        }
        if (!options.FlushAtEnd) yield break;
        foreach (var aggregator in aggregators)
        {
            aggregator.Complete();
            while (aggregator.TryTakeClosed(out var bar)) yield return bar;
        }

        // The earliest clock close of any key's forming bar (null without BarOptions.ClockCloseGrace).
        DateTimeOffset? EarliestClockClose()
        {
            if (options.ClockCloseGrace is null) return null;
            DateTimeOffset? earliest = null;
            foreach (var aggregator in aggregators)
                if (aggregator.ClockCloseDue() is { } due && (earliest is null || due < earliest)) earliest = due;
            return earliest;
        }

        BarAggregator<TTrade, TAccessor> Create(string key)
        {
            var aggregator = new BarAggregator<TTrade, TAccessor>(spec, options);
            aggregators.Add(aggregator);
            byKey.Add(key, aggregator);
            return aggregator;
        }
    }
}
