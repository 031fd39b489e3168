using Kis.Realtime.Simulator;
using Kis.Realtime.Simulator.Market;
using Kis.Realtime.Simulator.Trading;
using Kis.Realtime.Simulator.Trading.Core;
using Kis.Realtime.Simulator.Trading.Engine;
using Kis.Realtime.Simulator.Trading.Rules;
using static Kis.Realtime.Tests.Client.ClientTestKit;
using static Kis.Realtime.Tests.Simulator.PaperVenueTests;

namespace Kis.Realtime.Tests.Simulator;

/// <summary>
/// Issue 32: day orders end with their session. On a demo clock driven fast (an injected clock, 1,200 times real time),
/// what is left of a stock order is cancelled by the venue at KRX's close (15:30, after the closing print) and of a
/// day-session futures order at 15:45, one cancel notice each; the next trading day starts today's counters again.
/// </summary>
public sealed class PaperVenueDayEndTests
{
    private const string Stock = "015760", Future = "101W09", StockAccount = "5012345601", FuturesAccount = "6012345603", Hts = "simuser01";
    private static readonly TimeSpan Kst = TimeSpan.FromHours(9);

    [Fact]
    public void Unfilled_day_orders_are_cancelled_at_their_session_s_close_with_one_notice_each_and_today_s_counters_restart_the_next_day()
    {
        var wall = new ManualTimeProvider(new DateTimeOffset(2026, 11, 26, 10, 0, 0, Kst)); // a Thursday
        var market = new SimulatedMarket(SimulatorOptions.Default with { TimeProvider = wall, ClockSpeed = 1200, Seed = 7 });
        var venue = new PaperVenue(market);
        var day = market.Clock.Now().Date;
        var krx = market.StockBookForOrders(Stock);
        DateTime To(TimeSpan timeOfDay, int days = 0)
        {
            // A demo day is 08:00-20:00, the next trading day's 08:00 right after: step the clock a market second at a time.
            var target = day.AddDays(days) + timeOfDay;
            while (market.Clock.Now() < target) wall.Advance(TimeSpan.FromSeconds(1.0 / 1200));
            var now = market.Clock.Now();
            Assert.InRange(now, target, target.AddSeconds(1));
            return now;
        }

        var at = To(new TimeSpan(9, 5, 0));
        // A market buy of one share fills at the touch (bought today: 1); a buy at the lower limit and a futures buy
        // ten ticks under the bid rest all day.
        Assert.Equal(1, venue.Place(new PaperOrderRequest(StockAccount, Hts, Stock, Buy: true, Kind: OrderKind.Market, 1, 0), at).Order!.Filled);
        var stockOrder = venue.Place(new PaperOrderRequest(StockAccount, Hts, Stock, Buy: true, Kind: OrderKind.Limit, 7, krx.LowerLimit), at).Order!;
        var quote = market.DerivativeForOrders(Future).Quote;
        var futuresOrder = venue.Place(new PaperOrderRequest(FuturesAccount, Hts, Future, Buy: true, Kind: OrderKind.Limit, 4, quote.Bid - 10 * quote.Tick,
            Derivative: true), at).Order!;
        var cashWhileResting = venue.View(StockAccount).Cash;
        var (stockNotices, futuresNotices) = (venue.OpenNotices(Hts, derivative: false), venue.OpenNotices(Hts, derivative: true));
        List<PaperNotice> Notices(NoticeReader reader, DateTime now)
        {
            var list = new List<PaperNotice>();
            while (venue.HasNotice(reader, now)) list.Add(venue.NextNotice(reader)!);
            return list;
        }

        // 15:29: the closing auction is still on; nothing expires.
        Assert.Empty(Notices(stockNotices, To(new TimeSpan(15, 29, 0))));
        Assert.True(krx.OwesClosingPrint(To(new TimeSpan(15, 30, 30))), "the day opened with its print and nobody asked for the close");
        // After 15:30 the stock order's session is over: the closing print is made (the resting orders had their chance)
        // and what is left is cancelled, one notice naming the order itself. The futures order trades on to 15:45.
        var afterStocks = To(new TimeSpan(15, 31, 0));
        var stockEnd = Assert.Single(Notices(stockNotices, afterStocks));
        Assert.Equal((OrderEventKind.Expired, stockOrder.Number, stockOrder.Number, 7L, krx.LowerLimit, 0L, day + new TimeSpan(15, 30, 0)),
            (stockEnd.Event.Kind, stockEnd.Event.Number, stockEnd.Event.Original, stockEnd.Event.Quantity, stockEnd.Event.Price, stockEnd.Event.FilledSoFar,
                stockEnd.Event.At));
        Assert.False(krx.OwesClosingPrint(afterStocks));
        Assert.Empty(Notices(futuresNotices, afterStocks));
        var stockRow = venue.View(StockAccount).Orders.Single(o => o.Number == stockOrder.Number);
        Assert.Equal((0L, 7L), (stockRow.Remaining, stockRow.Cancelled));
        Assert.Equal(cashWhileResting + 7 * krx.LowerLimit, venue.View(StockAccount).Cash); // its reservation came back

        var afterFutures = To(new TimeSpan(15, 46, 0));
        var futuresEnd = Assert.Single(Notices(futuresNotices, afterFutures));
        Assert.Equal((OrderEventKind.Expired, futuresOrder.Number, futuresOrder.Number, 4L, day + new TimeSpan(15, 45, 0)),
            (futuresEnd.Event.Kind, futuresEnd.Event.Number, futuresEnd.Event.Original, futuresEnd.Event.Quantity, futuresEnd.Event.At));
        var cancel = venue.AmendOrCancel(FuturesAccount, Hts, futuresOrder.Number, derivative: true, cancel: true, 0, wholeRemainder: true, 0, afterFutures);
        Assert.Equal((false, "APBK0918"), (cancel.Accepted, cancel.MessageCode)); // KRX takes no cancel after its hours

        // The next trading day: the share is still held, bought today no more; nothing else was said of the orders.
        Assert.Equal(1, venue.View(StockAccount).Positions.Single().BoughtToday);
        var nextDay = To(new TimeSpan(9, 30, 0), days: 1); // Friday
        var position = venue.View(StockAccount, nextDay).Positions.Single();
        Assert.Equal((Stock, 1L, 0L, 0L), (position.Code, position.Quantity, position.BoughtToday, position.SoldToday));
        Assert.Empty(Notices(stockNotices, nextDay));
        Assert.Empty(Notices(futuresNotices, nextDay));
        cancel = venue.AmendOrCancel(FuturesAccount, Hts, futuresOrder.Number, derivative: true, cancel: true, 0, wholeRemainder: true, 0, nextDay);
        Assert.Equal((false, "APBK0917"), (cancel.Accepted, cancel.MessageCode)); // in the hours again: nothing left to cancel
    }

