using Kis.Realtime.Simulator.Rules;
using System.Globalization;
using System.Net;
using System.Text.Json;
using Kis.Realtime.Simulator;
using Kis.Realtime.Simulator.Trading;
using Kis.Realtime.Simulator.Trading.Rules;
using static Kis.Realtime.Tests.Client.ClientTestKit;
using static Kis.Realtime.Tests.Simulator.PaperVenueTests;

namespace Kis.Realtime.Tests.Simulator;

/// <summary>
/// Issue 32: futures and options at the paper venue. Orders go in as KIS's examples_llm domestic_futureoption samples
/// send them (order, order-rvsecncl: upper-case bodies, decimal prices, TTTO…/VTTO… tr_ids); fills come from the
/// simulated futures trades (H0IFCNT0); the futures/options notices (H0IFCNI0) the client decrypts report each step,
/// consistent with the REST answers and the balance inquiry.
/// </summary>
public sealed class PaperFuturesVenueTests
{
    private const string Account = "60123456";
    private const string Code = "101W09"; // KIS's own sample product: the KOSPI200 future

    [Fact]
    public async Task A_resting_futures_limit_order_fills_from_the_simulated_futures_trades_that_reach_it()
    {
        // The fills must come from the trades this test's subscription sees: the clock does not drive the market.
        await using var sim = await StartSimAsync(o => o with { Pace = MarketPace.PerSecond(100), RandomNotices = false, DriveRestingOrders = false });
        await using var client = new KisRealtimeClient(Options(sim));
        var token = await MinuteChartTests.TokenAsync(sim);
        await using var notices = client.SubscribeFuturesOptionsNoticesAsync().GetAsyncEnumerator();
        var firstNotice = notices.MoveNextAsync().AsTask();
        await UntilAsync(() => sim.Counters.Replies("OPSP0000") >= 1, "the notice subscription confirmed by the simulator");

        // A buy at the bid, placed while nobody subscribes to the product's trades: its market does not move, so the
        // order cannot meet an ask that moved down to it and rests. (Placed at the last trade's price while the feed
        // ran, a loaded machine let the ask fall to the limit first: the order then traded at once, below its limit.)
        // As many contracts as the account's initial margin allows (issue 42, item 7).
        var quote = sim.Hub.Market.DerivativeForOrders(Code).Quote;
        var limit = quote.Bid / 100m;
        var quantity = (long)(PaperVenue.StartingCash / (quote.Bid * KrxRules.Multiplier(Code) / 100 * FuturesOptionRules.FuturesMarginRate));
        var placed = await PostAsync(sim, token, "/uapi/domestic-futureoption/v1/trading/order", "TTTO1101U",
            Order("02", quantity.ToString(CultureInfo.InvariantCulture), limit.ToString("0.00", CultureInfo.InvariantCulture), "01"));
        Assert.True("0" == placed.GetProperty("rt_cd").GetString(), placed.ToString());
        var orderNumber = placed.GetProperty("output").GetProperty("ODNO").GetString()!;

        Assert.True(await firstNotice.WaitAsync(TimeSpan.FromSeconds(30)));
        var accepted = notices.Current;
        Assert.Equal((NoticeKind.OrderAccepted, orderNumber, OrderSide.Buy, Code, quantity, limit),
            (accepted.Kind, accepted.OrderNumber, accepted.Side, accepted.ProductCode, accepted.OrderQuantity, accepted.OrderPrice));
        Assert.Equal($"{Account}03", accepted.AccountNumber);

        // Now the simulated futures trades run; the order fills only from those that reach its limit.
        var trades = new List<FuturesTrade>();
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        var reading = Task.Run(async () =>
        {
            await foreach (var trade in client.SubscribeFuturesTradesAsync(Code).WithCancellation(stop.Token))
                lock (trades) trades.Add(trade);
        });

        // The fill: at the limit, from a trade of the feed at or under it in the same second with at least that volume.
        // It comes when the simulated market's walk reaches the limit: within seconds on a quiet machine, but a CI run at
        // load 40 sent too few trades for that in the 30 s NextAsync gives, so this waits as long as the feed is read.
        Assert.True(await notices.MoveNextAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(90)), "the notices ended");
        var fill = notices.Current;
        Assert.Equal((NoticeKind.Fill, orderNumber, limit, quantity), (fill.Kind, fill.OrderNumber, fill.FillPrice, fill.OrderQuantity));
        Assert.InRange(fill.FillQuantity ?? 0, 1, quantity);
        await UntilAsync(() => { lock (trades) return trades.Any(t => t.Time == fill.Time && t.Price <= limit && t.Volume >= fill.FillQuantity); },
            $"a trade at or under {limit} at {fill.Time} with {fill.FillQuantity} contracts or more");

