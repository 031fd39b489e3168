using Kis.Realtime.Simulator.Rules;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Kis.Realtime.Cli.Commands;
using Kis.Realtime.Simulator;
using static Kis.Realtime.Tests.Client.ClientTestKit;

namespace Kis.Realtime.Tests.Dashboard;

/// <summary>
/// Issue 32 (5): the notices panel shows each order's life, not only lines. The dashboard reads a simulator that is a
/// paper venue (its stock notices report the orders placed over KIS's order REST calls); orders go in with HttpClient
/// as KIS's samples send them, and the orders table — as a page receives it, and as the page draws it — follows each
/// order: accepted, amended (replaced), partly filled, cancelled, with the quantities the venue's inquiry reports.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class DashboardOrdersTests(BrowserFixture browser)
{
    private const string Account = "50123457";
    private const string Code = "015760";
    private const string Cash = "/uapi/domestic-stock/v1/trading/order-cash";
    private const string AmendCancel = "/uapi/domestic-stock/v1/trading/order-rvsecncl";

    [Fact]
    public async Task The_orders_table_shows_each_order_from_accepted_through_amend_fills_and_cancel()
    {
        // The test makes the market's trades itself (nobody subscribes to the stock and nothing drives it), so it knows
        // which fills an order gets: a feed's trade, or a cross of its book, could fill a large order at once.
        await using var sim = await StartSimAsync(o => o with { Pace = MarketPace.PerSecond(100), RandomNotices = false, DriveRestingOrders = false });
        await using var dashboard = await DashboardPage.OpenAsync(browser, new ConnectionArgs
        {
            WebSocketUrl = sim.WebSocketUrl.ToString(), RestUrl = sim.RestBaseUrl.ToString(), Subscriptions = ["stock-notice"],
        });
        await using var table = new OrdersFeed(dashboard.Host.Publisher);
        // The registration confirmed: a notice stream reports what happens after it starts.
        await UntilAsync(() => sim.Counters.Replies("OPSP0000") >= 1, "the notice subscription confirmed by the simulator", TimeSpan.FromSeconds(45));
        using var http = new HttpClient(new HttpClientHandler { UseProxy = false, AllowAutoRedirect = false });
        var token = await TokenAsync(http, sim);
        var book = sim.Hub.Market.StockBookForOrders(Code);

        // A buy at the lower price limit rests (nothing trades 30 % down): accepted, nothing filled.
        // Row: [updated, order, amends, code, side, qty, price, filled, avg, cancelled, left, status, status class].
        var low = book.LowerLimit;
        var first = Short(await OrderAsync(http, sim, token, Cash, "TTTC0012U", Order(10, low)));
        var accepted = await table.WaitAsync(rows => rows.GetValueOrDefault(first)?[11] == "accepted", $"order {first} accepted");
        Assert.Equal([first, "", Code, "buy", "10", Number(low), "0", "", "0", "10", "accepted", "accepted"], accepted[first][1..]);
        Assert.Matches(@"^\d\d:\d\d:\d\d$", accepted[first][0]);

        // Amended to a tick higher: the original is replaced by the amending order, which comes first (newest).
        var higher = KrxRules.StockTickUp(low);
        var second = Short(await OrderAsync(http, sim, token, AmendCancel, "TTTC0013U", Revision(first, "01", higher)));
        var amended = await table.WaitAsync(rows => rows.ContainsKey(second) && rows[first][11] != "accepted", $"order {first} amended to {second}");
        Assert.Equal(["10", "0", "10", "0", $"replaced by {second}", "replaced"], Pick(amended[first], 5, 7, 9, 10, 11, 12));
        Assert.Equal([second, first, Code, "buy", "10", Number(higher), "0", "", "0", "10", "accepted", "accepted"], amended[second][1..]);
        Assert.Equal([second, first], table.Order.Take(2));

        await OrderAsync(http, sim, token, AmendCancel, "TTTC0013U", Revision(second, "02", 0));
        var cancelled = await table.WaitAsync(rows => rows[second][11] == "cancelled", $"order {second} cancelled");
        Assert.Equal(["0", "", "10", "0"], cancelled[second][7..11]);

        // A large buy 20 ticks under the bid: a sell of 100 shares a tick below trades through it and fills 100 at its
        // price (a trade beyond a resting order's price reaches it whatever the queue); the rest is cancelled. Not at the
        // bid: the stock is unwatched, so an order catches its day up first, and those trades may move the touch a tick
        // down between reading it and placing the order (the buy then crossed and filled at once, before it was seen
        // "accepted": a loaded CI run).
        var bid = book.Touch().Bid;
        for (var tick = 0; tick < 20; tick++) bid = KrxRules.StockTickDown(bid);
        var quantity = 90_000_000 / bid;
        var third = Short(await OrderAsync(http, sim, token, Cash, "TTTC0012U", Order(quantity, bid)));
        await table.WaitAsync(rows => rows.GetValueOrDefault(third)?[11] == "accepted", $"order {third} accepted");
        sim.Hub.Venue.OnTrade(Code, derivative: false, KrxRules.StockTickDown(bid), 100, buyerInitiated: false, sim.Hub.Market.Clock.Now());
        sim.Hub.Venue.OnTapeReady();
        var partly = await table.WaitAsync(rows => rows.GetValueOrDefault(third)?[11] == "partially filled", $"order {third} partially filled");
        var filledSoFar = long.Parse(partly[third][7], NumberStyles.AllowThousands, CultureInfo.InvariantCulture);
        Assert.Equal(100, filledSoFar);
        Assert.Equal(Number(bid), partly[third][8]);
        Assert.Equal(Number(quantity - filledSoFar), partly[third][10]);
        await OrderAsync(http, sim, token, AmendCancel, "TTTC0013U", Revision(third, "02", 0));
        var done = await table.WaitAsync(rows => rows[third][11] == "cancelled", $"order {third} cancelled");

        // What the table shows is what the venue's own inquiry reports for the order.
        var daily = await InquireDailyAsync(http, sim, token);
        var row = daily.GetProperty("output1").EnumerateArray().Single(r => Short(r.GetProperty("odno").GetString()!) == third);
        var filled = long.Parse(row.GetProperty("tot_ccld_qty").GetString()!, CultureInfo.InvariantCulture);
        var amount = decimal.Parse(row.GetProperty("tot_ccld_amt").GetString()!, CultureInfo.InvariantCulture);
        Assert.Equal(filledSoFar, filled);
        Assert.Equal([Number(quantity), Number(filled), Number(amount / filled), Number(quantity - filled), "0", "cancelled"],
            Pick(done[third], 5, 7, 8, 9, 10, 11));
        Assert.Equal(0, table.Dropped);

        // The page draws the same rows: the newest first, each with its status, every cell whole, no sideways scrolling.
        await dashboard.WaitForAsync($"() => document.querySelector(\"#panel-orders tr[data-order='{third}'] .status\")?.textContent === 'cancelled'");
        var shown = await dashboard.Page.Locator("#panel-orders tbody tr").EvaluateAllAsync<string[][]>(
            "rows => rows.map(r => [...r.cells].map(c => c.textContent))");
        Assert.Equal([third, second, first], shown.Select(r => r[1]));
        Assert.Equal(done[third][..12], shown[0]);
        Assert.Equal($"replaced by {second}", shown[2][11]);
        Assert.True(await dashboard.Page.EvaluateAsync<bool>(
            "() => { const s = document.querySelector('#panel-orders .scroll'); return s.scrollWidth <= s.clientWidth; }"),
            "the orders table scrolls sideways");
        Assert.True(await dashboard.Page.EvaluateAsync<bool>(
            "() => [...document.querySelectorAll('#panel-orders td')].every(c => c.scrollWidth <= c.clientWidth + 1)"),
            "an orders cell is cut (ellipsis)");
        await dashboard.ScreenshotAsync("orders", "orders");
        lock (dashboard.Errors) Assert.Empty(dashboard.Errors);
    }

    private static string[] Pick(string[] row, params int[] cells) => [.. cells.Select(i => row[i])];

    private static string Short(string orderNumber) => orderNumber.TrimStart('0');

    private static string Number(decimal value) => value.ToString("#,0.##", CultureInfo.InvariantCulture);

    private static Dictionary<string, string> Order(long quantity, long price) => new()
    {
        ["CANO"] = Account, ["ACNT_PRDT_CD"] = "01", ["PDNO"] = Code, ["ORD_DVSN"] = "00", ["ORD_QTY"] = quantity.ToString(CultureInfo.InvariantCulture),
        ["ORD_UNPR"] = price.ToString(CultureInfo.InvariantCulture), ["EXCG_ID_DVSN_CD"] = "KRX", ["SLL_TYPE"] = "", ["CNDT_PRIC"] = "",
    };

    /// <summary>order-rvsecncl: <paramref name="kind"/> 01 amends all that is left to <paramref name="price"/>, 02 cancels it.</summary>
    private static Dictionary<string, string> Revision(string original, string kind, long price) => new()
    {
        ["CANO"] = Account, ["ACNT_PRDT_CD"] = "01", ["KRX_FWDG_ORD_ORGNO"] = "00950", ["ORGN_ODNO"] = original.PadLeft(10, '0'), ["ORD_DVSN"] = "00",
        ["RVSE_CNCL_DVSN_CD"] = kind, ["ORD_QTY"] = "0", ["ORD_UNPR"] = price.ToString(CultureInfo.InvariantCulture), ["QTY_ALL_ORD_YN"] = "Y",
        ["EXCG_ID_DVSN_CD"] = "KRX",
    };

    private static async Task<string> TokenAsync(HttpClient http, KisSimulator sim)
    {
        var body = $$"""{"grant_type":"client_credentials","appkey":"{{SimulatorOptions.DefaultAppKey}}","appsecre""" +
            $$"""t":"{{SimulatorOptions.DefaultAppSecret}}"}""";
        using var response = await http.PostAsync(KisSimulator.Display(sim.RestBaseUrl) + "/oauth2/tokenP",
            new StringContent(body, Encoding.UTF8, "application/json"));
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("access_token").GetString()!;
    }

    /// <summary>Places, amends or cancels; the order number KIS's answer gives (output.ODNO).</summary>
    private static async Task<string> OrderAsync(HttpClient http, KisSimulator sim, string token, string path, string trId, Dictionary<string, string> body)
    {
        var reply = await SendAsync(http, sim, token, HttpMethod.Post, path, trId, JsonSerializer.Serialize(body));
        Assert.True(reply.GetProperty("rt_cd").GetString() == "0", $"{trId} refused: {reply}");
        return reply.GetProperty("output").GetProperty("ODNO").GetString()!;
    }

    private static Task<JsonElement> InquireDailyAsync(HttpClient http, KisSimulator sim, string token) =>
        SendAsync(http, sim, token, HttpMethod.Get, "/uapi/domestic-stock/v1/trading/inquire-daily-ccld?" +
            $"CANO={Account}&ACNT_PRDT_CD=01&INQR_STRT_DT=20260101&INQR_END_DT=20261231&SLL_BUY_DVSN_CD=00&PDNO=&CCLD_DVSN=00&INQR_DVSN=00" +
            "&INQR_DVSN_3=00&ORD_GNO_BRNO=&ODNO=&INQR_DVSN_1=&CTX_AREA_FK100=&CTX_AREA_NK100=", "TTTC0081R", null);

    /// <summary>As KIS's kis_auth._url_fetch: content-type, authorization, appkey, appsecret, tr_id, custtype P, tr_cont.</summary>
    private static async Task<JsonElement> SendAsync(HttpClient http, KisSimulator sim, string token, HttpMethod method, string pathAndQuery, string trId,
        string? json)
    {
        using var request = new HttpRequestMessage(method, KisSimulator.Display(sim.RestBaseUrl) + pathAndQuery);
        request.Headers.TryAddWithoutValidation("authorization", $"Bearer {token}");
        request.Headers.Add("appkey", SimulatorOptions.DefaultAppKey);
        request.Headers.Add("appsecret", SimulatorOptions.DefaultAppSecret);
        request.Headers.Add("tr_id", trId);
        request.Headers.Add("custtype", "P");
        request.Headers.Add("tr_cont", "");
        if (json is not null) request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        using var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{trId}: HTTP {(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }
}
