using Kis.Realtime.Simulator.Rules;
using Kis.Realtime.Simulator.Trading.Engine;
using System.Net;
using System.Net.Http.Headers;
using System.Numerics;
using System.Text;
using System.Text.Json;
using Kis.Realtime.Simulator;
using Kis.Realtime.Simulator.Market;
using Kis.Realtime.Simulator.Trading;
using Kis.Realtime.Simulator.Trading.Rules;
using static Kis.Realtime.Tests.Client.ClientTestKit;
using static Kis.Realtime.Tests.Simulator.PaperVenueTests;

namespace Kis.Realtime.Tests.Simulator;

/// <summary>
/// Issue 42, items 1, 4, 5 and 6: the sizing and bookkeeping bugs that could print money. The arithmetic ones run on
/// the venue itself; ownership and input checks go through KIS's REST calls, where KIS makes them.
/// </summary>
public sealed class PaperVenueMoneyTests
{
    private const string Code = "005930", Account = "5012345601", Hts = "simuser01";

    [Fact]
    public void A_quantity_whose_value_wraps_in_64_bits_is_refused_and_the_cash_is_untouched()
    {
        var market = new SimulatedMarket(SimulatorOptions.Default with { Seed = 7 });
        var venue = new PaperVenue(market);
        var now = market.Clock.Now();
        var bid = market.StockBookForOrders(Code).Touch().Bid;
        // 2^64 / (bid's power of two): quantity × bid is exactly 2^64, i.e. 0 in 64-bit arithmetic.
        var quantity = 1L << (64 - BitOperations.TrailingZeroCount(bid));
        Assert.True(quantity > 0 && unchecked(quantity * bid) == 0, $"{quantity} × {bid} wraps to 0");

        var result = venue.Place(new PaperOrderRequest(Account, Hts, Code, Buy: true, Kind: OrderKind.Limit, quantity, bid), now);

        Assert.Equal((false, "APBK0507"), (result.Accepted, result.MessageCode));
        var view = venue.View(Account, now);
        Assert.Equal((PaperVenue.StartingCash, 0), (view.Cash, view.Orders.Length));
    }

    [Fact]
    public void One_order_is_capped_in_shares_and_in_value_and_a_futures_order_in_contracts()
    {
        var market = new SimulatedMarket(SimulatorOptions.Default with { Seed = 7 });
        var venue = new PaperVenue(market);
        var now = market.Clock.Now();
        var bid = market.StockBookForOrders(Code).Touch().Bid;
        var over = venue.Place(new PaperOrderRequest(Account, Hts, Code, Buy: true, Kind: OrderKind.Limit, StockRules.MaxStockQuantity + 1, bid), now);
        Assert.Equal("APBK0507", over.MessageCode);
        var contracts = venue.Place(new PaperOrderRequest("6012345603", Hts, "101W09", Buy: true, Kind: OrderKind.Market,
            FuturesOptionRules.MaxContractsPerOrder + 1, 0, Derivative: true), now);
        Assert.Equal("APBK0507", contracts.MessageCode);
    }

    [Fact]
    public void The_buying_power_inquiry_and_order_cash_price_a_market_buy_by_one_rule()
    {
        var market = new SimulatedMarket(SimulatorOptions.Default with { Seed = 7 });
        var venue = new PaperVenue(market);
        var now = market.Clock.Now();
        var book = market.StockBookForOrders(Code);

        var (cash, unit, quantity) = venue.BuyingPower(Account, Code, isMarket: true, 0, now);

        // The shares at the upper limit and their commission (the backtest's rule).
        var affordable = (long)(PaperVenue.StartingCash / (book.UpperLimit * (1 + KisTradingCosts.DefaultCommissionRate)));
        Assert.Equal((PaperVenue.StartingCash, book.UpperLimit, affordable), (cash, unit, quantity));
        var tooMany = venue.Place(new PaperOrderRequest(Account, Hts, Code, Buy: true, Kind: OrderKind.Market, quantity + 1, 0), now);
        Assert.Equal("APBK0952", tooMany.MessageCode);
        Assert.True(venue.Place(new PaperOrderRequest(Account, Hts, Code, Buy: true, Kind: OrderKind.Market, quantity, 0), now).Accepted);
    }

