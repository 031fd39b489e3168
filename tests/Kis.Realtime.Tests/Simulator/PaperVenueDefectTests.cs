using Kis.Realtime.Simulator.Trading.Rules;
using Kis.Realtime.Simulator.Rules;
using Kis.Realtime.Simulator.Trading.Engine;
using System.Net;
using System.Text.Json;
using Kis.Realtime.Simulator;
using Kis.Realtime.Simulator.Market;
using Kis.Realtime.Simulator.Trading;
using static Kis.Realtime.Tests.Client.ClientTestKit;
using static Kis.Realtime.Tests.Simulator.PaperVenueTests;

namespace Kis.Realtime.Tests.Simulator;

/// <summary>
/// Issue 55, item 8: the venue's smaller defects, each reproduced: an amendment or cancel of a quantity the order does
/// not have left, F/O codes no master lists, the F/O balance's orderable cash, a body with a duplicate key, a stock order
/// on a futures account.
/// </summary>
public sealed class PaperVenueDefectTests
{
    private const string Code = "005930", Account = "5012345601", Hts = "simuser01";

    private static (PaperVenue Venue, PaperOrder Order, DateTime Now) RestingBuy(long quantity = 10)
    {
        var market = new SimulatedMarket(SimulatorOptions.Default with { Seed = 7, DriveRestingOrders = false });
        var venue = new PaperVenue(market);
        var now = market.Clock.Now();
        var price = KrxRules.StockTickDown(KrxRules.StockTickDown(market.StockBookForOrders(Code).Touch().Bid));
        var placed = venue.Place(new PaperOrderRequest(Account, Hts, Code, Buy: true, Kind: OrderKind.Limit, quantity, price), now);
        Assert.True(placed.Accepted, placed.Message);
        return (venue, placed.Order!, now);
    }

    [Theory]
    [InlineData(0L)]
    [InlineData(-5L)]
    [InlineData(1L << 55)]
    [InlineData(1_000_001L)]
    [InlineData(11L)] // more than the 10 that remain
    public void An_amendment_of_a_quantity_the_order_does_not_have_left_is_refused_and_keeps_the_order(long quantity)
    {
        var (venue, order, now) = RestingBuy();
        var price = KrxRules.StockTickDown(order.LimitPrice);

        var result = venue.AmendOrCancel(Account, Hts, order.Number, derivative: false, cancel: false, quantity, wholeRemainder: false, price, now);

        Assert.False(result.Accepted, $"amending {quantity} of 10 was accepted");
        Assert.Equal("APBK0507", result.MessageCode);
        var view = venue.View(Account, now);
        var only = Assert.Single(view.Orders);
        Assert.Equal((10L, order.LimitPrice), (only.Remaining, only.Price));
    }

    [Fact]
    public void A_partial_cancel_beyond_what_remains_is_refused()
    {
        var (venue, order, now) = RestingBuy();

        var result = venue.AmendOrCancel(Account, Hts, order.Number, derivative: false, cancel: true, 11, wholeRemainder: false, 0, now);

        Assert.Equal((false, "APBK0507"), (result.Accepted, result.MessageCode));
        Assert.Equal(10L, Assert.Single(venue.View(Account, now).Orders).Remaining);
        // What remains, or part of it, is still cancelled as asked.
        Assert.True(venue.AmendOrCancel(Account, Hts, order.Number, derivative: false, cancel: true, 4, wholeRemainder: false, 0, now).Accepted);
        Assert.Equal(6L, venue.View(Account, now).Orders.Single(o => o.Number == order.Number).Remaining);
    }

    [Theory]
    [InlineData("101W01")]     // a KOSPI200 future expiring in January: they are quarterly
    [InlineData("101Z99")]     // month 99
    [InlineData("1010000000")] // ten characters
    public async Task A_futures_code_no_master_lists_is_refused(string code)
    {
        await using var sim = await StartSimAsync(o => o with { RandomNotices = false });
        var token = await MinuteChartTests.TokenAsync(sim);

        var reply = await PostAsync(sim, token, "/uapi/domestic-futureoption/v1/trading/order", "TTTO1101U", FuturesBuy(code));

        Assert.Equal(("1", "APBK0505"), (reply.GetProperty("rt_cd").GetString(), reply.GetProperty("msg_cd").GetString()));
        Assert.Empty(sim.Hub.Venue.View("6012345603").Orders);
    }

