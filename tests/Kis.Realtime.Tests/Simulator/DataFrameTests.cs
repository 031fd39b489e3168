using System.Text;
using Kis.Realtime.Protocol;
using Kis.Realtime.Simulator;

namespace Kis.Realtime.Tests.Simulator;

public sealed class DataFrameTests
{
    private static List<T> Decode<T>(byte[] frame, TrDefinition tr, FrameDecoder decoder) where T : struct, IKisRecord<T>
    {
        Assert.True(DataFrame.TryParse(frame, out var f, out var err), err.ToString());
        Assert.True(decoder.TryOpen(f, out var def, out var records, out err), err.ToString());
        Assert.Equal(tr, def);
        var list = new List<T>();
        while (records.TryNext(out var r))
        {
            Assert.True(T.TryDecode(def, r, out var value, out err), $"{err} in {Encoding.UTF8.GetString(r)}");
            list.Add(value);
        }
        Assert.Equal(f.RecordCount, list.Count);
        return list;
    }

    [Fact]
    public async Task Index_ticks_decode_and_keep_the_documented_relations()
    {
        await using var sim = await Sim.StartAsync(o => o with { Pace = MarketPace.FlatOut, MaxRecordsPerFrame = 50 });
        await using var c = await Sim.ClientAsync(sim);
        Assert.Equal(OpspCode.SubscribeSuccess, (await c.RequestAsync("H0UPCNT0", "0001")).Code);
        using var decoder = new FrameDecoder();
        var ticks = Decode<IndexTick>((await c.NextDataAsync("H0UPCNT0")).Data, KisTrs.IndexTicks, decoder);
        Assert.Equal(50, ticks.Count); // a multi-record frame
        var prev = ticks[0].PreviousClose;
        foreach (var t in ticks)
        {
            Assert.Equal("0001", t.IndexCode);
            Assert.Equal(prev, t.PreviousClose);
            Assert.Equal(t.Open - prev, t.OpenChange);
            Assert.Equal(t.High - prev, t.HighChange);
            Assert.Equal(t.Low - prev, t.LowChange);
            Assert.Equal(Math.Round((t.Open - prev) / prev * 100, 2, MidpointRounding.AwayFromZero), t.OpenChangeRate);
            Assert.Equal(Math.Round((t.High - prev) / prev * 100, 2, MidpointRounding.AwayFromZero), t.HighChangeRate);
            Assert.Equal(Math.Round((t.Low - prev) / prev * 100, 2, MidpointRounding.AwayFromZero), t.LowChangeRate);
            Assert.Equal(Math.Round(t.Change / prev * 100, 2, MidpointRounding.AwayFromZero), t.ChangeRate);
            Assert.Equal(Sign(t.Change), t.ChangeSign);
            Assert.Equal(Sign(t.HighChange), t.HighChangeSign);
            Assert.InRange(t.Value, t.Low, t.High);
        }
    }

    private static PriceChangeSign Sign(decimal d) => d > 0 ? PriceChangeSign.Rise : d < 0 ? PriceChangeSign.Fall : PriceChangeSign.Unchanged;

    [Fact]
    public async Task Bond_trades_have_korean_names_and_yields_moving_against_prices()
    {
        await using var sim = await Sim.StartAsync(o => o with { Pace = MarketPace.FlatOut, MaxRecordsPerFrame = 100 });
        await using var c = await Sim.ClientAsync(sim);
        Assert.Equal(OpspCode.SubscribeSuccess, (await c.RequestAsync("H0BJCNT0", "KR103502GD31")).Code);
        using var decoder = new FrameDecoder();
        var trades = Decode<BondTrade>((await c.NextDataAsync("H0BJCNT0")).Data, KisTrs.BondTrades, decoder);
        Assert.True(trades.Count > 1);
        foreach (var t in trades)
        {
            Assert.Equal("KR103502GD31", t.Isin);
            Assert.Matches("[가-힣]", t.Name);
            Assert.InRange(t.Price, 5_000m, 15_000m);
            Assert.Equal(t.Price - t.PreviousClose, t.Change);
            Assert.True(t.HighYield <= t.LowYield, "the high price has the low yield");
        }
        for (var i = 1; i < trades.Count; i++)
            if (trades[i].Price > trades[i - 1].Price) Assert.True(trades[i].Yield <= trades[i - 1].Yield);
            else if (trades[i].Price < trades[i - 1].Price) Assert.True(trades[i].Yield >= trades[i - 1].Yield);
    }

