using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Kis.Realtime.Simulator;

namespace Kis.Realtime.Tests.Simulator;

/// <summary>
/// The simulator's 주식당일분봉조회 (<c>inquire-time-itemchartprice</c>): its rows are the 1-minute bars of every trade
/// the simulator sent for the stock and venue, in KIS's shape, behind KIS's token and app-key checks.
/// </summary>
public sealed class MinuteChartTests
{
    private const string ChartPath = "/uapi/domestic-stock/v1/quotations/inquire-time-itemchartprice";

    internal sealed record Bar(string Hour, long Open, long High, long Low, long Close, long Volume, long CumulativeValue);

    internal static async Task<string> TokenAsync(KisSimulator sim)
    {
        using var http = new HttpClient(new HttpClientHandler { UseProxy = false });
        var body = $$"""{"grant_type":"client_credentials","appkey":"{{SimulatorOptions.DefaultAppKey}}","appsecre""" +
            $$"""t":"{{SimulatorOptions.DefaultAppSecret}}"}""";
        using var response = await http.PostAsync(KisSimulator.Display(sim.RestBaseUrl) + "/oauth2/tokenP",
            new StringContent(body, Encoding.UTF8, "application/json"));
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("access_token").GetString()!;
    }

    internal static async Task<(HttpStatusCode Status, JsonElement Body)> ChartAsync(KisSimulator sim, string? token, string market, string code, string hour,
        string appKey = SimulatorOptions.DefaultAppKey, string appSecret = SimulatorOptions.DefaultAppSecret, string trId = "FHKST03010200")
    {
        using var http = new HttpClient(new HttpClientHandler { UseProxy = false });
        using var request = new HttpRequestMessage(HttpMethod.Get,
            $"{KisSimulator.Display(sim.RestBaseUrl)}{ChartPath}?FID_ETC_CLS_CODE=&FID_COND_MRKT_DIV_CODE={market}&FID_INPUT_ISCD={code}&" +
            $"FID_INPUT_HOUR_1={hour}&FID_PW_DATA_INCU_YN=Y");
        if (token is not null) request.Headers.TryAddWithoutValidation("authorization", $"Bearer {token}");
        request.Headers.Add("appkey", appKey);
        request.Headers.Add("appsecret", appSecret);
        request.Headers.Add("tr_id", trId);
        request.Headers.Add("custtype", "P");
        using var response = await http.SendAsync(request);
        return (response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone());
    }

    internal static Bar Row(JsonElement r) => new(r.GetProperty("stck_cntg_hour").GetString()!, L(r, "stck_oprc"), L(r, "stck_hgpr"), L(r, "stck_lwpr"),
        L(r, "stck_prpr"), L(r, "cntg_vol"), L(r, "acml_tr_pbmn"));

    private static long L(JsonElement r, string name) => long.Parse(r.GetProperty(name).GetString()!, CultureInfo.InvariantCulture);

    /// <summary>1-minute bars from trades in arrival order (the reference every source must match).</summary>
    internal static List<Bar> BarsOf(IEnumerable<StockTrade> trades)
    {
        var bars = new List<Bar>();
        foreach (var t in trades)
        {
            var hour = $"{t.Time.Hour:D2}{t.Time.Minute:D2}00";
            var p = (long)t.Price;
            if (bars.Count > 0 && bars[^1].Hour == hour)
            {
                var b = bars[^1];
                bars[^1] = b with { High = Math.Max(b.High, p), Low = Math.Min(b.Low, p), Close = p, Volume = b.Volume + t.Volume,
                    CumulativeValue = t.CumulativeTradeValue };
            }
            else bars.Add(new Bar(hour, p, p, p, p, t.Volume, t.CumulativeTradeValue));
        }
        return bars;
    }

    private static StockTrade Decode(string trId, string record)
    {
        Assert.True(KisTrs.TryGet(trId, out var tr));
        Assert.True(StockTrade.TryDecode(tr, Encoding.UTF8.GetBytes(record), out var value, out var err), $"{err} in {record}");
        return value;
    }

    public static TheoryData<string, string> Venues => new() { { "H0STCNT0", "J" }, { "H0NXCNT0", "NX" }, { "H0UNCNT0", "UN" } };

