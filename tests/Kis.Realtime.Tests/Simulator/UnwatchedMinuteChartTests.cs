using System.Globalization;
using System.Text;
using System.Text.Json;
using Kis.Realtime.Simulator;
using Kis.Realtime.Simulator.Market;
using Kis.Realtime.Simulator.Trading.Engine;
using Kis.Realtime.Simulator.Trading.Rules;
using Kis.Realtime.Tests.Bars;
using Kis.Realtime.Tests.Client;
using static Kis.Realtime.Tests.Simulator.MinuteChartTests;

namespace Kis.Realtime.Tests.Simulator;

/// <summary>
/// The REST minute chart of a stock nobody subscribes to (issue 76, finding 5): its trades are made when it is asked
/// about, so its chart has every minute its venue traded from the open up to the market's current minute, extends and
/// never rewrites, and joins the trades a later subscriber gets with no gap in the day's figures.
/// </summary>
public sealed class UnwatchedMinuteChartTests
{
    private const string Code = "000660";

    /// <summary>Wednesday 10:00 KST, an ordinary trading day; the held clock stands there until advanced.</summary>
    private static readonly DateTimeOffset Start = new(2026, 11, 25, 10, 0, 0, TimeSpan.FromHours(9));

    /// <summary>A seed whose day has no VI of the stock before 10:40 (a VI's minutes have no trade, hence no row).</summary>
    private static readonly int Seed = Enumerable.Range(1, 1_000).First(s => new ViSchedule(s, Code, StockVenue.Krx) is var v
        && (v.Count == 0 || v.StartOf(0) > (int)new TimeSpan(10, 40, 0).TotalSeconds));

    private sealed record Chart(List<MinuteChartTests.Bar> Bars, long Price, long Volume, long Value);

    /// <summary>The whole day's chart so far, paged back from now as a client does, oldest first, with output1's figures.</summary>
    private static async Task<Chart> DayAsync(KisSimulator sim, string token, string market)
    {
        var (_, first) = await ChartAsync(sim, token, market, Code, "235959");
        var summary = first.GetProperty("output1");
        var rows = first.GetProperty("output2").EnumerateArray().Select(Row).ToList();
        for (var page = rows; page.Count == MaxRows;)
        {
            var before = TimeOnly.ParseExact(page[^1].Hour, "HHmmss", CultureInfo.InvariantCulture).AddMinutes(-1);
            var (_, body) = await ChartAsync(sim, token, market, Code, $"{before:HHmm}59");
            page = [.. body.GetProperty("output2").EnumerateArray().Select(Row)];
            rows.AddRange(page);
        }
        rows.Reverse();
        return new Chart(rows, L(summary, "stck_prpr"), L(summary, "acml_vol"), L(summary, "acml_tr_pbmn"));
    }

    private const int MaxRows = 30;

    private static long L(JsonElement e, string name) => long.Parse(e.GetProperty(name).GetString()!, CultureInfo.InvariantCulture);

    /// <summary>Every minute from <paramref name="from"/> up to (not including) <paramref name="to"/>, as HHmm00.</summary>
    private static IEnumerable<string> Minutes(TimeOnly from, TimeOnly to)
    {
        for (var m = from; m < to; m = m.AddMinutes(1)) yield return $"{m:HHmm}00";
    }

    /// <summary>The minutes the venue trades between its open and 10:20 (NXT pauses 08:50–09:00; KRX opens at 09:00).</summary>
    private static List<string> TradedMinutes(string market) => market == "J"
        ? [.. Minutes(new(9, 0), new(10, 20))]
        : [.. Minutes(new(8, 0), new(8, 50)), .. Minutes(new(9, 0), new(10, 20))];

    private static Task<KisSimulator> StartAsync(HeldMarketTime time) => Sim.StartAsync(o => o with
    {
        MarketStart = Start, ClockSpeed = 60, TimeProvider = time, Seed = Seed, Pace = MarketPace.PerSecond(20), RandomNotices = false,
    });

    public static TheoryData<string, string> Venues => new() { { "J", "H0STCNT0" }, { "NX", "H0NXCNT0" }, { "UN", "H0UNCNT0" } };