    [Fact]
    public async Task Inquire_psbl_order_names_a_market_buy_quantity_that_order_cash_takes_and_one_more_it_refuses()
    {
        await using var sim = await StartSimAsync(o => o with { RandomNotices = false });
        var token = await MinuteChartTests.TokenAsync(sim);
        var possible = await GetAsync(sim, token, OrderEndpointsPaths.Possible, "TTTC8908R",
            $"CANO=50123456&ACNT_PRDT_CD=01&PDNO={Code}&ORD_UNPR=&ORD_DVSN=01&CMA_EVLU_AMT_ICLD_YN=N&OVRS_ICLD_YN=N");
        var max = long.Parse(possible.GetProperty("output").GetProperty("max_buy_qty").GetString()!);
        Assert.Equal(sim.Hub.Market.StockBookForOrders(Code).UpperLimit.ToString(),
            possible.GetProperty("output").GetProperty("psbl_qty_calc_unpr").GetString());

        var refused = await PostAsync(sim, token, OrderEndpointsPaths.Cash, "TTTC0012U", MarketBuy(max + 1));
        Assert.Equal("APBK0952", refused.GetProperty("msg_cd").GetString());
        var taken = await PostAsync(sim, token, OrderEndpointsPaths.Cash, "TTTC0012U", MarketBuy(max));
        Assert.Equal("0", taken.GetProperty("rt_cd").GetString());
    }

    [Fact]
    public async Task Another_app_key_can_neither_read_nor_trade_nor_cancel_on_an_account_it_does_not_own()
    {
        var other = new SimulatorCredential("PSsimKisRealtimeOtherAppKey000000000", "another-secret-for-the-second-key", "otheruser");
        await using var sim = await StartSimAsync(o => o with { RandomNotices = false, DriveRestingOrders = false, Credentials = [.. o.Credentials, other] });
        var token = await MinuteChartTests.TokenAsync(sim);
        var otherToken = await TokenAsync(sim, other);
        // At the lower limit, far below any ask: a buy at the bid filled when the unwatched stock's catch-up trades had
        // moved the touch by the time it came (a loaded machine), and this test is about ownership, not fills.
        var price = sim.Hub.Market.StockBookForOrders(Code).LowerLimit;
        var placed = await PostAsync(sim, token, OrderEndpointsPaths.Cash, "TTTC0012U", Buy(price, 1, code: Code));
        var number = placed.GetProperty("output").GetProperty("ODNO").GetString()!;

        var buy = await SendAsAsync(sim, other, otherToken, HttpMethod.Post, OrderEndpointsPaths.Cash, "TTTC0012U",
            JsonSerializer.Serialize(Buy(price, 1, code: Code)));
        var cancel = await SendAsAsync(sim, other, otherToken, HttpMethod.Post, "/uapi/domestic-stock/v1/trading/order-rvsecncl", "TTTC0013U",
            JsonSerializer.Serialize(Cancel(number)));
        var balance = await SendAsAsync(sim, other, otherToken, HttpMethod.Get,
            "/uapi/domestic-stock/v1/trading/inquire-balance?CANO=50123456&ACNT_PRDT_CD=01&AFHR_FLPR_YN=N&OFL_YN=&INQR_DVSN=02&UNPR_DVSN=01&" +
            "FUND_STTL_ICLD_YN=N&FNCG_AMT_AUTO_RDPT_YN=N&PRCS_DVSN=00&CTX_AREA_FK100=&CTX_AREA_NK100=",
            "TTTC8434R", null);

        foreach (var reply in new[] { buy, cancel, balance })
            Assert.Equal(("1", "OPSQ2000"), (reply.GetProperty("rt_cd").GetString(), reply.GetProperty("msg_cd").GetString()));
        var order = Assert.Single(sim.Hub.Venue.View(Account).Orders);
        Assert.Equal((long.Parse(number), 1L, 0L), (order.Number, order.Remaining, order.Cancelled));
        // Its own account is its own.
        var own = await SendAsAsync(sim, other, otherToken, HttpMethod.Post, OrderEndpointsPaths.Cash, "TTTC0012U",
            JsonSerializer.Serialize(Buy(price, 1, "70000001", Code)));
        Assert.Equal("0", own.GetProperty("rt_cd").GetString());
    }

