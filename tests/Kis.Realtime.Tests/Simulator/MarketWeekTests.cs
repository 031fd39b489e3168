using Kis.Realtime.Gaps;
using Kis.Realtime.Protocol;
using Kis.Realtime.Simulator;
using Kis.Realtime.Simulator.Market;
using Kis.Realtime.Trs;

namespace Kis.Realtime.Tests.Simulator;

/// <summary>
/// A simulated demo week on an injected clock (speed 1200: a market minute every 50 ms of the fake clock), the
/// simulator's market driven as its sessions drive it (records while a TR's hours are open, owed closing prints),
/// and every trade checked with the library's gap detector: day totals start again each trading day, weekends do not
/// trade, and the unified feed is KRX + NXT.
/// </summary>
public sealed class MarketWeekTests
{
    private static readonly TimeSpan Kst = TimeSpan.FromHours(9);

    private static readonly (string Tr, string Key)[] Feeds =
    [
        ("H0STCNT0", "005930"), ("H0NXCNT0", "005930"), ("H0UNCNT0", "005930"), ("H0UPCNT0", "0001"), ("H0IFCNT0", "101W12000"),
        ("H0STCNT0", "000660"), ("H0UNCNT0", "000660"),
    ];

    private static TrDefinition Tr(string id) => KisTrs.TryGet(id, out var tr) ? tr : throw new ArgumentException(id);

    /// <summary>One trade as a client reads it: its KST time (the date from the market clock), volume and cumulative volume.</summary>
    internal readonly record struct Trade(string TrId, string Key, DateTimeOffset Time, long Price, long Volume, long Accumulated);

    private static Trade Decode(string trId, string key, DateTime date, ReadOnlySpan<byte> record)
    {
        var tr = Tr(trId);
        (TimeOnly time, long price, long volume, long accumulated) =
            trId == "H0UPCNT0" && IndexTick.TryDecode(tr, record, out var tick, out _) ? (tick.Time, 0L, tick.TickVolume, tick.AccumulatedVolume)
            : trId == "H0IFCNT0" && FuturesTrade.TryDecode(tr, record, out var f, out _) ? (f.Time, 0L, f.Volume, f.AccumulatedVolume)
            : StockTrade.TryDecode(tr, record, out var s, out _) ? (s.Time, (long)s.Price, s.Volume, s.AccumulatedVolume)
            : throw new InvalidOperationException($"{trId}: undecodable record");
        return new Trade(trId, key, new DateTimeOffset(date + time.ToTimeSpan(), Kst), price, volume, accumulated);
    }

    /// <summary>
    /// Runs the market from the wall clock's start until <paramref name="until"/> (market time), a market minute per step;
    /// every open feed sends <paramref name="perStep"/> records a step. Returns every trade, in the order generated.
    /// </summary>
    internal static List<Trade> Run(SimulatedMarket market, ManualTimeProvider wall, (string Tr, string Key)[] feeds, DateTime until,
        int perStep = 2, TimeSpan? step = null)
    {
        var trades = new List<Trade>();
        var instruments = feeds.Select(f => market.Get(Tr(f.Tr), f.Key)).ToArray();
        var buffer = new byte[64 * 1024];
        while (true)
        {
            wall.Advance(step ?? TimeSpan.FromMilliseconds(50));
            var now = market.Clock.Now();
            if (now >= until) return trades;
            foreach (var instrument in instruments)
            {
                var at = instrument.Hours.IsOpen(now) ? now : instrument.OwedAt(now);
                if (at is not { } time) continue;
                var writer = new RecordWriter(buffer);
                var n = instrument.WriteRecords(ref writer, at == now ? perStep : 1, time);
                if (n == 0) continue;
                Assert.True(RecordSplitter.TryCreate(writer.WrittenSpan, n, instrument.Tr.Fields.Count, out var records, out _));
                while (records.TryNext(out var r)) trades.Add(Decode(instrument.Tr.Id, instrument.Key, time.Date, r));
            }
        }
    }

    [Fact]
    public void A_demo_week_has_no_false_gap_at_day_boundaries_and_no_trade_on_a_weekend()
    {
        var wall = new ManualTimeProvider(new DateTimeOffset(2026, 11, 26, 10, 0, 0, Kst)); // a Thursday
        var market = new SimulatedMarket(SimulatorOptions.Default with { TimeProvider = wall, ClockSpeed = 1200, Seed = 7 });
        var trades = Run(market, wall, Feeds, until: new DateTime(2026, 12, 2, 19, 59, 0)); // to Wednesday night: five demo days

        Assert.All(trades, t => Assert.False(t.Time.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday, $"{t}"));
        foreach (var feed in Feeds)
        {
            var mine = trades.Where(t => (t.TrId, t.Key) == feed).ToList();
            var days = mine.Select(t => t.Time.Date).Distinct().ToList();
            Assert.Equal([new(2026, 11, 26), new(2026, 11, 27), new(2026, 11, 30), new(2026, 12, 1), new(2026, 12, 2)], days);
            var detector = new GapDetector(feed.Tr, feed.Key);
            var gaps = new List<VolumeGap>();
            foreach (var t in mine)
                if (detector.Observe(t.Time, t.Volume, t.Accumulated, out var gap)) gaps.Add(gap);
            Assert.True(gaps.Count == 0, $"{feed}: {string.Join("; ", gaps.Take(5))}");
            Assert.Equal(days.Count - 1, detector.Resets);
            // Each day's first trade carries the day's whole volume so far: its own.
            foreach (var first in mine.GroupBy(t => t.Time.Date).Skip(1).Select(g => g.First()))
                Assert.Equal(first.Volume, first.Accumulated);
        }
    }
}
