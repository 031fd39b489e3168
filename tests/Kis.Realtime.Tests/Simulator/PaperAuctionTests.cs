using Kis.Realtime.Simulator.Rules;
using Kis.Realtime.Simulator.Trading.Engine;
using Kis.Realtime.Simulator.Trading.Rules;
using Kis.Realtime.Simulator;
using Kis.Realtime.Simulator.Market;
using Kis.Realtime.Simulator.Trading;

namespace Kis.Realtime.Tests.Simulator;

/// <summary>
/// Issue 55, item 4: during a call (the pre-open, a VI, the closing auction) nothing matches continuously. The market
/// keeps publishing (expected) books then; none of them may fill a resting paper order, and the auction's print fills
/// every order crossing it at the print's price. Once a buy at 67,400 filled at 15:20:38 from a book showing
/// 66,400/66,500, when the only later trade was the 15:30:00 print at 66,600.
/// </summary>
public sealed class PaperAuctionTests
{
    private const string Code = "015760";
    private const string Account = "5012345601";

    [Fact]
    public void In_the_closing_call_books_fill_nothing_and_the_closing_print_fills_every_crossing_order_at_its_price()
    {
        var (_, venue, krx, day) = Venue();
        krx.Next(FirstSecondWithoutVi(krx, day.AddHours(10))); // the opening print: a day in progress
        var call = day + new TimeSpan(15, 20, 38);

        var orders = PlaceCrossingAndNot(venue, krx, call);
        PublishBooks(krx, call, TimeSpan.FromSeconds(30), 15); // 15:20:38 .. 15:28:08, every one crossing the orders

        AssertNothingFilled(venue, orders);
        var print = krx.Next(FirstSecondWithoutVi(krx, day + new TimeSpan(15, 30, 0))).Snapshot; // the closing print
        AssertPrintFilled(venue, orders, print.Price);
    }

    [Fact]
    public void During_a_VI_books_fill_nothing_and_the_VI_s_print_fills_every_crossing_order_at_its_price()
    {
        var (_, venue, krx, day) = Venue();
        // A VI of the day with the continuous market before it (the opening printed, no VI in force a second before).
        var vi = Enumerable.Range(0, krx.Vi.Count).First(i => krx.Vi.StartOf(i) > 9 * 3600 + 60 && !krx.IsInterrupted(day.AddSeconds(krx.Vi.StartOf(i) - 1)));
        var start = day.AddSeconds(krx.Vi.StartOf(vi));
        krx.Next(start.AddSeconds(-1)); // the day opened: its print is not what this test waits for
        var during = start.AddSeconds(10);

        var orders = PlaceCrossingAndNot(venue, krx, during);
        PublishBooks(krx, during, TimeSpan.FromSeconds(10), 10);
        // The VI is over, but its auction has not printed yet: a book now is still no continuous market.
        PublishBooks(krx, start.AddSeconds(ViSchedule.DurationSeconds), TimeSpan.Zero, 3);

        AssertNothingFilled(venue, orders);
        var print = krx.Next(start.AddSeconds(ViSchedule.DurationSeconds)).Snapshot; // the VI's single-price auction
        AssertPrintFilled(venue, orders, print.Price);
    }

    [Fact]
    public void In_the_opening_call_books_fill_nothing_and_the_opening_print_fills_every_crossing_order_at_its_price()
    {
        var (_, venue, krx, day) = Venue();
        var preOpen = day + new TimeSpan(8, 40, 0);

        var orders = PlaceCrossingAndNot(venue, krx, preOpen);
        PublishBooks(krx, preOpen, TimeSpan.FromMinutes(1), 15);
        // 09:00 has passed, but nobody has asked for the opening print yet: the book is still the call's.
        var open = FirstSecondWithoutVi(krx, day.AddHours(9).AddSeconds(5));
        PublishBooks(krx, open, TimeSpan.Zero, 3);

        AssertNothingFilled(venue, orders);
        var print = krx.Next(open).Snapshot; // the opening print
        AssertPrintFilled(venue, orders, print.Price);
    }

    [Fact]
    public void In_the_continuous_session_a_book_that_reaches_a_resting_order_still_fills_it()
    {
        // The other side of the rule: the gate is the call, not every book.
        var (_, venue, krx, day) = Venue();
        var at = FirstSecondWithoutVi(krx, day.AddHours(10));
        krx.Next(at); // the opening print
        var bid = krx.Touch().Bid;
        var order = venue.Place(new PaperOrderRequest(Account, "simuser01", Code, Buy: true, OrderKind.Limit, 1, bid), at).Order!;

        for (var i = 0; i < 200 && venue.View(Account).Orders.Single(o => o.Number == order.Number).Filled == 0; i++)
            PublishBooks(krx, at, TimeSpan.Zero, 1);

        Assert.Equal(1, venue.View(Account).Orders.Single(o => o.Number == order.Number).Filled);
    }

