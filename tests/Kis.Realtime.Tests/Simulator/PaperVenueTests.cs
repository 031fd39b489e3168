using Kis.Realtime.Simulator.Rules;
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
    private const string Code = "015760"; // a listed stock whose trades (a few hundred shares) are small against a 90M KRW order, so fills are partial

    [Fact]
    public async Task A_buy_inside_the_spread_fills_only_from_trades_through_it_partially_first_and_its_cancel_gives_exactly_one_notice()
    {
        // The test makes every trade itself: the simulator's clock does not drive the market for the resting order, and
        // the market clock stands still at 09:00:01 of an ordinary day. A running clock let an unwatched stock catch up
        // (Stock.CatchUp) when the machine paused the test for half a second or more: its caught-up trades, made later but
        // timed before the order, rightly missed it, and the test, counting every trade at its bid as a fill, failed (CI at
        // load, 2026-12-01).
        var time = new Kis.Realtime.Tests.Bars.HeldMarketTime();
        await using var sim = await StartSimAsync(o => o with
        {
            RandomNotices = false, DriveRestingOrders = false, TimeProvider = time,
            MarketStart = new DateTimeOffset(2026, 11, 23, 9, 0, 1, TimeSpan.FromHours(9)),
        });
        await using var client = new KisRealtimeClient(Options(sim));
        var token = await MinuteChartTests.TokenAsync(sim);
        // A notice not come in time fails the test saying so: the wait is cancelled first (disposing the enumerator
        // under a pending read would throw NotSupportedException and hide the failure).
        using var giveUp = new CancellationTokenSource();
        await using var notices = client.SubscribeStockNoticesAsync().GetAsyncEnumerator(giveUp.Token);
        async Task<StockNotice> Next(string what)
        {
            var read = notices.MoveNextAsync().AsTask();
            if (await Task.WhenAny(read, Task.Delay(TimeSpan.FromSeconds(30))) != read)
            {
                await giveUp.CancelAsync();
                await Assert.ThrowsAnyAsync<OperationCanceledException>(() => read);
                Assert.Fail($"no {what} notice in 30 s; client {client.Statistics}; venue notices published {sim.Hub.Venue.NoticesPublished}");
            }
            Assert.True(await read, "the notices ended");
            return notices.Current;
        }
        // The notice subscription is in place before the order (a notice stream reports what happens after it starts).
        var firstNotice = Next("acceptance");
        await UntilAsync(() => sim.Counters.Replies("OPSP0000") >= 1, "the notice subscription confirmed by the simulator");

        // Nobody subscribes to the stock: the test makes its KRX trades and books itself, record by record, through the
        // feeds a session's poll drives (each new KRX trade fills the resting orders it reaches), so it knows every
        // trade. The simulated spread is one tick most of the time; books are published until it is two ticks wide.
        var market = sim.Hub.Market;
        var venue = sim.Hub.Venue;
        var feed = new DrivenStockFeed(market, Code);
        Assert.NotEmpty(feed.Trades()); // the day's opening print
        var (ask, bid) = feed.PublishBooksUntilSpreadOf(2);
        var limit = KrxRules.StockTickUp(bid); // strictly inside the spread: the best bid, first in its queue
        Assert.True(bid < limit && limit < ask, $"{bid} < {limit} < {ask}");

        var quantity = 90_000_000 / limit; // far more than a simulated trade's volume: fills are partial
        var placed = await PostAsync(sim, token, "/uapi/domestic-stock/v1/trading/order-cash", "TTTC0012U", Buy(limit, quantity));
        Assert.Equal("0", placed.GetProperty("rt_cd").GetString());
        var orderNumber = placed.GetProperty("output").GetProperty("ODNO").GetString()!;
        var accepted = await firstNotice;
        Assert.Equal((NoticeKind.OrderAccepted, orderNumber, OrderSide.Buy, quantity, limit),
            (accepted.Kind, accepted.OrderNumber, accepted.Side, accepted.Quantity, accepted.Price));
        Assert.Equal($"{Account}01", accepted.AccountNumber);
        long Filled() => venue.View(Account + "01").Orders.Single(o => o.Number == long.Parse(orderNumber)).Filled;
        Assert.Equal(0, Filled()); // not marketable: it rests

        // Trade by trade: a buyer lifting the ask (above the order) leaves it alone; a seller hitting the book's bid
        // traded through it (it was the better bid), so it fills at its own price from that trade's volume.
        var expected = new List<long>();
        var above = 0;
        for (var i = 0; i < 1_000 && (expected.Count < 2 || above == 0); i++)
        {
            var filledBefore = Filled();
            var filledAfter = filledBefore;
            foreach (var trade in feed.Trades())
            {
                Assert.True(trade.Price == ask || trade.Price == bid, $"a trade at the touch, not {trade.Price}");
                if (trade.Price > limit)
                {
                    above++;
                    continue;
                }
                var fill = Math.Min(trade.Volume, quantity - filledAfter);
                filledAfter += fill;
                expected.Add(fill);
            }
            Assert.Equal(filledAfter, Filled());
        }
        Assert.True(above > 0 && expected.Count >= 2, $"{above} trades above the order, {expected.Count} through it");
        Assert.True(expected[0] < quantity, "the first fill is partial");
        var fills = new List<StockNotice>();
        foreach (var fill in expected)
        {
            var notice = await Next($"fill of {fill}");
            Assert.Equal((NoticeKind.Fill, orderNumber, fill, limit, quantity),
                (notice.Kind, notice.OrderNumber, notice.Quantity, notice.Price, notice.OrderQuantity));
            fills.Add(notice);
        }
        var filled = expected.Sum();

        var cancelled = await PostAsync(sim, token, "/uapi/domestic-stock/v1/trading/order-rvsecncl", "TTTC0013U", Cancel(orderNumber));
        Assert.Equal("0", cancelled.GetProperty("rt_cd").GetString());
        var cancelNumber = cancelled.GetProperty("output").GetProperty("ODNO").GetString()!;
        // A second cancel finds nothing left: refused, no notice. A marker order (a buy at the lower limit rests): the
        // notice after the one cancel notice is its acceptance.
        var again = await PostAsync(sim, token, "/uapi/domestic-stock/v1/trading/order-rvsecncl", "TTTC0013U", Cancel(orderNumber));
        Assert.Equal(("1", "APBK0917"), (again.GetProperty("rt_cd").GetString(), again.GetProperty("msg_cd").GetString()));
        var marker = await PostAsync(sim, token, "/uapi/domestic-stock/v1/trading/order-cash", "TTTC0012U",
            Buy(market.StockBookForOrders(Code).LowerLimit, 1));
        var cancel = await Next("cancel");
        Assert.Equal((NoticeKind.CancelAccepted, OrderRevision.Cancel, cancelNumber, orderNumber, quantity - filled),
            (cancel.Kind, cancel.Revision, cancel.OrderNumber, cancel.OriginalOrderNumber, cancel.Quantity));
        Assert.Equal(filled, cancel.OrderQuantity); // field 16 of a cancel: what the original had filled
        var next = await Next("marker's acceptance");
        Assert.Equal((NoticeKind.OrderAccepted, marker.GetProperty("output").GetProperty("ODNO").GetString()), (next.Kind, next.OrderNumber));

        // The order's life from its notices alone (as over the gateway or a recording).
        var tracker = new KisOrderTracker();
        foreach (var notice in new[] { accepted }.Concat(fills).Append(cancel)) tracker.Apply(notice);
        var life = tracker.Find(orderNumber)!;
        Assert.Equal((KisOrderStatus.Cancelled, filled, limit, quantity - filled, 0L, true),
            (life.Status, life.FilledQuantity, life.AveragePrice, life.CancelledQuantity, life.RemainingQuantity, life.IsDone));

        // The inquiries agree with the notices, fill by fill.
        var balance = await GetAsync(sim, token, "/uapi/domestic-stock/v1/trading/inquire-balance", "TTTC8434R",
            $"CANO={Account}&ACNT_PRDT_CD=01&AFHR_FLPR_YN=N&OFL_YN=&INQR_DVSN=02&UNPR_DVSN=01&FUND_STTL_ICLD_YN=N&FNCG_AMT_AUTO_RDPT_YN=N&PRCS_DVSN=00&" +
            $"CTX_AREA_FK100=&CTX_AREA_NK100=");
        var position = Assert.Single(balance.GetProperty("output1").EnumerateArray());
        Assert.Equal((Code, filled.ToString(), filled.ToString(), (filled * limit).ToString()),
            (position.GetProperty("pdno").GetString(), position.GetProperty("hldg_qty").GetString(), position.GetProperty("thdt_buyqty").GetString(),
             position.GetProperty("pchs_amt").GetString()));
        var daily = await GetAsync(sim, token, "/uapi/domestic-stock/v1/trading/inquire-daily-ccld", "TTTC0081R",
            $"CANO={Account}&ACNT_PRDT_CD=01&INQR_STRT_DT=20260101&INQR_END_DT=20261231&SLL_BUY_DVSN_CD=00&PDNO=&CCLD_DVSN=00&INQR_DVSN=00&INQR_DVSN_3=00&" +
            $"ORD_GNO_BRNO=&ODNO=&INQR_DVSN_1=&CTX_AREA_FK100=&CTX_AREA_NK100=");
        var rows = daily.GetProperty("output1").EnumerateArray().ToDictionary(r => r.GetProperty("odno").GetString()!);
        Assert.Equal((filled.ToString(), limit.ToString(), "0"),
            (rows[orderNumber].GetProperty("tot_ccld_qty").GetString(), rows[orderNumber].GetProperty("avg_prvs").GetString(),
                rows[orderNumber].GetProperty("rmn_qty").GetString()));
        Assert.Equal(((quantity - filled).ToString(), orderNumber),
            (rows[cancelNumber].GetProperty("cnc_cfrm_qty").GetString(), rows[cancelNumber].GetProperty("orgn_odno").GetString()));
        Assert.Equal(filled.ToString(), daily.GetProperty("output2").GetProperty("tot_ccld_qty").GetString());
        // The fills' commission (the backtest's rate), rounded up to the won in KIS's estimate.
        var commission = decimal.Ceiling(filled * limit * KisTradingCosts.DefaultCommissionRate);
        Assert.Equal(commission.ToString(), daily.GetProperty("output2").GetProperty("prsm_tlex_smtl").GetString());
        var possible = await GetAsync(sim, token, "/uapi/domestic-stock/v1/trading/inquire-psbl-order", "TTTC8908R",
            $"CANO={Account}&ACNT_PRDT_CD=01&PDNO={Code}&ORD_UNPR={limit}&ORD_DVSN=00&CMA_EVLU_AMT_ICLD_YN=N&OVRS_ICLD_YN=N");
        var markerReserve = market.StockBookForOrders(Code).LowerLimit;
        // Free cash, floored to the won: less the shares bought and their exact commission (the ledger keeps the cash
        // exact; only the estimate above is rounded), the open marker buy's reservation and its commission to come.
        var free = decimal.Floor(100_000_000m - filled * limit * (1 + KisTradingCosts.DefaultCommissionRate)
            - markerReserve * (1 + KisTradingCosts.DefaultCommissionRate));
        Assert.Equal(free.ToString(), possible.GetProperty("output").GetProperty("ord_psbl_cash").GetString());
    }

    /// <summary>A limit buy as KIS's examples_llm/domestic_stock/order_cash sample sends it.</summary>
    internal static Dictionary<string, string> Buy(long price, long quantity, string account = Account, string code = Code) => new()
    {
        ["CANO"] = account, ["ACNT_PRDT_CD"] = "01", ["PDNO"] = code, ["ORD_DVSN"] = "00", ["ORD_QTY"] = quantity.ToString(),
        ["ORD_UNPR"] = price.ToString(), ["EXCG_ID_DVSN_CD"] = "KRX", ["SLL_TYPE"] = "", ["CNDT_PRIC"] = "",
    };

    /// <summary>A cancel of all that is left, as KIS's order_rvsecncl sample sends it.</summary>
    internal static Dictionary<string, string> Cancel(string orderNumber, string account = Account) => new()
    {
        ["CANO"] = account, ["ACNT_PRDT_CD"] = "01", ["KRX_FWDG_ORD_ORGNO"] = "00950", ["ORGN_ODNO"] = orderNumber, ["ORD_DVSN"] = "00",
        ["RVSE_CNCL_DVSN_CD"] = "02", ["ORD_QTY"] = "0", ["ORD_UNPR"] = "0", ["QTY_ALL_ORD_YN"] = "Y", ["EXCG_ID_DVSN_CD"] = "KRX",
    };

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
        // 2,000 shares at 70,000 KRW: 140,000,000 KRW against the account's 100,000,000.
        var tooDear = await PostAsync(sim, token, "/uapi/domestic-stock/v1/trading/order-cash", "TTTC0012U", Order("70000", "2000"));
        Assert.Equal(("1", "APBK0952"), (tooDear.GetProperty("rt_cd").GetString(), tooDear.GetProperty("msg_cd").GetString()));
        Assert.True(tooDear.TryGetProperty("output", out _) is false, "a refusal has no order number");
        var sellNothing = await PostAsync(sim, token, "/uapi/domestic-stock/v1/trading/order-cash", "TTTC0011U", Order("70000"));
        Assert.Equal(("1", "APBK0400"), (sellNothing.GetProperty("rt_cd").GetString(), sellNothing.GetProperty("msg_cd").GetString()));
        // The paper tr_id on the real profile: KIS's gateway does not serve it.
        var (status, paperId) = await SendAsync(sim, token, HttpMethod.Post, "/uapi/domestic-stock/v1/trading/order-cash", "VTTC0012U",
            JsonSerializer.Serialize(Order("70000")));
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
    internal static async Task<(HttpStatusCode, JsonElement)> SendAsync(KisSimulator sim, string token, HttpMethod method, string pathAndQuery, string trId,
        string? json)
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