    [Theory]
    [MemberData(nameof(Venues))]
    public async Task An_unwatched_stock_has_every_minute_up_to_now_extended_never_rewritten_and_continued_by_a_subscriber(string market,
        string trId)
    {
        var time = new HeldMarketTime();
        await using var sim = await StartAsync(time);
        var token = await TokenAsync(sim);
        // First asked at 10:00: the stock appears with its morning (the backfill), up to 09:59.
        var atTen = await DayAsync(sim, token, market);
        Assert.Equal(TradedMinutes(market).Where(m => string.CompareOrdinal(m, "100000") < 0), atTen.Bars.Select(b => b.Hour));
        // Its current price is where that morning ended. Failed before: output1's stck_prpr was the previous close until
        // the stock's first trade after it appeared, a price its chart never showed.
        Assert.Equal(atTen.Bars[^1].Close, atTen.Price);

        // Twenty market minutes later (60x: 20 s of the held clock), nobody having subscribed.
        time.Advance(TimeSpan.FromSeconds(20));
        var atTwenty = await DayAsync(sim, token, market);
        // Every minute the venue traded, from its open to the current minute (10:20 itself may have no trade yet).
        Assert.Equal(TradedMinutes(market), atTwenty.Bars.Select(b => b.Hour).Where(h => string.CompareOrdinal(h, "102000") < 0));
        Assert.All(atTwenty.Bars, b => Assert.True(string.CompareOrdinal(b.Hour, "102000") <= 0, b.Hour));
        // Extended, never rewritten: the minutes shown at 10:00 are the same, field by field.
        Assert.Equal(atTen.Bars, atTwenty.Bars.Take(atTen.Bars.Count));
        // One day: the minutes' volumes add up to the day's volume, the value only grows to the day's value, and the last
        // minute closes at the current price.
        Assert.Equal(atTwenty.Volume, atTwenty.Bars.Sum(b => b.Volume));
        Assert.Equal(atTwenty.Value, atTwenty.Bars[^1].CumulativeValue);
        Assert.Equal(atTwenty.Price, atTwenty.Bars[^1].Close);
        Assert.True(atTwenty.Bars.Zip(atTwenty.Bars.Skip(1)).All(p => p.First.CumulativeValue < p.Second.CumulativeValue));
        Assert.All(atTwenty.Bars, b => Assert.True(b.Low <= Math.Min(b.Open, b.Close) && b.High >= Math.Max(b.Open, b.Close), b.ToString()));

        // The same seed asked at other times in between: the same day (made from the seed, not from when it was asked).
        var otherTime = new HeldMarketTime();
        await using (var other = await StartAsync(otherTime))
        {
            var otherToken = await TokenAsync(other);
            foreach (var seconds in new[] { 0, 3, 4, 6, 7 }) // 10:00, 10:03, 10:07, 10:13, 10:20
            {
                otherTime.Advance(TimeSpan.FromSeconds(seconds));
                await DayAsync(other, otherToken, market);
            }
            var split = await DayAsync(other, otherToken, market);
            Assert.Equal(atTwenty.Bars, split.Bars);
            Assert.Equal((atTwenty.Price, atTwenty.Volume, atTwenty.Value), (split.Price, split.Volume, split.Value));
        }

        // A subscriber from now on: its first trade continues the chart's day (volume, value, open, high, low).
        await using var c = await Sim.ClientAsync(sim);
        Assert.Equal("OPSP0000", (await c.RequestAsync(trId, Code)).MsgCd);
        time.Run();
        using var session = new SessionRecords();
        await session.ReadUntilAsync(c, r => r.Count(trId) > 0);
        Assert.True(KisTrs.TryGet(trId, out var tr));
        Assert.True(StockTrade.TryDecode(tr, Encoding.UTF8.GetBytes(session.Of(trId)[0]), out var t, out var error), error.ToString());
        Assert.Equal(atTwenty.Volume + t.Volume, t.CumulativeVolume);
        Assert.Equal(atTwenty.Value + (long)t.Price * t.Volume, t.CumulativeTradeValue);
        Assert.Equal(atTwenty.Bars[0].Open, (long)t.Open);
        Assert.Equal(Math.Max(atTwenty.Bars.Max(b => b.High), (long)t.Price), (long)t.High);
        Assert.Equal(Math.Min(atTwenty.Bars.Min(b => b.Low), (long)t.Price), (long)t.Low);
    }

    /// <summary>KRX's minutes from 10:00 up to (not including) <paramref name="to"/> that the chart shows.</summary>
    private static async Task<List<string>> KrxMinutesFromTenAsync(KisSimulator sim, string token, TimeOnly to)
        => [.. (await DayAsync(sim, token, "J")).Bars.Select(b => b.Hour)
            .Where(h => string.CompareOrdinal(h, "100000") >= 0 && string.CompareOrdinal(h, $"{to:HHmm}00") < 0)];

    [Fact]
    public async Task A_paper_market_order_between_two_chart_queries_leaves_no_minute_empty()
    {
        var time = new HeldMarketTime();
        await using var sim = await StartAsync(time);
        var token = await TokenAsync(sim);
        await DayAsync(sim, token, "J"); // 10:00: the stock appears
        time.Advance(TimeSpan.FromSeconds(15)); // 10:15 (60x)
        var placed = sim.Hub.Venue.Place(new PaperOrderRequest("5012345601", SimulatorOptions.DefaultHtsId, Code, Buy: true, Kind: OrderKind.Market,
            1, 0), sim.MarketTime);
        Assert.True(placed.Accepted, placed.Message);
        Assert.Equal(1, sim.Hub.Venue.View("5012345601").Orders.Single(o => o.Number == placed.Order!.Number).Filled);
        time.Advance(TimeSpan.FromSeconds(5)); // 10:20
        // The order's trade continued the day: 10:00-10:14 were made before it, 10:15-10:19 by the second query.
        Assert.Equal(Minutes(new(10, 0), new(10, 20)), await KrxMinutesFromTenAsync(sim, token, new(10, 20)));
    }

