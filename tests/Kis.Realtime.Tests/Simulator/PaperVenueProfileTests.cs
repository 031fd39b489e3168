using System.Globalization;
using Kis.Realtime.Simulator;
using static Kis.Realtime.Tests.Client.ClientTestKit;
using static Kis.Realtime.Tests.Simulator.PaperVenueTests;

namespace Kis.Realtime.Tests.Simulator;

/// <summary>
/// Issue 32 on the paper profile (KIS's 모의투자 server): the order calls take the paper tr_ids (VTTC…, VTTO…), the
/// notices come on the paper notice TRs (H0STCNI9, H0IFCNI9), and KRX's hours refuse an order with KIS's code.
/// </summary>
public sealed class PaperVenueProfileTests
{
    private const string StockAccount = "50999999";
    private const string FuturesAccount = "60999999";

    [Fact]
    public async Task Paper_tr_ids_place_stock_and_futures_orders_whose_notices_come_on_H0STCNI9_and_H0IFCNI9()
    {
        await using var sim = await StartSimAsync(o => o with { Profile = SimulatorProfile.Paper, RandomNotices = false });
        await using var client = new KisRealtimeClient(Options(sim));
        var token = await MinuteChartTests.TokenAsync(sim);
        await using var stockNotices = client.SubscribeStockNoticesAsync().GetAsyncEnumerator();
        await using var futuresNotices = client.SubscribeFuturesOptionsNoticesAsync().GetAsyncEnumerator();
        var firstStock = stockNotices.MoveNextAsync().AsTask();
        var firstFutures = futuresNotices.MoveNextAsync().AsTask();
        await UntilAsync(() => sim.Counters.Replies("OPSP0000") >= 2, "both notice subscriptions confirmed by the simulator");
        Assert.Equal(["H0IFCNI9", "H0STCNI9"], sim.Sessions.SelectMany(s => s.Subscriptions).Select(s => s.TrId).Order(StringComparer.Ordinal));

        // VTTC0012U: a market buy of one share fills at the touch; VTTC0011U: a sell of it at the upper limit rests.
        var bought = await PostAsync(sim, token, "/uapi/domestic-stock/v1/trading/order-cash", "VTTC0012U", StockOrder("01", "1", "0"));
        Assert.True("0" == bought.GetProperty("rt_cd").GetString(), bought.ToString());
        var upper = sim.Hub.Market.StockBookForOrders("005930").UpperLimit;
        var sold = await PostAsync(sim, token, "/uapi/domestic-stock/v1/trading/order-cash", "VTTC0011U",
            StockOrder("00", "1", upper.ToString(CultureInfo.InvariantCulture)));
        Assert.True("0" == sold.GetProperty("rt_cd").GetString(), sold.ToString());
        Assert.True(await firstStock.WaitAsync(TimeSpan.FromSeconds(30)));
        var buyNumber = bought.GetProperty("output").GetProperty("ODNO").GetString();
        var stock = new[] { stockNotices.Current, await NextAsync(stockNotices), await NextAsync(stockNotices) };
        Assert.Equal([(NoticeKind.OrderAccepted, buyNumber, OrderSide.Buy), (NoticeKind.Fill, buyNumber, OrderSide.Buy),
                (NoticeKind.OrderAccepted, sold.GetProperty("output").GetProperty("ODNO").GetString(), OrderSide.Sell)],
            stock.Select(n => (n.Kind, (string?)n.OrderNumber, n.Side)));
        Assert.Equal($"{StockAccount}01", stock[0].AccountNumber);

        // VTTO1101U: a market buy of one KOSPI200 future, accepted and filled at the touch.
        var future = await PostAsync(sim, token, "/uapi/domestic-futureoption/v1/trading/order", "VTTO1101U", FuturesMarketBuy());
        Assert.True("0" == future.GetProperty("rt_cd").GetString(), future.ToString());
        var futureNumber = future.GetProperty("output").GetProperty("ODNO").GetString();
        Assert.True(await firstFutures.WaitAsync(TimeSpan.FromSeconds(30)));
        var futures = new[] { futuresNotices.Current, await NextAsync(futuresNotices) };
        Assert.Equal([(NoticeKind.OrderAccepted, futureNumber), (NoticeKind.Fill, futureNumber)], futures.Select(n => (n.Kind, (string?)n.OrderNumber)));
        Assert.Equal(("101W09", $"{FuturesAccount}03"), (futures[1].ProductCode, futures[1].AccountNumber));
    }

    [Theory]
    [InlineData("2026-11-28T10:00:00+09:00")] // a Saturday
    [InlineData("2026-11-25T16:00:00+09:00")] // a Wednesday after both closes (stocks 15:30, day futures 15:45)
    [InlineData("2026-11-25T08:10:00+09:00")] // before both open (stocks' pre-open 08:30, day futures 08:45)
    public async Task Outside_KRX_s_hours_an_order_is_refused_with_APBK0918_and_no_notice(string marketStart)
    {
        await using var sim = await StartSimAsync(o => o with
        {
            Profile = SimulatorProfile.Paper, RandomNotices = false, MarketStart = DateTimeOffset.Parse(marketStart, CultureInfo.InvariantCulture),
        });
        var token = await MinuteChartTests.TokenAsync(sim);
        var stock = await PostAsync(sim, token, "/uapi/domestic-stock/v1/trading/order-cash", "VTTC0012U", StockOrder("01", "1", "0"));
        Assert.Equal(("1", "APBK0918"), (stock.GetProperty("rt_cd").GetString(), stock.GetProperty("msg_cd").GetString()));
        var future = await PostAsync(sim, token, "/uapi/domestic-futureoption/v1/trading/order", "VTTO1101U", FuturesMarketBuy());
        Assert.Equal(("1", "APBK0918"), (future.GetProperty("rt_cd").GetString(), future.GetProperty("msg_cd").GetString()));
        Assert.Empty(sim.Hub.Venue.View($"{StockAccount}01").Orders);
        Assert.Equal(0, sim.Hub.Venue.NoticesPublished);
    }

    /// <summary>A stock order as KIS's order_cash sample sends it (ORD_DVSN 00 limit, 01 market).</summary>
    private static Dictionary<string, string> StockOrder(string division, string quantity, string price) => new()
    {
        ["CANO"] = StockAccount, ["ACNT_PRDT_CD"] = "01", ["PDNO"] = "005930", ["ORD_DVSN"] = division, ["ORD_QTY"] = quantity,
        ["ORD_UNPR"] = price, ["EXCG_ID_DVSN_CD"] = "KRX", ["SLL_TYPE"] = "", ["CNDT_PRIC"] = "",
    };

    /// <summary>A market buy of one KOSPI200 future as KIS's domestic_futureoption/order sample sends it.</summary>
    private static Dictionary<string, string> FuturesMarketBuy() => new()
    {
        ["ORD_PRCS_DVSN_CD"] = "02", ["CANO"] = FuturesAccount, ["ACNT_PRDT_CD"] = "03", ["SLL_BUY_DVSN_CD"] = "02", ["SHTN_PDNO"] = "101W09",
        ["ORD_QTY"] = "1", ["UNIT_PRICE"] = "0", ["NMPR_TYPE_CD"] = "02", ["KRX_NMPR_CNDT_CD"] = "0", ["ORD_DVSN_CD"] = "02", ["CTAC_TLNO"] = "",
        ["FUOP_ITEM_DVSN_CD"] = "",
    };
}