    [Theory]
    [InlineData("5012345A", Code, "00", "OPSQ2000")] // letters in the account number
    [InlineData("５０１２３４５６", Code, "00", "OPSQ2000")] // full-width digits
    [InlineData("50123456", "123456", "00", "APBK1680")] // no such stock
    [InlineData("50123456", "A05930", "00", "APBK1680")] // not a six-digit code
    [InlineData("50123456", Code, "01", "APBK0506")] // a market order with a price
    public async Task Bad_input_is_refused_with_a_code_and_places_nothing(string cano, string code, string division, string expected)
    {
        await using var sim = await StartSimAsync(o => o with { RandomNotices = false });
        var token = await MinuteChartTests.TokenAsync(sim);
        var bid = sim.Hub.Market.StockBookForOrders(Code).Touch().Bid;
        var body = Buy(bid, 1, cano, code);
        body["ORD_DVSN"] = division;

        var reply = await PostAsync(sim, token, OrderEndpointsPaths.Cash, "TTTC0012U", body);

        Assert.Equal(("1", expected), (reply.GetProperty("rt_cd").GetString(), reply.GetProperty("msg_cd").GetString()));
        Assert.Empty(sim.Hub.Venue.View(Account).Orders);
    }

    [Fact]
    public async Task A_body_that_is_not_UTF_8_is_refused_in_KIS_shape()
    {
        await using var sim = await StartSimAsync(o => o with { RandomNotices = false });
        var token = await MinuteChartTests.TokenAsync(sim);
        var json = Encoding.UTF8.GetBytes("""{"CANO":"50123456","ACNT_PRDT_CD":"01","PDNO":"005930","ORD_DVSN":"01","ORD_QTY":"1","ORD_UNPR":"0","X":"?"}""");
        json[^3] = 0xFF; // the '?' becomes a byte no UTF-8 text has
        using var http = new HttpClient(new HttpClientHandler { UseProxy = false });
        using var request = Request(sim, SimulatorOptions.Default.Credentials[0], token, HttpMethod.Post, OrderEndpointsPaths.Cash, "TTTC0012U");
        request.Content = new ByteArrayContent(json) { Headers = { ContentType = new MediaTypeHeaderValue("application/json") } };

        using var response = await http.SendAsync(request);

        var reply = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal((HttpStatusCode.OK, "1", "OPSQ2001"),
            (response.StatusCode, reply.GetProperty("rt_cd").GetString(), reply.GetProperty("msg_cd").GetString()));
        Assert.Empty(sim.Hub.Venue.View(Account).Orders);
    }

    private static Dictionary<string, string> MarketBuy(long quantity)
    {
        var body = Buy(0, quantity, code: Code);
        (body["ORD_DVSN"], body["ORD_UNPR"]) = ("01", "0");
        return body;
    }

    internal static async Task<string> TokenAsync(KisSimulator sim, SimulatorCredential credential)
    {
        using var http = new HttpClient(new HttpClientHandler { UseProxy = false });
        var body = JsonSerializer.Serialize(new Dictionary<string,
            string> { ["grant_type"] = "client_credentials", ["appkey"] = credential.AppKey, ["appsecret"] = credential.AppSecret });
        using var response = await http.PostAsync(KisSimulator.Display(sim.RestBaseUrl) + "/oauth2/tokenP",
            new StringContent(body, Encoding.UTF8, "application/json"));
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("access_token").GetString()!;
    }