    [Fact]
    public async Task A_stock_subscribed_after_the_last_chart_query_has_every_minute_in_between()
    {
        var time = new HeldMarketTime();
        await using var sim = await StartAsync(time);
        var token = await TokenAsync(sim);
        await DayAsync(sim, token, "J"); // 10:00: the stock appears
        time.Advance(TimeSpan.FromSeconds(30)); // 10:30 (60x)
        await using var c = await Sim.ClientAsync(sim);
        Assert.Equal("OPSP0000", (await c.RequestAsync("H0STCNT0", Code)).MsgCd);
        time.Run();
        using var session = new SessionRecords();
        await session.ReadUntilAsync(c, r => r.Count("H0STCNT0") > 0);
        // Watched now (the chart makes nothing): the minutes between the query and the subscription were made at subscribing.
        Assert.Equal(Minutes(new(10, 0), new(10, 30)), await KrxMinutesFromTenAsync(sim, token, new(10, 30)));
    }

    [Fact]
    public void A_whole_day_caught_up_at_once_trades_every_open_minute_with_the_auctions_and_no_trade_in_a_VI()
    {
        // Appears at 08:00 (nothing traded yet), asked about once at 20:00: the whole KRX+NXT day in one catch-up.
        var time = new FakeTimeProvider(Start);
        var market = new SimulatedMarket(SimulatorOptions.Default with
        {
            MarketStart = new DateTimeOffset(2026, 11, 25, 8, 0, 0, TimeSpan.FromHours(9)), ClockSpeed = 1, TimeProvider = time, Seed = 3,
        });
        var krx = market.StockBookForChart(Code, StockVenue.Krx)!;
        time.Advance(TimeSpan.FromHours(12));
        var now = market.Clock.Now();
        var made = krx.CatchUp(now);
        Assert.Equal(0, krx.CatchUp(now)); // caught up: asking again at the same time makes nothing

        // About one trade a second (gaps of 0.5-1.5 s) while either venue trades: 08:00-08:50, 09:00-15:20 less the VIs
        // (NXT halts with KRX's), KRX's closing print, 15:30-20:00. Some 40,000 trades for the whole day.
        var vi = new ViSchedule(3, Code, StockVenue.Krx);
        Assert.True(vi.Count > 0);
        var open = (50 + 380 + 270) * 60 - vi.Count * ViSchedule.DurationSeconds;
        Assert.InRange(made, open * 95 / 100, open * 105 / 100);
        var day = now.Date;
        List<string> Hours(StockVenue venue) => [.. market.StockBookForChart(Code, venue)!.MinuteBars(day, TimeSpan.FromDays(1), 24 * 60)
            .Select(b => $"{b.Minute:HHmm}").Reverse()];
        bool Clear(int minute) => Enumerable.Range(minute * 60, 60).All(s => vi.At(day.AddSeconds(s)).Active < 0);
        bool InVi(int minute) => Enumerable.Range(minute * 60, 60).All(s => vi.At(day.AddSeconds(s)).Active >= 0);
        string Hhmm(int minute) => $"{minute / 60:D2}{minute % 60:D2}";

        var krxHours = Hours(StockVenue.Krx);
        var nxtHours = Hours(StockVenue.Nxt);
        for (var m = 8 * 60; m < 20 * 60; m++)
        {
            var krxTrades = m >= 9 * 60 && m < 15 * 60 + 20;
            var nxtTrades = m < 8 * 60 + 50 || m >= 9 * 60 && m < 15 * 60 + 20 || m >= 15 * 60 + 30;
            if (InVi(m)) (krxTrades, nxtTrades) = (false, false); // NXT halts with KRX's VIs
            if (Clear(m) || !krxTrades) Assert.True(krxTrades == krxHours.Contains(Hhmm(m)) || Hhmm(m) == "1530", $"KRX {Hhmm(m)}");
            if (Clear(m) || !nxtTrades) Assert.True(nxtTrades == nxtHours.Contains(Hhmm(m)), $"NXT {Hhmm(m)}");
        }
        // KRX's day ends with its closing print at 15:30, one trade; the combined chart is both venues' minutes.
        Assert.Equal("1530", krxHours[^1]);
        var close = krx.MinuteBars(day, new TimeSpan(15, 30, 0), 1)[0];
        Assert.Equal((close.Open, close.Open, close.Open), (close.High, close.Low, close.Close));
        Assert.Equal(krxHours.Union(nxtHours).Order(StringComparer.Ordinal), Hours(StockVenue.Unified));
    }
}
