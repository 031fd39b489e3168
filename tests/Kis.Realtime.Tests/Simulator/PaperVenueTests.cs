using System.Net;
using System.Text;
using System.Text.Json;
using Kis.Realtime.Simulator;
using static Kis.Realtime.Tests.Client.ClientTestKit;

namespace Kis.Realtime.Tests.Simulator;

/// <summary>
/// Issue 32: the simulator as a paper-trading venue. Orders go in over KIS's order REST calls, made as KIS's own
/// examples_llm samples make them (headers, upper-case JSON bodies, tr_ids per profile); fills come from the simulated
/// market's trades; the stock notices the client decrypts report each step, consistent with the REST answers and the
/// inquiries.
/// </summary>
public sealed class PaperVenueTests
{
    private const string Account = "50123456";
    private const string Code = "123450"; // a made-up stock: its trades are small against a 90M KRW order, so fills are partial

    [Fact]
    public async Task A_resting_limit_order_fills_only_from_trades_that_reach_it_partially_first_and_its_cancel_leaves_one_notice()
    {
        await using var sim = await StartSimAsync(o => o with { Pace = MarketPace.PerSecond(100), RandomNotices = false });
        await using var client = new KisRealtimeClient(Options(sim));
        var token = await MinuteChartTests.TokenAsync(sim);
        await using var notices = client.SubscribeStockNoticesAsync().GetAsyncEnumerator();
        var trades = new List<StockTrade>();
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var firstTrade = new TaskCompletionSource<StockTrade>(TaskCreationOptions.RunContinuationsAsynchronously);
        var reading = Task.Run(async () =>
        {
            await foreach (var trade in client.SubscribeStockTradesAsync(Code).WithCancellation(stop.Token))
            {
                lock (trades) trades.Add(trade);
                firstTrade.TrySetResult(trade);
            }
        });
        var bid = (long)(await firstTrade.Task.WaitAsync(TestTimeout)).BestBid;
        // The notice subscription is in place before the order (a notice stream reports what happens after it starts).
        var firstNotice = notices.MoveNextAsync().AsTask();
        await UntilAsync(() => sim.Counters.Replies("OPSP0000") >= 2, "both subscriptions confirmed by the simulator");

        // A buy at the bid: inside the spread's reach but not marketable; it rests.
        var quantity = 90_000_000 / bid;
        var placed = await PostAsync(sim, token, "/uapi/domestic-stock/v1/trading/order-cash", "TTTC0012U", new()
        {
            ["CANO"] = Account, ["ACNT_PRDT_CD"] = "01", ["PDNO"] = Code, ["ORD_DVSN"] = "00", ["ORD_QTY"] = quantity.ToString(),
            ["ORD_UNPR"] = bid.ToString(), ["EXCG_ID_DVSN_CD"] = "KRX", ["SLL_TYPE"] = "", ["CNDT_PRIC"] = "",
        });
        Assert.Equal("0", placed.GetProperty("rt_cd").GetString());
        var orderNumber = placed.GetProperty("output").GetProperty("ODNO").GetString()!;

        Assert.True(await firstNotice.WaitAsync(TimeSpan.FromSeconds(30)));
        var accepted = notices.Current;
        Assert.Equal((NoticeKind.OrderAccepted, orderNumber, OrderSide.Buy, quantity, (decimal)bid), (accepted.Kind, accepted.OrderNumber, accepted.Side, accepted.Quantity, accepted.Price));
        Assert.Equal($"{Account}01", accepted.AccountNumber);

        // Fills: each at the limit, from a trade at or under it in the same second with at least that volume.
        var fills = new List<StockNotice>();
        while (fills.Count < 2)
        {
            var fill = await NextAsync(notices);
            Assert.Equal((NoticeKind.Fill, orderNumber, (decimal)bid, quantity), (fill.Kind, fill.OrderNumber, fill.Price, fill.OrderQuantity));
            await UntilAsync(() => { lock (trades) return trades.Any(t => t.Time == fill.Time && t.Price <= bid && t.Volume >= fill.Quantity); },
                $"a trade at or under {bid} in {fill.Time} with {fill.Quantity} shares or more");
            fills.Add(fill);
        }
        Assert.True(fills[0].Quantity < quantity, "the first fill is partial");

        var cancelled = await PostAsync(sim, token, "/uapi/domestic-stock/v1/trading/order-rvsecncl", "TTTC0013U", new()
        {
            ["CANO"] = Account, ["ACNT_PRDT_CD"] = "01", ["KRX_FWDG_ORD_ORGNO"] = "00950", ["ORGN_ODNO"] = orderNumber, ["ORD_DVSN"] = "00",
            ["RVSE_CNCL_DVSN_CD"] = "02", ["ORD_QTY"] = "0", ["ORD_UNPR"] = "0", ["QTY_ALL_ORD_YN"] = "Y", ["EXCG_ID_DVSN_CD"] = "KRX",
        });
        Assert.Equal("0", cancelled.GetProperty("rt_cd").GetString());
        var cancelNumber = cancelled.GetProperty("output").GetProperty("ODNO").GetString()!;
        // Fills that happened before the cancel may still be on their way; then exactly one cancel notice.
        StockNotice cancel;
        while ((cancel = await NextAsync(notices)).Kind == NoticeKind.Fill) fills.Add(cancel);
        var filled = fills.Sum(f => f.Quantity);
        Assert.Equal((NoticeKind.CancelAccepted, OrderRevision.Cancel, cancelNumber, orderNumber, quantity - filled),
            (cancel.Kind, cancel.Revision, cancel.OrderNumber, cancel.OriginalOrderNumber, cancel.Quantity));
        Assert.Equal(filled, cancel.OrderQuantity); // field 16 of a cancel: what the original had filled

        // The order's life from its notices alone (as over the gateway or a recording).
        var tracker = new KisOrderTracker();
        foreach (var notice in new[] { accepted }.Concat(fills).Append(cancel)) tracker.Apply(notice);
        var life = tracker.Find(orderNumber)!;
        Assert.Equal((KisOrderStatus.Cancelled, filled, (decimal)bid, quantity - filled, 0L, true),
            (life.Status, life.FilledQuantity, life.AveragePrice, life.CancelledQuantity, life.RemainingQuantity, life.IsDone));
        Assert.Empty(tracker.Open);

        // The inquiries agree with the notices, fill by fill.
        var balance = await GetAsync(sim, token, "/uapi/domestic-stock/v1/trading/inquire-balance", "TTTC8434R",
            $"CANO={Account}&ACNT_PRDT_CD=01&AFHR_FLPR_YN=N&OFL_YN=&INQR_DVSN=02&UNPR_DVSN=01&FUND_STTL_ICLD_YN=N&FNCG_AMT_AUTO_RDPT_YN=N&PRCS_DVSN=00&CTX_AREA_FK100=&CTX_AREA_NK100=");
        var position = Assert.Single(balance.GetProperty("output1").EnumerateArray());
        Assert.Equal((Code, filled.ToString()), (position.GetProperty("pdno").GetString(), position.GetProperty("hldg_qty").GetString()));
        Assert.Equal((filled * bid).ToString(), position.GetProperty("pchs_amt").GetString());
        var daily = await GetAsync(sim, token, "/uapi/domestic-stock/v1/trading/inquire-daily-ccld", "TTTC0081R",
            $"CANO={Account}&ACNT_PRDT_CD=01&INQR_STRT_DT=20260101&INQR_END_DT=20261231&SLL_BUY_DVSN_CD=00&PDNO=&CCLD_DVSN=00&INQR_DVSN=00&INQR_DVSN_3=00&ORD_GNO_BRNO=&ODNO=&INQR_DVSN_1=&CTX_AREA_FK100=&CTX_AREA_NK100=");
        var rows = daily.GetProperty("output1").EnumerateArray().ToDictionary(r => r.GetProperty("odno").GetString()!);
        Assert.Equal((filled.ToString(), "0"), (rows[orderNumber].GetProperty("tot_ccld_qty").GetString(), rows[orderNumber].GetProperty("rmn_qty").GetString()));
        Assert.Equal(((quantity - filled).ToString(), orderNumber), (rows[cancelNumber].GetProperty("cnc_cfrm_qty").GetString(), rows[cancelNumber].GetProperty("orgn_odno").GetString()));
        var possible = await GetAsync(sim, token, "/uapi/domestic-stock/v1/trading/inquire-psbl-order", "TTTC8908R",
            $"CANO={Account}&ACNT_PRDT_CD=01&PDNO={Code}&ORD_UNPR={bid}&ORD_DVSN=00&CMA_EVLU_AMT_ICLD_YN=N&OVRS_ICLD_YN=N");
        Assert.Equal((100_000_000 - filled * bid).ToString(), possible.GetProperty("output").GetProperty("ord_psbl_cash").GetString());

        stop.Cancel();
        await Record.ExceptionAsync(() => reading);
    }