    private static HttpRequestMessage Request(KisSimulator sim, SimulatorCredential credential, string token, HttpMethod method, string pathAndQuery,
        string trId)
    {
        var request = new HttpRequestMessage(method, KisSimulator.Display(sim.RestBaseUrl) + pathAndQuery);
        request.Headers.TryAddWithoutValidation("authorization", $"Bearer {token}");
        request.Headers.Add("appkey", credential.AppKey);
        request.Headers.Add("appsecret", credential.AppSecret);
        request.Headers.Add("tr_id", trId);
        request.Headers.Add("custtype", "P");
        return request;
    }

    internal static async Task<JsonElement> SendAsAsync(KisSimulator sim, SimulatorCredential credential, string token, HttpMethod method, string pathAndQuery,
        string trId, string? json)
    {
        using var http = new HttpClient(new HttpClientHandler { UseProxy = false });
        using var request = Request(sim, credential, token, method, pathAndQuery, trId);
        if (json is not null) request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        using var response = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }
}

/// <summary>The stock order paths the venue tests call.</summary>
internal static class OrderEndpointsPaths
{
    public const string Cash = "/uapi/domestic-stock/v1/trading/order-cash";
    public const string Possible = "/uapi/domestic-stock/v1/trading/inquire-psbl-order";
}

/// <summary>Issue 42, item 2: an account's notices go out as they happen, whatever the market feed's pace.</summary>
public sealed class PaperVenueNoticeDeliveryTests
{
    [Fact]
    public async Task Every_acceptance_notice_is_sent_although_the_pace_s_clock_never_moves()
    {
        // The simulator's clock is frozen: a paced stream earns no credit, so only notices sent as events get out.
        var clock = new ManualTimeProvider(new DateTimeOffset(2026, 11, 26, 1, 0, 0, TimeSpan.Zero));
        await using var sim = await StartSimAsync(o => o with { RandomNotices = false, TimeProvider = clock, Pace = MarketPace.PerSecond(1) });
        await using var client = new KisRealtimeClient(Options(sim));
        var token = await MinuteChartTests.TokenAsync(sim);
        await using var notices = client.SubscribeStockNoticesAsync().GetAsyncEnumerator();
        var first = notices.MoveNextAsync().AsTask();
        await UntilAsync(() => sim.Counters.Replies("OPSP0000") >= 1, "the notice subscription confirmed by the simulator");
        var lower = sim.Hub.Market.StockBookForOrders("005930").LowerLimit;

        var numbers = new List<string>();
        for (var i = 0; i < 20; i++)
        {
            var placed = await PostAsync(sim, token, OrderEndpointsPaths.Cash, "TTTC0012U", Buy(lower, 1, code: "005930"));
            numbers.Add(placed.GetProperty("output").GetProperty("ODNO").GetString()!);
        }

        Assert.True(await first.WaitAsync(TimeSpan.FromSeconds(30)), "the notices ended");
        var received = new List<string> { notices.Current.OrderNumber };
        while (received.Count < numbers.Count) received.Add((await NextAsync(notices)).OrderNumber);
        Assert.Equal(numbers, received);
    }
}

/// <summary>Issue 42, item 9: resting orders fill whether or not anyone subscribes to the stock's feeds.</summary>
public sealed class PaperVenueUnwatchedTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_pre_open_market_buy_in_a_stock_nobody_watches_fills_at_the_opening_print_when_the_clock_drives_the_market(bool drive)
    {
        var clock = new ManualTimeProvider(new DateTimeOffset(2026, 11, 25, 23, 50, 0, TimeSpan.Zero)); // Thursday 08:50 KST
        await using var sim = await StartSimAsync(o => o with
        {
            RandomNotices = false, TimeProvider = clock, ClockSpeed = 60, DriveRestingOrders = drive,
            MarketStart = new DateTimeOffset(2026, 11, 26, 8, 50, 0, TimeSpan.FromHours(9)),
        });
        var venue = sim.Hub.Venue;
        var placed = venue.Place(new PaperOrderRequest("5012345601", "simuser01", "005930", Buy: true, Kind: OrderKind.Market, 2, 0), sim.MarketTime);
        Assert.Equal(0, placed.Order!.Filled); // the pre-open: it waits for the opening auction

        // Twenty market minutes, half a wall second (half a market minute) at a time: past 09:00.
        for (var i = 0; i < 40; i++) clock.Advance(TimeSpan.FromSeconds(0.5));

        Assert.True(sim.MarketTime.TimeOfDay > new TimeSpan(9, 5, 0), $"{sim.MarketTime:HH:mm:ss}");
        var order = venue.View("5012345601", sim.MarketTime).Orders.Single();
        if (!drive)
        {
            Assert.Equal(0, order.Filled); // nobody asked the market for a trade
            return;
        }
        Assert.Equal(2, order.Filled);
        Assert.Equal(0, order.FilledValue % 2); // both shares at the one print
    }
}

