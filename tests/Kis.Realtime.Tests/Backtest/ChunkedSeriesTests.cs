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

    [Fact]
    public void Rows_of_any_size_span_chunks_and_a_prefix_keeps_the_count_it_was_taken_with()
    {
        // A fill row is about 140 bytes: its chunks hold fewer rows, still under the large object heap's threshold.
        var rows = new ChunkedSeries<(decimal A, decimal B, decimal C, decimal D, decimal E, long Index)>();
        var length = ChunkedSeries<(decimal, decimal, decimal, decimal, decimal, long)>.ChunkLength;
        Assert.InRange(length * 88, 1, 85_000);
        var count = length * 3 + 1;
        for (var i = 0; i < count; i++) rows.Add((i, 0, 0, 0, 0, i));
        rows.At(length) = (-1, 0, 0, 0, 0, length); // a call's row, replaced when it arrives

        var prefix = rows.Prefix();
        rows.Add((0, 0, 0, 0, 0, count));

        Assert.Equal(count, prefix.Count);
        Assert.Equal(count + 1, rows.Count);
        Assert.Equal(Enumerable.Range(0, count).Select(i => (long)i), prefix.Select(r => r.Index));
        Assert.Equal(-1, prefix[length].A);
        Assert.Throws<ArgumentOutOfRangeException>(() => prefix[count]);
        var projected = new ProjectedList<(decimal, decimal, decimal, decimal, decimal, long Index), long>(prefix, r => r.Index * 2);
        Assert.Equal(count, projected.Count);
        Assert.Equal(2L * (count - 1), projected[count - 1]);
    }
}