    [Fact]
    public async Task Orders_are_refused_in_KIS_shape_for_a_bad_tick_the_price_limits_cash_shares_and_the_wrong_profile()
    {
        await using var sim = await StartSimAsync(o => o with { RandomNotices = false });
        var token = await MinuteChartTests.TokenAsync(sim);
        Dictionary<string, string> Order(string price, string quantity = "1") => new()
        {
            ["CANO"] = Account, ["ACNT_PRDT_CD"] = "01", ["PDNO"] = "005930", ["ORD_DVSN"] = "00", ["ORD_QTY"] = quantity, ["ORD_UNPR"] = price,
            ["EXCG_ID_DVSN_CD"] = "KRX", ["SLL_TYPE"] = "", ["CNDT_PRIC"] = "",
        };
        var offGrid = await PostAsync(sim, token, "/uapi/domestic-stock/v1/trading/order-cash", "TTTC0012U", Order("70001"));
        Assert.Equal(("1", "APBK0506"), (offGrid.GetProperty("rt_cd").GetString(), offGrid.GetProperty("msg_cd").GetString()));
        var beyondLimit = await PostAsync(sim, token, "/uapi/domestic-stock/v1/trading/order-cash", "TTTC0012U", Order("5000000"));
        Assert.Equal("APBK0510", beyondLimit.GetProperty("msg_cd").GetString());
        var sellNothing = await PostAsync(sim, token, "/uapi/domestic-stock/v1/trading/order-cash", "TTTC0011U", Order("70000"));
        Assert.Equal(("1", "APBK0400"), (sellNothing.GetProperty("rt_cd").GetString(), sellNothing.GetProperty("msg_cd").GetString()));
        // The paper tr_id on the real profile: KIS's gateway does not serve it.
        var (status, paperId) = await SendAsync(sim, token, HttpMethod.Post, "/uapi/domestic-stock/v1/trading/order-cash", "VTTC0012U", JsonSerializer.Serialize(Order("70000")));
        Assert.Equal((HttpStatusCode.InternalServerError, "OPSQ0002"), (status, paperId.GetProperty("msg_cd").GetString()));
    }

