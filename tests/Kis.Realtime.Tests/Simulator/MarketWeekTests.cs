using Kis.Realtime.Internal;
using Kis.Realtime.Protocol;
using Kis.Realtime.Simulator;
using Kis.Realtime.Simulator.Market;

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

    /// <summary>A trade record: its time (KST: the date of the market clock, the record's own time; overseas: kymd/khms).</summary>
    internal static Trade Decode(string trId, string key, DateTime date, ReadOnlySpan<byte> record)
    {
        var tr = Tr(trId);
        if (trId == "HDFSCNT0" && OverseasStockTrade.TryDecode(tr, record, out var us, out _))
            return new Trade(trId, key, new DateTimeOffset(us.KoreaDate!.Value.ToDateTime(us.KoreaTime), Kst), 0, us.Volume, us.CumulativeVolume);
        (TimeOnly time, long price, long volume, long accumulated) =
            trId == "H0UPCNT0" && IndexTick.TryDecode(tr, record, out var tick, out _) ? (tick.Time, 0L, tick.TickVolume, tick.CumulativeVolume)
            : trId is "H0IFCNT0" or "H0MFCNT0" && FuturesTrade.TryDecode(tr, record, out var f, out _) ? (f.Time, 0L, f.Volume, f.CumulativeVolume)
            : StockTrade.TryDecode(tr, record, out var s, out _) ? (s.Time, (long)s.Price, s.Volume, s.CumulativeVolume)
            : throw new InvalidOperationException($"{trId}: undecodable record");
        return new Trade(trId, key, new DateTimeOffset(date + time.ToTimeSpan(), Kst), price, volume, accumulated);
    }

    /// <summary>
    /// Runs the market from the wall clock's start until <paramref name="until"/> (market time), a market minute per step;
    /// every open feed sends <paramref name="perStep"/> records a step. Returns every trade, in the order generated.
    /// </summary>
    internal static List<Trade> Run(SimulatedMarket market, ManualTimeProvider wall, (string Tr, string Key)[] feeds, DateTime until,
        int perStep = 2, TimeSpan? step = null, IReadOnlyDictionary<string, int>? perStepOf = null)
        => [.. RunRaw(market, wall, feeds, until, perStep, step,
            perStepOf).Select(r => Decode(r.TrId, r.Key, r.At.Date, System.Text.Encoding.UTF8.GetBytes(r.Record)))];

    /// <summary>As <see cref="Run"/>: every record as sent, with the market time it was written at.</summary>
    internal static List<(string TrId, string Key, DateTime At, string Record)> RunRaw(SimulatedMarket market, ManualTimeProvider wall,
        (string Tr, string Key)[] feeds, DateTime until, int perStep = 2, TimeSpan? step = null, IReadOnlyDictionary<string, int>? perStepOf = null)
    {
        var trades = new List<(string, string, DateTime, string)>();
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
                var n = instrument.WriteRecords(ref writer, at == now ? perStepOf?.GetValueOrDefault(instrument.Tr.Id, perStep) ?? perStep : 1, time);
                if (n == 0) continue;
                Assert.True(RecordSplitter.TryCreate(writer.WrittenSpan, n, instrument.Tr.Fields.Count, out var records, out _));
                while (records.TryNext(out var r)) trades.Add((instrument.Tr.Id, instrument.Key, time, System.Text.Encoding.UTF8.GetString(r)));
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

    /// <summary>A record's field <paramref name="name"/>, as sent.</summary>
    internal static string Field(string trId, string record, string name)
    {
        var index = Tr(trId).Fields.Select(f => f.Name).ToList().IndexOf(name);
        Assert.True(index >= 0, $"{trId} has no {name}");
        return record.Split('^')[index];
    }

    private static DateOnly Date(string yyyymmdd) => DateOnly.ParseExact(yyyymmdd, "yyyyMMdd", System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public void A_demo_week_dates_US_and_night_records_on_their_own_markets_trading_days_with_no_false_gap()
    {
        // Thursday to Wednesday night, across a weekend: every demo day is one trading day of each market, read from
        // the records as a client reads them (HDFSCNT0: tymd, xymd and kymd+khms; the night future has only a time).
        var wall = new ManualTimeProvider(new DateTimeOffset(2026, 11, 26, 10, 0, 0, Kst));
        var market = new SimulatedMarket(SimulatorOptions.Default with { TimeProvider = wall, ClockSpeed = 1200, Seed = 7 });
        (string Tr, string Key)[] feeds = [("HDFSCNT0", "DNASAAPL"), ("H0MFCNT0", "101W12000")];
        var raw = RunRaw(market, wall, feeds, until: new DateTime(2026, 12, 2, 19, 59, 0));
        DateOnly[] demoDays = [new(2026, 11, 26), new(2026, 11, 27), new(2026, 11, 30), new(2026, 12, 1), new(2026, 12, 2)];
        // The US market stamps each demo day on a trading day of its own: Thanksgiving (11-26) is no NYSE day, so the
        // first demo day shows the day after (closing at 13:00, its after-market at 17:00: those records end at 17:00
        // New York), and the days after it stay one ahead.
        DateOnly[] usDays = [new(2026, 11, 27), new(2026, 11, 30), new(2026, 12, 1), new(2026, 12, 2), new(2026, 12, 3)];

        // US: the trading day (tymd), the New York date (xymd) and the client's trading day of the KST stamp agree.
        var us = new List<(DateOnly Day, Trade Trade)>();
        foreach (var (_, key, _, record) in raw.Where(r => r.TrId == "HDFSCNT0"))
        {
            var tymd = Date(Field("HDFSCNT0", record, "tymd"));
            Assert.Equal(tymd, Date(Field("HDFSCNT0", record, "xymd")));
            var trade = Decode("HDFSCNT0", key, default, System.Text.Encoding.UTF8.GetBytes(record));
            Assert.Equal(tymd, MarketCalendar.UsStocks.TradingDayOf(trade.Time));
            Assert.True(MarketCalendar.UsStocks.IsOpen(trade.Time), $"{trade} outside the US sessions");
            us.Add((tymd, trade));
        }
        // Night: dated as the client dates a dateless record (KstDayClock), the session's trading day by the calendar.
        var night = new List<(DateOnly Day, Trade Trade)>();
        var clock = new KstDayClock();
        foreach (var (_, key, _, record) in raw.Where(r => r.TrId == "H0MFCNT0"))
        {
            var trade = Decode("H0MFCNT0", key, new DateTime(2000, 1, 1), System.Text.Encoding.UTF8.GetBytes(record));
            var time = TimeOnly.FromTimeSpan(trade.Time.TimeOfDay);
            var kst = KstDayClock.ToKst(clock.Ticks(MarketCalendar.KrxNightDerivatives, null, time,
                clock.HasDate ? null : KstDayClock.FirstDate(MarketCalendar.KrxNightDerivatives, null, time, wall), wall));
            Assert.True(MarketCalendar.KrxNightDerivatives.IsOpen(kst), $"{kst} outside the night session");
            night.Add((MarketCalendar.KrxNightDerivatives.TradingDayOf(kst), trade with { Time = kst }));
        }

        var lastOfEarlyClose = us.Where(t => t.Day == new DateOnly(2026, 11, 27)).Max(t => MarketCalendar.UsStocks.ToMarketTime(t.Trade.Time).TimeOfDay);
        Assert.True(lastOfEarlyClose >= new TimeSpan(16, 55, 0) && lastOfEarlyClose < new TimeSpan(17, 0, 0),
            $"last US trade of 11-27 at {lastOfEarlyClose} New York");
        foreach (var (name, trades, days) in new[] { ("HDFSCNT0", us, usDays), ("H0MFCNT0", night, demoDays) })
        {
            Assert.True(trades.Count > 2_000, $"{name}: {trades.Count} trades");
            Assert.Equal(days, trades.Select(t => t.Day).Distinct());
            // The cumulative volume restarts once per trading day: at its first trade, and never within it.
            for (var i = 1; i < trades.Count; i++)
            {
                var (previous, t) = (trades[i - 1], trades[i]);
                if (t.Day != previous.Day) Assert.Equal(t.Trade.Volume, t.Trade.Accumulated);
                else Assert.True(t.Trade.Accumulated == previous.Trade.Accumulated + t.Trade.Volume, $"{name}: {previous.Trade} then {t.Trade}");
            }
            var detector = new GapDetector(name, trades[0].Trade.Key);
            foreach (var (_, t) in trades)
                Assert.False(detector.Observe(t.Time, t.Volume, t.Accumulated, out var gap), $"{name}: {gap}");
            Assert.Equal(days.Length - 1, detector.Resets);
        }
    }

    [Theory]
    [InlineData(2, 2, 2)] // the unified feed sends what KRX's and NXT's made
    [InlineData(2, 1, 6)] // the unified feed makes trades too: KRX's and NXT's feeds send them
    [InlineData(0, 0, 3)] // only the unified feed is subscribed
    public void Unified_trades_are_exactly_KRX_s_and_NXT_s_and_its_volume_their_sum_every_minute(int krxPerStep, int nxtPerStep, int unifiedPerStep)
    {
        var wall = new ManualTimeProvider(new DateTimeOffset(2026, 11, 27, 10, 0, 0, Kst)); // a Friday: the next day is Monday
        var market = new SimulatedMarket(SimulatorOptions.Default with { TimeProvider = wall, ClockSpeed = 1200, Seed = 9 });
        var perStep = new Dictionary<string, int> { ["H0STCNT0"] = krxPerStep, ["H0NXCNT0"] = nxtPerStep, ["H0UNCNT0"] = unifiedPerStep };
        (string, string)[] feeds = [.. perStep.Where(p => p.Value > 0).Select(p => (p.Key, "005930"))];
        var trades = Run(market, wall, feeds, until: new DateTime(2026, 12, 1, 12, 0, 0), perStepOf: perStep);
        // Friday, Monday and Tuesday morning; every trade of Monday has reached every feed by Tuesday.
        var monday = trades.Where(t => t.Time.Date == new DateTime(2026, 11, 30)).ToList();
        var unified = monday.Where(t => t.TrId == "H0UNCNT0").ToList();
        Assert.True(unified.Count > 1_000, $"{unified.Count} unified trades");
        Assert.Contains(unified, t => t.Time.TimeOfDay < TimeSpan.FromHours(8.8)); // NXT's pre-market
        Assert.Contains(unified, t => t.Time.TimeOfDay > TimeSpan.FromHours(19)); // NXT's after-market
        var detector = new GapDetector("H0UNCNT0", "005930");
        foreach (var t in trades.Where(t => t.TrId == "H0UNCNT0"))
            Assert.False(detector.Observe(t.Time, t.Volume, t.Accumulated, out var gap), $"{gap}");
        if (krxPerStep == 0) return;

        static string Key(Trade t) => $"{t.Time:HHmmss} {t.Price} {t.Volume}";
        // Up to the day's last market minute: the unified feed's trades made after NXT's last step of the day are
        // never sent on NXT's feed (this test's clock jumps from 20:00 to the next morning in one step).
        var venues = monday.Where(t => t.TrId != "H0UNCNT0" && t.Time.TimeOfDay < new TimeSpan(19, 59, 0)).ToList();
        unified = [.. unified.Where(t => t.Time.TimeOfDay < new TimeSpan(19, 59, 0))];
        // The same trades (time, price, volume), each venue's in its own order within the unified feed.
        Assert.Equal(venues.Select(Key).Order(), unified.Select(Key).Order());
        foreach (var venue in new[] { "H0STCNT0", "H0NXCNT0" })
            Assert.True(IsSubsequence(venues.Where(t => t.TrId == venue).Select(Key).ToList(), unified.Select(Key).ToList()), venue);
        // Per minute: unified volume == KRX + NXT; cumulative volumes: the day's last unified == KRX's + NXT's last.
        var byMinute = (IEnumerable<Trade> ts) => ts.GroupBy(t => t.Time.ToString("HH:mm")).ToDictionary(g => g.Key, g => g.Sum(t => t.Volume));
        var krx = byMinute(venues.Where(t => t.TrId == "H0STCNT0"));
        var nxt = byMinute(venues.Where(t => t.TrId == "H0NXCNT0"));
        var both = byMinute(unified);
        Assert.True(both.Count > 600, $"{both.Count} minutes");
        foreach (var (minute, volume) in both)
            Assert.True(volume == krx.GetValueOrDefault(minute) + nxt.GetValueOrDefault(minute),
                $"{minute}: unified {volume} != KRX {krx.GetValueOrDefault(minute)} + NXT {nxt.GetValueOrDefault(minute)}");
        Assert.Equal(krx.Keys.Union(nxt.Keys).Order(), both.Keys.Order());
        Assert.Equal(venues.Last(t => t.TrId == "H0STCNT0").Accumulated + venues.Last(t => t.TrId == "H0NXCNT0").Accumulated, unified[^1].Accumulated);
    }

    private static bool IsSubsequence(List<string> part, List<string> whole)
    {
        var i = 0;
        foreach (var w in whole)
            if (i < part.Count && part[i] == w) i++;
        return i == part.Count;
    }
}