    [Fact]
    public async Task KIS_samples_futures_code_still_trades()
    {
        await using var sim = await StartSimAsync(o => o with { RandomNotices = false });
        var token = await MinuteChartTests.TokenAsync(sim);
        var reply = await PostAsync(sim, token, "/uapi/domestic-futureoption/v1/trading/order", "TTTO1101U", FuturesBuy("101W09"));
        Assert.Equal("0", reply.GetProperty("rt_cd").GetString());
    }

    [Fact]
    public async Task The_futures_balance_orderable_cash_is_less_the_margin_the_positions_hold()
    {
        await using var sim = await StartSimAsync(o => o with { RandomNotices = false });
        var token = await MinuteChartTests.TokenAsync(sim);
        var placed = await PostAsync(sim, token, "/uapi/domestic-futureoption/v1/trading/order", "TTTO1101U", FuturesBuy("101W09"));
        Assert.Equal("0", placed.GetProperty("rt_cd").GetString());

        var balance = await GetAsync(sim, token, "/uapi/domestic-futureoption/v1/trading/inquire-balance", "CTFO6118R",
            "CANO=60123456&ACNT_PRDT_CD=03&MGNA_DVSN=01&EXCC_STAT_CD=1&CTX_AREA_FK200=&CTX_AREA_NK200=");

        var output = balance.GetProperty("output2");
        var cash = long.Parse(output.GetProperty("dnca_cash").GetString()!);
        var orderable = long.Parse(output.GetProperty("ord_psbl_cash").GetString()!);
        var position = sim.Hub.Venue.View("6012345603").Positions.Single();
        var margin = Kis.Realtime.Simulator.Trading.Rules.FuturesOptionRules.MarginOf("101W09", 1, (long)position.Cost);
        Assert.True(margin > 0);
        Assert.Equal(cash - margin, orderable);
    }

    [Fact]
    public async Task A_body_with_a_duplicate_key_gets_a_400_in_KIS_shape()
    {
        await using var sim = await StartSimAsync(o => o with { RandomNotices = false });
        var token = await MinuteChartTests.TokenAsync(sim);
        var json = JsonSerializer.Serialize(Buy(70_000, 1));
        json = json.Replace("\"ORD_QTY\":\"1\"", "\"ORD_QTY\":\"1\",\"ORD_QTY\":\"900\"", StringComparison.Ordinal);
        Assert.Contains("900", json);

        var (status, reply) = await SendAsync(sim, token, HttpMethod.Post, "/uapi/domestic-stock/v1/trading/order-cash", "TTTC0012U", json);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal(("1", "OPSQ2001"), (reply.GetProperty("rt_cd").GetString(), reply.GetProperty("msg_cd").GetString()));
        Assert.Contains("ORD_QTY", reply.GetProperty("msg1").GetString());
        Assert.Empty(sim.Hub.Venue.View(Account).Orders);
    }

    [Fact]
    public async Task A_stock_order_on_a_futures_account_is_refused()
    {
        await using var sim = await StartSimAsync(o => o with { RandomNotices = false });
        var token = await MinuteChartTests.TokenAsync(sim);
        var order = Buy(70_000, 1, "50123456");
        order["ACNT_PRDT_CD"] = "03";

        var reply = await PostAsync(sim, token, "/uapi/domestic-stock/v1/trading/order-cash", "TTTC0012U", order);

        Assert.Equal("1", reply.GetProperty("rt_cd").GetString());
        Assert.Equal("OPSQ2000", reply.GetProperty("msg_cd").GetString());
        Assert.Empty(sim.Hub.Venue.View("5012345603").Orders);
    }

    /// <summary>A market buy of one contract as KIS's domestic_futureoption order sample sends it.</summary>
    private static Dictionary<string, string> FuturesBuy(string code) => new()
    {
        ["ORD_PRCS_DVSN_CD"] = "02", ["CANO"] = "60123456", ["ACNT_PRDT_CD"] = "03", ["SLL_BUY_DVSN_CD"] = "02",
        ["SHTN_PDNO"] = code, ["ORD_QTY"] = "1", ["UNIT_PRICE"] = "0", ["NMPR_TYPE_CD"] = "02",
        ["KRX_NMPR_CNDT_CD"] = "0", ["ORD_DVSN_CD"] = "02", ["CTAC_TLNO"] = "", ["FUOP_ITEM_DVSN_CD"] = "",
    };
}