    internal static async Task<T> NextAsync<T>(IAsyncEnumerator<T> notices)
    {
        Assert.True(await notices.MoveNextAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30)), "the notices ended");
        return notices.Current;
    }

    internal static async Task<JsonElement> PostAsync(KisSimulator sim, string token, string path, string trId, Dictionary<string, string> body)
    {
        var (status, reply) = await SendAsync(sim, token, HttpMethod.Post, path, trId, JsonSerializer.Serialize(body));
        Assert.Equal(HttpStatusCode.OK, status);
        return reply;
    }

    internal static async Task<JsonElement> GetAsync(KisSimulator sim, string token, string path, string trId, string query)
    {
        var (status, reply) = await SendAsync(sim, token, HttpMethod.Get, path + "?" + query, trId, null);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("0", reply.GetProperty("rt_cd").GetString());
        return reply;
    }

    /// <summary>As KIS's kis_auth._url_fetch: content-type, authorization, appkey, appsecret, tr_id, custtype P, tr_cont.</summary>
    internal static async Task<(HttpStatusCode, JsonElement)> SendAsync(KisSimulator sim, string token, HttpMethod method, string pathAndQuery, string trId, string? json)
    {
        using var http = new HttpClient(new HttpClientHandler { UseProxy = false, AllowAutoRedirect = false });
        using var request = new HttpRequestMessage(method, KisSimulator.Display(sim.RestBaseUrl) + pathAndQuery);
        request.Headers.TryAddWithoutValidation("authorization", $"Bearer {token}");
        request.Headers.Add("appkey", SimulatorOptions.DefaultAppKey);
        request.Headers.Add("appsecret", SimulatorOptions.DefaultAppSecret);
        request.Headers.Add("tr_id", trId);
        request.Headers.Add("custtype", "P");
        request.Headers.Add("tr_cont", "");
        if (json is not null) request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        using var response = await http.SendAsync(request);
        return (response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone());
    }
}