/// <summary>Issue 42, item 7: futures/options take margin, and a closed round trip's profit or loss reaches the cash.</summary>
public sealed class PaperFuturesMarginTests
{
    private const string Future = "101W09", Account = "6012345603", Hts = "simuser01";

    [Fact]
    public void Opening_more_contracts_than_the_initial_margin_allows_is_refused_and_closing_needs_none()
    {
        var market = new SimulatedMarket(SimulatorOptions.Default with { Seed = 7 });
        var venue = new PaperVenue(market);
        var at = market.Clock.Now().Date.AddHours(10);
        var quote = market.DerivativeForOrders(Future).Quote;
        // 970 contracts once went through on 100 M (84 bn KRW of KOSPI200 futures).
        var perContract = quote.Ask * KrxRules.Multiplier(Future) / 100 * FuturesOptionRules.FuturesMarginRate;
        var affordable = (long)(PaperVenue.StartingCash / perContract);
        Assert.InRange(affordable, 1, 969);

        var tooMany = venue.Place(new PaperOrderRequest(Account, Hts, Future, Buy: true, Kind: OrderKind.Limit, affordable + 1, quote.Ask, Derivative: true),
            at);
        Assert.Equal("APBK0952", tooMany.MessageCode);
        var opened = venue.Place(new PaperOrderRequest(Account, Hts, Future, Buy: true, Kind: OrderKind.Limit, 1, quote.Ask, Derivative: true), at);
        Assert.True(opened.Accepted, opened.Message);
    }

    [Fact]
    public void A_closed_round_trip_settles_its_profit_in_the_cash()
    {
        var market = new SimulatedMarket(SimulatorOptions.Default with { Seed = 7 });
        var venue = new PaperVenue(market);
        var at = market.Clock.Now().Date.AddHours(10);
        var quote = market.DerivativeForOrders(Future).Quote;
        // Buy 2 at the ask (marketable: filled at once), then sell 2 resting ten ticks higher, filled by a trade through it.
        Assert.Equal(2, venue.Place(new PaperOrderRequest(Account, Hts, Future, Buy: true, Kind: OrderKind.Limit, 2, quote.Ask, Derivative: true),
            at).Order!.Filled);
        var higher = quote.Ask + 10 * quote.Tick;
        var sell = venue.Place(new PaperOrderRequest(Account, Hts, Future, Buy: false, Kind: OrderKind.Limit, 2, higher, Derivative: true), at).Order!;
        Assert.Equal(0, sell.Filled);

        venue.OnTrade(Future, derivative: true, higher + quote.Tick, 5, buyerInitiated: true, at);

        var view = venue.View(Account, at);
        var profit = 2 * (higher - quote.Ask) * KrxRules.Multiplier(Future) / 100; // ten ticks on two contracts, in KRW
        var commission = (2m * quote.Ask + 2m * higher) * KrxRules.Multiplier(Future) / 100 * KisTradingCosts.DefaultFuturesCommissionRate;
        Assert.Equal(PaperVenue.StartingCash + profit - (long)decimal.Ceiling(commission), view.Cash);
        Assert.Equal(0, view.Positions.Single().Quantity);
    }
}