        stop.Cancel();
        await Record.ExceptionAsync(() => reading);
    }

    [Fact]
    public async Task A_cancel_of_the_rest_gives_one_cancel_notice_and_the_inquiries_agree_with_the_notices_fill_by_fill()
    {
        // No trade subscription and no market driven by the clock: the only trades are the ones this test makes, so
        // every quantity is exact.
        await using var sim = await StartSimAsync(o => o with { RandomNotices = false, DriveRestingOrders = false });
        await using var client = new KisRealtimeClient(Options(sim));
        var token = await MinuteChartTests.TokenAsync(sim);
        await using var notices = client.SubscribeFuturesOptionsNoticesAsync().GetAsyncEnumerator();
        var firstNotice = notices.MoveNextAsync().AsTask();
        await UntilAsync(() => sim.Counters.Replies("OPSP0000") >= 1, "the notice subscription confirmed by the simulator");
        var market = sim.Hub.Market;
        var venue = sim.Hub.Venue;
        var quote = market.DerivativeForOrders(Code).Quote;
        var limit = quote.Bid / 100m;
        var placed = await PostAsync(sim, token, "/uapi/domestic-futureoption/v1/trading/order", "TTTO1101U",
            Order("02", "10", limit.ToString("0.00", CultureInfo.InvariantCulture), "01"));
        var orderNumber = placed.GetProperty("output").GetProperty("ODNO").GetString()!;
        Assert.True(await firstNotice.WaitAsync(TimeSpan.FromSeconds(30)));
        var accepted = notices.Current;

        venue.OnTrade(Code, derivative: true, quote.Bid + quote.Tick, 50, buyerInitiated: true, sim.MarketTime); // above the limit: no fill
        // Sellers at the bid: the quote's contracts there were first; the 4 after them fill the order.
        venue.OnTrade(Code, derivative: true, quote.Bid, quote.BidQuantity + 4, buyerInitiated: false, sim.MarketTime);
        venue.OnTrade(Code, derivative: true, quote.Bid - quote.Tick, 3, buyerInitiated: false, sim.MarketTime); // through it: a fill at the limit
        var fills = new[] { await NextAsync(notices), await NextAsync(notices) };
        Assert.Equal([(NoticeKind.Fill, 4, limit), (NoticeKind.Fill, 3, limit)], fills.Select(f => (f.Kind, f.FillQuantity, f.FillPrice)));

        var cancelled = await PostAsync(sim, token, "/uapi/domestic-futureoption/v1/trading/order-rvsecncl", "TTTO1103U", Cancel(orderNumber));
        Assert.Equal("0", cancelled.GetProperty("rt_cd").GetString());
        var cancelNumber = cancelled.GetProperty("output").GetProperty("ODNO").GetString()!;
        Assert.Equal(orderNumber, cancelled.GetProperty("output").GetProperty("ORGN_ODNO").GetString());
        // A second cancel finds nothing left: refused, no notice.
        var again = await PostAsync(sim, token, "/uapi/domestic-futureoption/v1/trading/order-rvsecncl", "TTTO1103U", Cancel(orderNumber));
        Assert.Equal(("1", "APBK0917"), (again.GetProperty("rt_cd").GetString(), again.GetProperty("msg_cd").GetString()));
        // A marker order: the notice after the one cancel notice is its acceptance.
        var above = (quote.Ask + quote.Tick) / 100m; // a sell over the ask: it rests
        var marker = await PostAsync(sim, token, "/uapi/domestic-futureoption/v1/trading/order", "TTTO1101U",
            Order("01", "1", above.ToString("0.00", CultureInfo.InvariantCulture), "01"));
        var cancel = await NextAsync(notices);
        Assert.Equal((NoticeKind.CancelAccepted, OrderRevision.Cancel, cancelNumber, orderNumber, 3, 7),
            (cancel.Kind, cancel.Revision, cancel.OrderNumber, cancel.OriginalOrderNumber, cancel.CancelledQuantity, cancel.FilledQuantity));
        var next = await NextAsync(notices);
        Assert.Equal((NoticeKind.OrderAccepted, marker.GetProperty("output").GetProperty("ODNO").GetString()), (next.Kind, next.OrderNumber));

        // The order's life from its notices alone.
        var tracker = new KisOrderTracker();
        foreach (var notice in fills.Prepend(accepted).Append(cancel)) tracker.Apply(notice);
        var life = tracker.Find(orderNumber)!;
        Assert.Equal((KisOrderStatus.Cancelled, 7L, limit, 3L, true),
            (life.Status, life.FilledQuantity, life.AveragePrice, life.CancelledQuantity, life.IsDone));

        // The balance inquiry shows the long of 7 at the limit (the marker sell rests over the ask), as KIS's
        // inquire_balance sample reads it; the possible-order inquiry can close those 7 with a sell.
        var balance = await GetAsync(sim, token, "/uapi/domestic-futureoption/v1/trading/inquire-balance", "CTFO6118R",
            $"CANO={Account}&ACNT_PRDT_CD=03&MGNA_DVSN=01&EXCC_STAT_CD=1&CTX_AREA_FK200=&CTX_AREA_NK200=");
        var position = Assert.Single(balance.GetProperty("output1").EnumerateArray());
        Assert.Equal((Code, "7", "매수", limit.ToString("0.00", CultureInfo.InvariantCulture)),
            (position.GetProperty("shtn_pdno").GetString(), position.GetProperty("cblc_qty").GetString(),
             position.GetProperty("sll_buy_dvsn_name").GetString(), position.GetProperty("ccld_avg_unpr1").GetString()));
        // KOSPI200 futures: 250,000 KRW a point.
        Assert.Equal((7 * limit * 250_000m).ToString("0", CultureInfo.InvariantCulture), position.GetProperty("pchs_amt").GetString());
        var possible = await GetAsync(sim, token, "/uapi/domestic-futureoption/v1/trading/inquire-psbl-order", "TTTO5105R",
            $"CANO={Account}&ACNT_PRDT_CD=03&PDNO={Code}&SLL_BUY_DVSN_CD=01&UNIT_PRICE=1&ORD_DVSN_CD=01");
        Assert.Equal("7", possible.GetProperty("output").GetProperty("lqd_psbl_qty1").GetString());

        // The order inquiry (KIS's inquire_ccnl sample, filled orders only, oldest first) agrees with the notices:
        // the bought order and its cancel, each with what the original had filled.
        var ccnl = await GetAsync(sim, token, "/uapi/domestic-futureoption/v1/trading/inquire-ccnl", "TTTO5201R",
            $"CANO={Account}&ACNT_PRDT_CD=03&STRT_ORD_DT=20260101&END_ORD_DT=20261231&SLL_BUY_DVSN_CD=02&CCLD_NCCS_DVSN=00&SORT_SQN=AS&PDNO=&STRT_ODNO=&" +
            $"MKET_ID_CD=&CTX_AREA_FK200=&CTX_AREA_NK200=");
        var row = ccnl.GetProperty("output1").EnumerateArray().First();
        Assert.Equal((orderNumber, "10", "7", "0", limit.ToString("0.00", CultureInfo.InvariantCulture)),
            (row.GetProperty("odno").GetString(), row.GetProperty("ord_qty").GetString(), row.GetProperty("tot_ccld_qty").GetString(),
             row.GetProperty("qty").GetString(), row.GetProperty("avg_idx").GetString()));
        Assert.Equal("7", ccnl.GetProperty("output2").GetProperty("tot_ccld_qty_smtl").GetString());
    }

    [Fact]
    public async Task A_market_sell_closes_the_long_at_the_touch_and_the_balance_shows_what_is_left()
    {
        await using var sim = await StartSimAsync(o => o with { RandomNotices = false });
        var token = await MinuteChartTests.TokenAsync(sim);
        // Market orders (ORD_DVSN_CD 02, UNIT_PRICE 0) as KIS's chk_order.py sends them: at the touch, 20 contracts deep.
        var bought = await PostAsync(sim, token, "/uapi/domestic-futureoption/v1/trading/order", "TTTO1101U", Order("02", "5", "0", "02"));
        Assert.Equal("0", bought.GetProperty("rt_cd").GetString());
        var sold = await PostAsync(sim, token, "/uapi/domestic-futureoption/v1/trading/order", "TTTO1101U", Order("01", "3", "0", "02"));
        Assert.Equal("0", sold.GetProperty("rt_cd").GetString());

        var balance = await GetAsync(sim, token, "/uapi/domestic-futureoption/v1/trading/inquire-balance", "CTFO6118R",
            $"CANO={Account}&ACNT_PRDT_CD=03&MGNA_DVSN=01&EXCC_STAT_CD=1&CTX_AREA_FK200=&CTX_AREA_NK200=");
        var position = Assert.Single(balance.GetProperty("output1").EnumerateArray());
        Assert.Equal(("2", "매수"), (position.GetProperty("cblc_qty").GetString(), position.GetProperty("sll_buy_dvsn_name").GetString()));
        // Bought at the ask, sold at the bid a tick (0.05 point) under it, with no trade between: 3 × 0.05 × 250,000 lost.
        Assert.Equal("-37500", balance.GetProperty("output2").GetProperty("futr_trad_pfls_amt").GetString());
    }

    /// <summary>
    /// Issue 73: what a paper order takes from the futures feed's quote is gone from it until the feed quotes anew, as
    /// from the backtest's book and the replayed one (<see cref="DerivativeBookUseParityTests"/>). Two buys of 15 at the
    /// ask against the 20 contracts it shows: the first takes 15, the second the 5 left, and its other 10 rest. Before,
    /// both took 15 from the same 20. A mini KOSPI200 future: 30 contracts' margin fits the account's cash.
    /// </summary>
    [Fact]
    public async Task Two_buys_at_the_ask_share_the_contracts_the_quote_shows_until_the_feed_quotes_anew()
    {
        // Nobody subscribes to the product's trades and resting orders do not drive it: the quote stays between the orders.
        await using var sim = await StartSimAsync(o => o with { RandomNotices = false, DriveRestingOrders = false });
        var token = await MinuteChartTests.TokenAsync(sim);
        const string mini = "105W09";
        var quote = sim.Hub.Market.DerivativeForOrders(mini).Quote;
        Assert.Equal(20, quote.AskQuantity);
        var limit = (quote.Ask / 100m).ToString("0.00", CultureInfo.InvariantCulture);
        for (var i = 0; i < 2; i++)
        {
            var order = Order("02", "15", limit, "01");
            order["SHTN_PDNO"] = mini;
            var placed = await PostAsync(sim, token, "/uapi/domestic-futureoption/v1/trading/order", "TTTO1101U", order);
            Assert.True("0" == placed.GetProperty("rt_cd").GetString(), placed.ToString());
        }

        var orders = sim.Hub.Venue.View(Account + "03").Orders.OrderBy(o => o.Number).Select(o => (o.Filled, o.FilledValue, o.Remaining));
        Assert.Equal([(15L, 15 * quote.Ask, 0L), (5L, 5 * quote.Ask, 10L)], orders);
        Assert.Equal(0, sim.Hub.Market.DerivativeForOrders(mini).Quote.AskQuantity);
    }

    [Fact]
    public async Task Futures_orders_are_refused_in_KIS_shape_off_the_tick_grid_beyond_the_limits_too_large_and_for_the_night_tr_id()
    {
        await using var sim = await StartSimAsync(o => o with { RandomNotices = false });
        var token = await MinuteChartTests.TokenAsync(sim);
        async Task<string?> Refusal(Dictionary<string, string> body)
        {
            var reply = await PostAsync(sim, token, "/uapi/domestic-futureoption/v1/trading/order", "TTTO1101U", body);
            Assert.Equal("1", reply.GetProperty("rt_cd").GetString());
            return reply.GetProperty("msg_cd").GetString();
        }
        Assert.Equal("APBK0506", await Refusal(Order("02", "1", "352.51", "01"))); // KOSPI200 futures tick: 0.05
        Assert.Equal("APBK0510", await Refusal(Order("02", "1", "9000.00", "01")));
        Assert.Equal("APBK0507", await Refusal(Order("02", "1001", "0", "02")));
        Assert.Equal("APBK0505", await Refusal(Order("02", "1", "0", "10"))); // IOC limit: not simulated
        // The night session's tr_id: the venue takes day-session orders only, and says which tr_ids it serves.
        var (status, night) = await SendAsync(sim, token, HttpMethod.Post, "/uapi/domestic-futureoption/v1/trading/order", "STTN1101U",
            JsonSerializer.Serialize(Order("02", "1", "0", "02")));
        Assert.Equal((HttpStatusCode.InternalServerError, "OPSQ0002"), (status, night.GetProperty("msg_cd").GetString()));
        Assert.Contains("TTTO1101U", night.GetProperty("msg1").GetString());
    }

    /// <summary>A cancel of the whole rest as KIS's domestic_futureoption/order_rvsecncl sample sends it.</summary>
    /// <summary>Issue 42, items 6 and 7: the possible-order inquiry reported 1,000 contracts whatever the margin.</summary>
    [Theory]
    [InlineData("01")] // a limit buy at the ask: margin at its price
    [InlineData("02")] // a market buy: margin at the day's upper limit, as the order check takes it
    public async Task The_possible_order_inquiry_names_what_the_margin_rule_takes_and_one_more_is_refused(string division)
    {
        await using var sim = await StartSimAsync(o => o with { RandomNotices = false, DriveRestingOrders = false });
        var token = await MinuteChartTests.TokenAsync(sim);
        var quote = sim.Hub.Market.DerivativeForOrders(Code).Quote;
        var price = division == "02" ? "0" : (quote.Ask / 100m).ToString("0.00", CultureInfo.InvariantCulture);
        var possible = await GetAsync(sim, token, "/uapi/domestic-futureoption/v1/trading/inquire-psbl-order", "TTTO5105R",
            $"CANO={Account}&ACNT_PRDT_CD=03&PDNO={Code}&SLL_BUY_DVSN_CD=02&UNIT_PRICE={price}&ORD_DVSN_CD={division}");
        var max = long.Parse(possible.GetProperty("output").GetProperty("ord_psbl_qty").GetString()!, CultureInfo.InvariantCulture);
        // 100 M KRW at 8 % of about 350 points × 250,000 KRW a contract: a dozen or so, far from the 1,000 cap.
        Assert.InRange(max, 1, 999);
        Assert.Equal(max.ToString(CultureInfo.InvariantCulture), possible.GetProperty("output").GetProperty("tot_psbl_qty").GetString());

        var refused = await PostAsync(sim, token, "/uapi/domestic-futureoption/v1/trading/order", "TTTO1101U",
            Order("02", (max + 1).ToString(CultureInfo.InvariantCulture), price, division));
        Assert.Equal(("1", "APBK0952"), (refused.GetProperty("rt_cd").GetString(), refused.GetProperty("msg_cd").GetString()));
        var taken = await PostAsync(sim, token, "/uapi/domestic-futureoption/v1/trading/order", "TTTO1101U",
            Order("02", max.ToString(CultureInfo.InvariantCulture), price, division));
        Assert.True(taken.GetProperty("rt_cd").GetString() == "0", taken.ToString());
    }

    private static Dictionary<string, string> Cancel(string orderNumber) => new()
    {
        ["ORD_PRCS_DVSN_CD"] = "02", ["CANO"] = Account, ["ACNT_PRDT_CD"] = "03", ["RVSE_CNCL_DVSN_CD"] = "02", ["ORGN_ODNO"] = orderNumber,
        ["ORD_QTY"] = "0", ["UNIT_PRICE"] = "0", ["NMPR_TYPE_CD"] = "02", ["KRX_NMPR_CNDT_CD"] = "0", ["RMN_QTY_YN"] = "Y",
        ["ORD_DVSN_CD"] = "01", ["FUOP_ITEM_DVSN_CD"] = "",
    };

    /// <summary>An order body as KIS's domestic_futureoption/order sample builds it.</summary>
    private static Dictionary<string, string> Order(string side, string quantity, string price, string orderDivision) => new()
    {
        ["ORD_PRCS_DVSN_CD"] = "02", ["CANO"] = Account, ["ACNT_PRDT_CD"] = "03", ["SLL_BUY_DVSN_CD"] = side, ["SHTN_PDNO"] = Code,
        ["ORD_QTY"] = quantity, ["UNIT_PRICE"] = price, ["NMPR_TYPE_CD"] = orderDivision == "02" ? "02" : "01", ["KRX_NMPR_CNDT_CD"] = "0",
        ["ORD_DVSN_CD"] = orderDivision, ["CTAC_TLNO"] = "", ["FUOP_ITEM_DVSN_CD"] = "",
    };
}
