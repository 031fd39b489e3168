using System.Text;
using Kis.Realtime.Simulator;
using Kis.Realtime.Tests.Simulator;

namespace Kis.Realtime.Tests.Bars;

/// <summary>
/// Gap detection over the simulator's own records (stock trades of the three venues and index ticks): no gap where
/// nothing was dropped, and every record dropped here (standing in for a lost frame) found with its exact volume.
/// </summary>
public sealed class SimulatedGapTests
{
    public static TheoryData<string, string> Streams => new()
    {
        { "H0STCNT0", "005930" },
        { "H0NXCNT0", "035720" },
        { "H0UNCNT0", "000660" },
        { "H0UPCNT0", "0001" },
    };

    [Theory]
    [MemberData(nameof(Streams))]
    public async Task Every_dropped_record_is_found_and_no_gap_is_reported_where_none_was_made(string trId, string key)
    {
        await using var sim = await Sim.StartAsync(o => o with { Pace = MarketPace.FlatOut, MaxRecordsPerFrame = 20, Seed = 11 });
        await using var c = await Sim.ClientAsync(sim);
        await c.SubscribeAsync(trId, key);
        using var session = new SessionRecords();
        await session.ReadUntilAsync(c, r => r.Count(trId) >= 1500);
        Assert.True(KisTrs.TryGet(trId, out var tr));
        var records = session.Of(trId).Select(r => Encoding.UTF8.GetBytes(r)).ToList();

        if (trId == "H0UPCNT0")
        {
            var ticks = records.Select(r => IndexTick.TryDecode(tr, r, out var v, out _) ? v : throw new InvalidDataException()).ToList();
            Check(GapMonitor.ForIndexTicks(), ticks, t => t.TickVolume);
        }
        else
        {
            var trades = records.Select(r => StockTrade.TryDecode(tr, r, out var v, out _) ? v : throw new InvalidDataException()).ToList();
            Check(GapMonitor.ForStockTrades(), trades, t => t.Volume);
        }
    }

    private static void Check<TTrade, TAccessor>(GapMonitor<TTrade, TAccessor> clean, List<TTrade> all, Func<TTrade, long> volume)
        where TTrade : struct
        where TAccessor : ITradeAccessor<TTrade>
    {
        foreach (var t in all) clean.Observe(t, out _);
        Assert.Equal(0, clean.Gaps + clean.Overlaps);

        var random = new Random(5);
        var dropped = new GapMonitor<TTrade, TAccessor>();
        var found = new List<VolumeGap>();
        dropped.GapDetected += found.Add;
        var expected = new List<long>();
        var keptSinceDrop = false;
        for (var i = 0; i < all.Count; i++)
        {
            // The first record is kept: it sets the baseline, and a drop before it could not be seen.
            if (i > 0 && random.Next(20) == 0)
            {
                if (keptSinceDrop) expected.Add(volume(all[i]));
                else expected[^1] += volume(all[i]);
                keptSinceDrop = false;
                continue;
            }
            dropped.Observe(all[i], out _);
            keptSinceDrop = true;
        }
        // A drop after the last kept record is found only by a later record: none came.
        if (!keptSinceDrop) expected.RemoveAt(expected.Count - 1);
        Assert.True(expected.Count > 30);
        Assert.Equal(expected, found.Select(g => g.MissingVolume));
        Assert.Equal(0, dropped.Overlaps);
    }
}