    [Fact]
    public async Task Over_a_session_the_expiry_notice_closes_the_order_for_a_notice_driven_view_and_the_inquiries_agree()
    {
        // A scenario from 15:27 KST at 60 times real time: KRX's close comes three seconds after the clock runs. It is held
        // until the order is accepted: a loaded machine may take longer than three seconds to connect, subscribe and order.
        var time = new Kis.Realtime.Tests.Bars.HeldMarketTime();
        await using var sim = await StartSimAsync(o => o with
        {
            RandomNotices = false, MarketStart = new DateTimeOffset(2026, 11, 25, 15, 27, 0, Kst), ClockSpeed = 60, TimeProvider = time,
        });
        await using var client = new KisRealtimeClient(Options(sim));
        var token = await MinuteChartTests.TokenAsync(sim);
        await using var notices = client.SubscribeStockNoticesAsync().GetAsyncEnumerator();
        var first = notices.MoveNextAsync().AsTask();
        await UntilAsync(() => sim.Counters.Replies("OPSP0000") >= 1, "the notice subscription confirmed by the simulator");
        var lower = sim.Hub.Market.StockBookForOrders("015760").LowerLimit;
        var placed = await PostAsync(sim, token, "/uapi/domestic-stock/v1/trading/order-cash", "TTTC0012U", Buy(lower, 5, "50123456", "015760"));
        Assert.True("0" == placed.GetProperty("rt_cd").GetString(), placed.ToString());
        var number = placed.GetProperty("output").GetProperty("ODNO").GetString()!;

        Assert.True(await first.WaitAsync(TimeSpan.FromSeconds(30)));
        var accepted = notices.Current;
        time.Run();
        var expired = await NextAsync(notices);
        Assert.Equal((NoticeKind.CancelAccepted, OrderRevision.Cancel, number, number, 5L, 0L, new TimeOnly(15, 30)),
            (expired.Kind, expired.Revision, expired.OrderNumber, expired.OriginalOrderNumber, expired.Quantity, expired.OrderQuantity, expired.Time));
        var tracker = new KisOrderTracker();
        tracker.Apply(accepted);
        var life = tracker.Apply(expired);
        Assert.Equal((number, KisOrderStatus.Cancelled, 5L, 0L, true),
            (life.OrderNumber, life.Status, life.CancelledQuantity, life.RemainingQuantity, life.IsDone));

        var daily = await GetAsync(sim, token, "/uapi/domestic-stock/v1/trading/inquire-daily-ccld", "TTTC0081R",
            "CANO=50123456&ACNT_PRDT_CD=01&INQR_STRT_DT=20261125&INQR_END_DT=20261125&SLL_BUY_DVSN_CD=00&PDNO=&CCLD_DVSN=00&INQR_DVSN=00&INQR_DVSN_3=00&" +
            "ORD_GNO_BRNO=&ODNO=&INQR_DVSN_1=&CTX_AREA_FK100=&CTX_AREA_NK100=");
        var row = Assert.Single(daily.GetProperty("output1").EnumerateArray());
        Assert.Equal((number, "Y", "5", "0"), (row.GetProperty("odno").GetString(), row.GetProperty("cncl_yn").GetString(),
            row.GetProperty("cnc_cfrm_qty").GetString(), row.GetProperty("rmn_qty").GetString()));
        var possible = await GetAsync(sim, token, "/uapi/domestic-stock/v1/trading/inquire-psbl-order", "TTTC8908R",
            "CANO=50123456&ACNT_PRDT_CD=01&PDNO=015760&ORD_UNPR=1000&ORD_DVSN=00&CMA_EVLU_AMT_ICLD_YN=N&OVRS_ICLD_YN=N");
        Assert.Equal("100000000", possible.GetProperty("output").GetProperty("ord_psbl_cash").GetString());
    }
}
