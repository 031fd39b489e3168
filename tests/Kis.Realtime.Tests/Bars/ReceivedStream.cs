namespace Kis.Realtime.Tests.Bars;

/// <summary>Trades fed with their receive times (the reorder buffer's tests and benchmarks' input).</summary>
internal static class ReceivedStream
{
    /// <summary>Feeds <paramref name="stream"/> in order, completes the aggregator and returns every bar it closed, in order.</summary>
    public static List<Bar> Feed(BarAggregator<StockTrade, StockTradeAccessor> aggregator,
        IEnumerable<(StockTrade Trade, DateTimeOffset Received)> stream)
    {
        var bars = new List<Bar>();
        foreach (var (trade, received) in stream)
            if (aggregator.Add(trade, received))
                while (aggregator.TryTakeClosed(out var bar)) bars.Add(bar);
        aggregator.Complete();
        while (aggregator.TryTakeClosed(out var bar)) bars.Add(bar);
        return bars;
    }
}
