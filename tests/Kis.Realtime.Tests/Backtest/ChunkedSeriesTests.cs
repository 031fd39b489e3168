using Kis.Realtime.Simulator.Backtest;

namespace Kis.Realtime.Tests.Backtest;

/// <summary>A backtest's equity and price series: a day's points across many chunks read back as one list.</summary>
public class ChunkedSeriesTests
{
    [Fact]
    public void Points_across_chunks_read_back_in_order_and_the_last_one_can_be_replaced()
    {
        var series = new ChunkedSeries<(long Second, decimal Value)>();
        var count = ChunkedSeries<(long, decimal)>.ChunkLength * 2 + 5; // into a third chunk
        for (var i = 0; i < count; i++)
        {
            series.Add((i, i));
            if (i % 2 == 0) series.Last = (i, -i); // the driver's point a second: replaced while the second lasts
        }

        Assert.Equal(count, series.Count);
        var expected = Enumerable.Range(0, count).Select(i => ((long)i, i % 2 == 0 ? -(decimal)i : i)).ToList();
        Assert.Equal(expected, series);
        Assert.Equal(expected, Enumerable.Range(0, count).Select(i => series[i]));
        Assert.Throws<ArgumentOutOfRangeException>(() => series[count]);
        Assert.Throws<ArgumentOutOfRangeException>(() => series[-1]);
        Assert.Throws<InvalidOperationException>(() => new ChunkedSeries<int>().Last);
    }
}