    [Theory]
    [InlineData("H0NXPGM0")]
    [InlineData("H0UNPGM0")]
    public async Task Program_trades_are_cumulative_with_net_relations(string trId)
    {
        await using var sim = await Sim.StartAsync(o => o with { Pace = MarketPace.FlatOut, MaxRecordsPerFrame = 20 });
        await using var c = await Sim.ClientAsync(sim);
        Assert.Equal(OpspCode.SubscribeSuccess, (await c.RequestAsync(trId, "005930")).Code);
        using var decoder = new FrameDecoder();
        KisTrs.TryGet(trId, out var tr);
        var trades = Decode<ProgramTrade>((await c.NextDataAsync(trId)).Data, tr, decoder);
        for (var i = 0; i < trades.Count; i++)
        {
            var t = trades[i];
            Assert.Equal("005930", t.StockCode);
            Assert.Equal(t.BuyVolume - t.SellVolume, t.NetBuyVolume);
            Assert.Equal(t.BuyAmount - t.SellAmount, t.NetBuyAmount);
            Assert.Equal(t.BuyOrderBookQuantity - t.SellOrderBookQuantity, t.NetOrderBookQuantity);
            if (i > 0)
            {
                Assert.True(t.SellVolume >= trades[i - 1].SellVolume);
                Assert.True(t.BuyAmount >= trades[i - 1].BuyAmount);
            }
        }
    }

    [Fact]
    public async Task Demo_pace_delivers_every_subscription_within_a_second_of_the_simulator_clock()
    {
        // On the simulator's own clock: Demo sends a subscription's first data 0.2–0.9 s after its reply. The manual
        // clock makes that exact and independent of how loaded the machine is.
        // Made-up notices: the paper venue's come only when an order does something.
        var clock = new ManualTimeProvider(new DateTimeOffset(2026, 11, 21, 0, 30, 0, TimeSpan.Zero));
        await using var sim = await Sim.StartAsync(o => o with { TimeProvider = clock, RandomNotices = true });
        await using var c = await Sim.ClientAsync(sim);
        string[][] subs = [["H0UPCNT0", "0001"], ["H0BJCNT0", "KR103502GD31"], ["H0NXPGM0", "005930"], ["H0UNPGM0", "000660"],
            ["H0IFCNI0", SimulatorOptions.DefaultHtsId]];
        foreach (var s in subs) Assert.Equal(OpspCode.SubscribeSuccess, (await c.RequestAsync(s[0], s[1])).Code);
        clock.Advance(TimeSpan.FromMilliseconds(150));
        // Nothing is due before 0.2 s.
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => c.NextDataAsync(timeout: TimeSpan.FromMilliseconds(200)));
        clock.Advance(TimeSpan.FromMilliseconds(750)); // 0.9 s after the last reply: every first record is due
        var seen = new HashSet<string>();
        while (seen.Count < subs.Length) seen.Add(Encoding.ASCII.GetString((await c.NextDataAsync()).Data, 2, 8));
    }
}

public sealed class PaceTests
{
    [Fact]
    public async Task A_rate_pace_sends_that_many_records_per_second_and_counts_them()
    {
        // On a manual clock the rate does not depend on the machine's load: 1.1 simulated seconds at 100/s make at most
        // 110 records due (the send loop may lag the clock, never get ahead of it), and at least the first second's
        // 100 must arrive (the last step wakes the loop for anything owed).
        var clock = new ManualTimeProvider(new DateTimeOffset(2026, 11, 21, 0, 30, 0, TimeSpan.Zero));
        await using var sim = await Sim.StartAsync(o => o with { TimeProvider = clock, Pace = MarketPace.PerSecond(100) });
        await using var c = await Sim.ClientAsync(sim);
        Assert.Equal(OpspCode.SubscribeSuccess, (await c.RequestAsync("H0UPCNT0", "0001")).Code);
        for (var step = 0; step < 11; step++) clock.Advance(TimeSpan.FromMilliseconds(100));
        var records = 0;
        while (records < 99)
        {
            var m = await c.NextDataAsync();
            Assert.True(DataFrame.TryParse(m.Data, out var f, out _));
            records += f.RecordCount;
        }
        Assert.InRange(sim.Counters.RecordsSent, 99, 111);
        var session = sim.Sessions.Single();
        Assert.True(session.RecordsSent >= records);
        Assert.True(session.BytesSent > session.RecordsSent * 100);
        Assert.Equal(1, sim.Counters.SessionsAccepted);
        Assert.True(sim.Counters.FramesSent >= session.FramesSent);
        Assert.Equal(sim.Counters.RecordsSent, session.RecordsSent);
    }

    [Fact]
    public async Task Demo_pace_sends_some_bursts_as_multi_record_frames()
    {
        await using var sim = await Sim.StartAsync();
        await using var c = await Sim.ClientAsync(sim);
        for (var i = 0; i < 20; i++) await c.SubscribeAsync("H0UPCNT0", $"{i:D4}");
        var sawMulti = false;
        for (var n = 0; n < 400 && !sawMulti; n++)
        {
            var m = await c.NextDataAsync();
            Assert.True(DataFrame.TryParse(m.Data, out var f, out _));
            sawMulti = f.RecordCount > 1;
        }
        Assert.True(sawMulti);
    }
}