    /// <summary>A market whose clock starts on a Wednesday before the pre-open, and an account holding 2 shares bought
    /// that day (so it may sell); the scenarios run on the next day, <c>day</c>.</summary>
    private static (SimulatedMarket Market, PaperVenue Venue, StockBook Krx, DateTime Day) Venue()
    {
        var start = new DateTimeOffset(2026, 11, 25, 8, 0, 0, TimeSpan.FromHours(9));
        var market = new SimulatedMarket(SimulatorOptions.Default with { MarketStart = start, RandomNotices = false });
        var venue = new PaperVenue(market);
        var krx = market.StockBookForOrders(Code);
        var bought = venue.Place(new PaperOrderRequest(Account, "simuser01", Code, Buy: true, OrderKind.Market, 2, 0),
            FirstSecondWithoutVi(krx, start.DateTime.Date.AddHours(10)));
        Assert.Equal(2, bought.Order!.Filled);
        return (market, venue, krx, start.DateTime.Date.AddDays(1));
    }

    /// <summary>A buy well above the ask and a sell well under the bid (each crosses every book and print of the next
    /// minutes), and a buy and a sell well away from the touch (crossing none).</summary>
    private static Placed PlaceCrossingAndNot(PaperVenue venue, StockBook krx, DateTime at)
    {
        var (ask, _, bid, _) = krx.Touch();
        var buyAbove = Math.Min(krx.UpperLimit, Ticks(ask, 20));
        var sellUnder = Math.Max(krx.LowerLimit, Ticks(bid, -20));
        PaperOrder Place(bool buy, long price)
        {
            var placed = venue.Place(new PaperOrderRequest(Account, "simuser01", Code, buy, OrderKind.Limit, 1, price), at);
            Assert.True(placed.Accepted, placed.Message);
            return placed.Order!;
        }
        return new Placed(Place(true, buyAbove), Place(false, sellUnder), Place(true, Ticks(bid, -40)), Place(false, Ticks(ask, 40)),
            buyAbove, sellUnder);
    }

    private static void PublishBooks(StockBook krx, DateTime from, TimeSpan step, int count)
    {
        long[] askPrices = new long[StockBook.Levels], bidPrices = new long[StockBook.Levels];
        long[] askQuantities = new long[StockBook.Levels], bidQuantities = new long[StockBook.Levels];
        for (var i = 0; i < count; i++) krx.PublishBook(from + step * i, askPrices, bidPrices, askQuantities, bidQuantities);
    }

    private static void AssertNothingFilled(PaperVenue venue, Placed orders)
    {
        var view = venue.View(Account).Orders.ToDictionary(o => o.Number);
        foreach (var order in (PaperOrder[])[orders.Buy, orders.Sell, orders.LowBuy, orders.HighSell])
            Assert.Equal((0L, 1L), (view[order.Number].Filled, view[order.Number].Remaining));
    }

    private static void AssertPrintFilled(PaperVenue venue, Placed orders, long printPrice)
    {
        Assert.InRange(printPrice, orders.SellUnder + 1, orders.BuyAbove - 1); // both crossing orders cross it
        var view = venue.View(Account).Orders.ToDictionary(o => o.Number);
        // Each crossing order filled in full, at the print's price, not at its own limit.
        Assert.Equal((1L, printPrice), (view[orders.Buy.Number].Filled, view[orders.Buy.Number].FilledValue));
        Assert.Equal((1L, printPrice), (view[orders.Sell.Number].Filled, view[orders.Sell.Number].FilledValue));
        // The orders away from the print stay, untouched.
        Assert.Equal((0L, 1L), (view[orders.LowBuy.Number].Filled, view[orders.LowBuy.Number].Remaining));
        Assert.Equal((0L, 1L), (view[orders.HighSell.Number].Filled, view[orders.HighSell.Number].Remaining));
    }

    private static long Ticks(long price, int ticks)
    {
        for (var i = 0; i < Math.Abs(ticks); i++) price = ticks > 0 ? KrxRules.StockTickUp(price) : KrxRules.StockTickDown(price);
        return price;
    }

    private static DateTime FirstSecondWithoutVi(StockBook book, DateTime from)
    {
        while (book.IsInterrupted(from)) from = from.AddSeconds(1);
        return from;
    }

    private sealed record Placed(PaperOrder Buy, PaperOrder Sell, PaperOrder LowBuy, PaperOrder HighSell, long BuyAbove, long SellUnder);
}
