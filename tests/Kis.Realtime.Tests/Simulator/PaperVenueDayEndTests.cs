using Kis.Realtime.Simulator;
using Kis.Realtime.Simulator.Market;
using Kis.Realtime.Simulator.Trading;

namespace Kis.Realtime.Tests.Simulator;

/// <summary>
/// Issue 32: day orders end with their session. On a demo clock driven fast (an injected clock, 1,200 times real time),
/// what is left of a stock order is cancelled by the venue at KRX's close (15:30, after the closing print) and of a
/// day-session futures order at 15:45, one cancel notice each; the next trading day starts today's counters again.
/// </summary>
public sealed class PaperVenueDayEndTests
{
    private const string Stock = "123450", Future = "101W09", StockAccount = "5012345601", FuturesAccount = "6012345603", Hts = "simuser01";
    private static readonly TimeSpan Kst = TimeSpan.FromHours(9);

    [Fact]
    public void Unfilled_day_orders_are_cancelled_at_their_session_s_close_with_one_notice_each_and_today_s_counters_restart_the_next_day()
    {
        var wall = new ManualTimeProvider(new DateTimeOffset(2026, 11, 26, 10, 0, 0, Kst)); // a Thursday
        var market = new SimulatedMarket(SimulatorOptions.Default with { TimeProvider = wall, ClockSpeed = 1200, Seed = 7 });
        var venue = market.Venue;
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
        Assert.Equal(1, venue.Place(new PaperOrderRequest(StockAccount, Hts, Stock, Buy: true, IsMarket: true, 1, 0), at).Order!.Filled);
        var stockOrder = venue.Place(new PaperOrderRequest(StockAccount, Hts, Stock, Buy: true, IsMarket: false, 7, krx.LowerLimit), at).Order!;
        var quote = market.DerivativeForOrders(Future).Quote;
        var futuresOrder = venue.Place(new PaperOrderRequest(FuturesAccount, Hts, Future, Buy: true, IsMarket: false, 4, quote.Bid - 10 * quote.Tick, Derivative: true), at).Order!;
        var cashWhileResting = venue.View(StockAccount).Cash;
        var (stockPlace, futuresPlace) = (venue.NoticeCount, venue.NoticeCount);
        List<PaperNotice> Notices(bool derivative, ref int position, DateTime now)
        {
            var list = new List<PaperNotice>();
            while (venue.HasNotice(Hts, derivative, position, now)) list.Add(venue.NextNotice(Hts, derivative, ref position)!);
            return list;
        }

        // 15:29: the closing auction is still on; nothing expires.
        Assert.Empty(Notices(derivative: false, ref stockPlace, To(new TimeSpan(15, 29, 0))));
        Assert.True(krx.OwesClosingPrint(To(new TimeSpan(15, 30, 30))), "the day opened with its print and nobody asked for the close");
        // After 15:30 the stock order's session is over: the closing print is made (the resting orders had their chance)
        // and what is left is cancelled, one notice naming the order itself. The futures order trades on to 15:45.
        var afterStocks = To(new TimeSpan(15, 31, 0));
        var stockEnd = Assert.Single(Notices(derivative: false, ref stockPlace, afterStocks));
        Assert.Equal((PaperNoticeKind.Cancelled, stockOrder.Number, stockOrder.Number, 7L, krx.LowerLimit, 0L, day + new TimeSpan(15, 30, 0)),
            (stockEnd.Kind, stockEnd.Number, stockEnd.Original, stockEnd.Quantity, stockEnd.Price, stockEnd.FilledSoFar, stockEnd.At));
        Assert.False(krx.OwesClosingPrint(afterStocks));
        Assert.Empty(Notices(derivative: true, ref futuresPlace, afterStocks));
        var stockRow = venue.View(StockAccount).Orders.Single(o => o.Number == stockOrder.Number);
        Assert.Equal((0L, 7L), (stockRow.Remaining, stockRow.Cancelled));
        Assert.Equal(cashWhileResting + 7 * krx.LowerLimit, venue.View(StockAccount).Cash); // its reservation came back

        var afterFutures = To(new TimeSpan(15, 46, 0));
        var futuresEnd = Assert.Single(Notices(derivative: true, ref futuresPlace, afterFutures));
        Assert.Equal((PaperNoticeKind.Cancelled, futuresOrder.Number, futuresOrder.Number, 4L, day + new TimeSpan(15, 45, 0)),
            (futuresEnd.Kind, futuresEnd.Number, futuresEnd.Original, futuresEnd.Quantity, futuresEnd.At));
        var cancel = venue.AmendOrCancel(FuturesAccount, futuresOrder.Number, derivative: true, cancel: true, 0, wholeRemainder: true, 0, afterFutures);
        Assert.Equal((false, "APBK0917"), (cancel.Accepted, cancel.MessageCode)); // nothing left to cancel

        // The next trading day: the share is still held, bought today no more; nothing else was said of the orders.
        Assert.Equal(1, venue.View(StockAccount).Positions.Single().BoughtToday);
        var nextDay = To(new TimeSpan(9, 30, 0), days: 1); // Friday
        var position = venue.View(StockAccount, nextDay).Positions.Single();
        Assert.Equal((Stock, 1L, 0L, 0L), (position.Code, position.Quantity, position.BoughtToday, position.SoldToday));
        Assert.Empty(Notices(derivative: false, ref stockPlace, nextDay));
        Assert.Empty(Notices(derivative: true, ref futuresPlace, nextDay));
    }
}
