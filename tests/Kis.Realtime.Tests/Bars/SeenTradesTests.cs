using Kis.Realtime.Internal;

namespace Kis.Realtime.Tests.Bars;

/// <summary>
/// The trades a day has seen (<see cref="SeenTrades"/>), kept as a sorted array for those in tape order and a hash set for
/// the rest: a repeat is found wherever its trade went, and a record differing in any field is not one.
/// </summary>
public sealed class SeenTradesTests
{
    [Fact]
    public void Finds_trades_in_order_late_and_at_one_cumulative_volume_and_nothing_else()
    {
        var seen = new SeenTrades();
        var inOrder = Enumerable.Range(1, 5_000).Select(i => new TradeIdentity(i * 10L, 10, 70_000m + i % 3, i)).ToList();
        foreach (var t in inOrder.Where(t => t.Accumulated % 70 != 0)) seen.Add(t); // every 7th lost
        var late = inOrder.Where(t => t.Accumulated % 70 == 0 && t.Accumulated % 140 == 0).ToList(); // half of them come late
        foreach (var t in late) seen.Add(t);
        var priceOnly = new TradeIdentity(50_000, 0, 69_900m, 5_000); // a price change alone, at the tape's cumulative volume
        seen.Add(priceOnly);

        Assert.Equal(50_000, seen.High);
        Assert.All(inOrder.Where(t => t.Accumulated % 70 != 0 || t.Accumulated % 140 == 0), t => Assert.True(seen.Contains(t), $"{t}"));
        Assert.True(seen.Contains(priceOnly));
        Assert.All(inOrder.Where(t => t.Accumulated % 70 == 0 && t.Accumulated % 140 != 0), t => Assert.False(seen.Contains(t), $"{t}"));
        Assert.False(seen.Contains(inOrder[99] with { Price = 1m })); // its cumulative volume, another price: not a repeat
        Assert.False(seen.Contains(inOrder[99] with { Local = 0 }));

        seen.Clear();
        Assert.Equal(0, seen.High);
        Assert.False(seen.Contains(inOrder[0]));
    }
}