    [Theory]
    [MemberData(nameof(Venues))]
    public async Task Rows_equal_the_one_minute_bars_of_every_trade_sent_newest_first_at_most_30(string trId, string market)
    {
        // A market minute per 0.125 s: over 30 minutes of trades in a few seconds, so the chart pages.
        await using var sim = await Sim.StartAsync(o => o with { ClockSpeed = 480, Pace = MarketPace.PerSecond(300), Seed = 11 });
        await using var c = await Sim.ClientAsync(sim);
        await c.SubscribeAsync(trId, "005930");
        using var session = new SessionRecords();
        // Every trade of a minute has arrived once a later minute's trade has (one session, records in order).
        // Counted as records arrive (decoding every record again at each message made the wait quadratic).
        var (seen, minutes, lastMinute) = (0, 0, -1);
        await session.ReadUntilAsync(c, r =>
        {
            for (; seen < r.Records.Count; seen++)
            {
                if (r.Records[seen].TrId != trId) continue;
                var time = Decode(trId, r.Records[seen].Record).Time;
                var minute = time.Hour * 60 + time.Minute;
                if (minute != lastMinute) (minutes, lastMinute) = (minutes + 1, minute);
            }
            return minutes >= 34;
        });
        var fromTicks = BarsOf(session.Of(trId).Select(t => Decode(trId, t)))[..^1];
        var last = fromTicks[^1].Hour;

        var token = await TokenAsync(sim);
        var (status, body) = await ChartAsync(sim, token, market, "005930", last[..4] + "59");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("0", body.GetProperty("rt_cd").GetString());
        var rows = body.GetProperty("output2").EnumerateArray().ToList();
        Assert.Equal(30, rows.Count);
        Assert.All(rows, r => Assert.Equal(sim.MarketTime.ToString("yyyyMMdd", CultureInfo.InvariantCulture), r.GetProperty("stck_bsop_date").GetString()));
        // Newest first, from the asked minute backwards, each minute's OHLCV and cumulative value exactly the ticks'.
        Assert.Equal(fromTicks.AsEnumerable().Reverse().Take(30), rows.Select(Row));

        // The next page: from the minute before the oldest row, the rest of the day back to the first trade.
        var oldest = TimeOnly.ParseExact(rows[^1].GetProperty("stck_cntg_hour").GetString()!, "HHmmss", CultureInfo.InvariantCulture).AddMinutes(-1);
        var (_, page2) = await ChartAsync(sim, token, market, "005930", $"{oldest:HHmm}59");
        // Back to the stock's first live minute, not compared: it began part-way through NXT's day (08:00), so that minute and
        // the ones before also hold the day it traded before it appeared (the backfill: ScenarioSeedTests).
        Assert.Equal(fromTicks.AsEnumerable().Reverse().Skip(30).SkipLast(1),
            page2.GetProperty("output2").EnumerateArray().Select(Row).TakeWhile(r => r.Hour != fromTicks[0].Hour));

        var summary = body.GetProperty("output1");
        Assert.Equal("삼성전자", summary.GetProperty("hts_kor_isnm").GetString());
        Assert.True(long.Parse(summary.GetProperty("acml_vol").GetString()!, CultureInfo.InvariantCulture) >= fromTicks.Sum(b => b.Volume));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Minutes_without_a_trade_have_no_row_and_an_unlisted_code_has_none(bool senderStallsOverTheVi)
    {
        // A VI stops the stock's continuous trades for two minutes: those minutes have no row.
        var seed = Enumerable.Range(1, 1_000).First(s => new Kis.Realtime.Simulator.Market.ViSchedule(s, "005930", StockVenue.Krx) is { Count: > 0 } v
            && v.StartOf(0) < 9 * 3600 + 14 * 60);
        var vi = new Kis.Realtime.Simulator.Market.ViSchedule(seed, "005930", StockVenue.Krx);
        var viStart = TimeOnly.FromTimeSpan(TimeSpan.FromSeconds(vi.StartOf(0)));
        // The clock held at the open until the subscription stands: the VI comes 2.5-3.5 s of wall time into the day, and a
        // loaded machine may take that long to connect (the stock trades only while someone is subscribed). The demo day on
        // an ordinary Monday: on a late open (a CI run on Dec 31 demos the year's first trading day, 10:00) the VI came first.
        var time = new Kis.Realtime.Tests.Bars.HeldMarketTime(wallStart: new DateTimeOffset(2026, 11, 23, 8, 0, 0, TimeSpan.FromHours(9)));
        await using var sim = await Sim.StartAsync(o => o with { ClockSpeed = 240, Pace = MarketPace.PerSecond(200), Seed = seed, TimeProvider = time });
        await using var c = await Sim.ClientAsync(sim);
        Assert.Equal("OPSP0000", (await c.RequestAsync("H0STCNT0", "005930")).MsgCd);
        time.Run();
        using var session = new SessionRecords();
        // Read until two minutes after the VI's first full one have trades: the earlier of them is complete (a later minute's
        // trade has come, one session, records in order). The wait is on the ticks, not on the clock: on a loaded machine a
        // sender stalled for market minutes (0.25 s each here) leaves those minutes empty, right after the VI too.
        var viMinute = $"{viStart.AddMinutes(1):HHmm}00";
        var (seen, minutesAfterVi, lastMinute, stalled) = (0, 0, "", false);
        await session.ReadUntilAsync(c, r =>
        {
            for (var trades = r.Of("H0STCNT0"); seen < trades.Count; seen++)
            {
                var tradeTime = Decode("H0STCNT0", trades[seen]).Time;
                if (senderStallsOverTheVi && !stalled && tradeTime >= viStart.Add(TimeSpan.FromSeconds(-20)))
                {
                    // What a loaded machine does to the sender, at its worst: five market minutes (1.25 s) pass at once.
                    stalled = true;
                    time.Hold();
                    time.Advance(TimeSpan.FromSeconds(1.25));
                    time.Run();
                }
                var minute = $"{tradeTime:HHmm}00";
                if (minute != lastMinute && string.CompareOrdinal(minute, viMinute) > 0) minutesAfterVi++;
                lastMinute = minute;
            }
            return minutesAfterVi >= 2;
        });
        var ticked = BarsOf(session.Of("H0STCNT0").Select(t => Decode("H0STCNT0", t))).Select(b => b.Hour).ToList();
        var asked = ticked[^2];
        var token = await TokenAsync(sim);
        var (_, body) = await ChartAsync(sim, token, "J", "005930", asked);
        var hours = body.GetProperty("output2").EnumerateArray().Select(r => r.GetProperty("stck_cntg_hour").GetString()!).ToList();
        // The VI's first full minute (no trade at all in it) is missing from the rows.
        Assert.DoesNotContain(viMinute, hours);
        // Every other minute has a row exactly when the session saw a trade in it.
        // The subscription's own minute is left out: trades before the subscription are in the chart but not in the session.
        Assert.DoesNotContain(viMinute, ticked);
        var window = ticked.Where(h => string.CompareOrdinal(h, ticked[0]) > 0 && string.CompareOrdinal(h, asked) <= 0).ToList();
        Assert.Contains(window, h => string.CompareOrdinal(h, viMinute) < 0);
        Assert.Contains(window, h => string.CompareOrdinal(h, viMinute) > 0);
        Assert.Equal(window, hours.Where(h => string.CompareOrdinal(h, ticked[0]) > 0).Order(StringComparer.Ordinal));

        // A listed stock nobody watched shows its day so far (it appears with the query); an unlisted code has no rows.
        var (status, other) = await ChartAsync(sim, token, "J", "000660", "153000");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.NotEmpty(other.GetProperty("output2").EnumerateArray());
        var (unlistedStatus, unlisted) = await ChartAsync(sim, token, "J", "123456", "153000");
        Assert.Equal(HttpStatusCode.OK, unlistedStatus);
        Assert.Empty(unlisted.GetProperty("output2").EnumerateArray());
    }

    [Fact]
    public async Task Requests_without_a_valid_token_app_key_secret_tr_id_or_query_are_refused_in_KIS_shape()
    {
        await using var sim = await Sim.StartAsync(o => o with { Pace = MarketPace.Off });
        var token = await TokenAsync(sim);
        async Task Refused(string msgCd, Task<(HttpStatusCode Status, JsonElement Body)> call)
        {
            var (status, body) = await call;
            Assert.Equal(HttpStatusCode.InternalServerError, status);
            Assert.Equal("1", body.GetProperty("rt_cd").GetString());
            Assert.Equal(msgCd, body.GetProperty("msg_cd").GetString());
            Assert.DoesNotContain(token, body.GetRawText());
            Assert.DoesNotContain(SimulatorOptions.DefaultAppSecret, body.GetRawText());
        }
        await Refused("EGW00121", ChartAsync(sim, null, "J", "005930", "093000"));
        await Refused("EGW00121", ChartAsync(sim, token + "x", "J", "005930", "093000"));
        await Refused("EGW00103", ChartAsync(sim, token, "J", "005930", "093000", appKey: "PSother"));
        await Refused("EGW00105", ChartAsync(sim, token, "J", "005930", "093000", appSecret: "wrong"));
        await Refused("OPSQ0002", ChartAsync(sim, token, "J", "005930", "093000", trId: "FHKST01010100"));
        await Refused("OPSQ2001", ChartAsync(sim, token, "K", "005930", "093000"));
        await Refused("OPSQ2001", ChartAsync(sim, token, "J", "005930", "250000"));
        await Refused("OPSQ2001", ChartAsync(sim, token, "J", "5930", "093000"));
        Assert.Equal(8, sim.Counters.QuotationRequestsRejected);
        var (ok, _) = await ChartAsync(sim, token, "J", "005930", "093000");
        Assert.Equal(HttpStatusCode.OK, ok);
    }
}
