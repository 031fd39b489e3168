namespace Kis.Realtime.Tests.Bars;

/// <summary>Seeded bars are shown when the first live trade joins them, not when the first live bar closes (issue #59).</summary>
public class BarSeedShownAtOnceTests
{
    private static readonly MinuteChartRow[] SeedRows =
    [
        new("20261123", "090200", "101", "100", "101", "100", "3", "1795"),
        new("20261123", "090100", "100", "99", "100", "98", "5", "1492"),
        new("20261123", "090000", "99", "100", "100", "99", "10", "995"),
    ];

    [Fact]
    public void The_first_live_trade_reports_the_seeded_bars_before_it_as_closed()
    {
        var s = new Trades { Accumulated = 10 + 5 + 3 };
        var aggregator = new BarAggregator<StockTrade, StockTradeAccessor>(BarSpec.Minutes(1));
        aggregator.Seed(MinuteChartRow.ToBars("005930", SeedRows));

        // Failed before: false, so a caller that takes bars when Add says so (AddAllAsync, kisrt bars) showed the seed
        // only when the first live bar closed, up to a minute later.
        Assert.True(aggregator.Add(s.At("09:02:40", 102, 4)));
        var closed = new List<Bar>();
        while (aggregator.TryTakeClosed(out var b)) closed.Add(b);
        Assert.Equal(["09:00 Seeded", "09:01 Seeded"], closed.Select(b => $"{b.OpenTime:HH:mm} {b.Flags}"));
    }

    [Fact]
    public async Task A_live_stream_yields_the_seeded_bars_at_its_first_trade()
    {
        var s = new Trades { Accumulated = 10 + 5 + 3 };
        var aggregator = new BarAggregator<StockTrade, StockTradeAccessor>(BarSpec.Minutes(1));
        aggregator.Seed(MinuteChartRow.ToBars("005930", SeedRows));
        var trades = System.Threading.Channels.Channel.CreateUnbounded<StockTrade>();
        await using var bars = aggregator.AddAllAsync(trades.Reader.ReadAllAsync()).GetAsyncEnumerator();

        trades.Writer.TryWrite(s.At("09:02:40", 102, 4)); // one trade, its minute still forming: no live bar closes
        Assert.True(await bars.MoveNextAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal("09:00 Seeded", $"{bars.Current.OpenTime:HH:mm} {bars.Current.Flags}");
        trades.Writer.Complete();
    }
}
