using Kis.Realtime.Simulator.Market;
using Kis.Realtime.Simulator.Tape;
using Kis.Realtime.Simulator.Trading;
using Kis.Realtime.Simulator.Trading.Core;
using Kis.Realtime.Simulator.Trading.Engine;
using Kis.Realtime.Simulator.Trading.Rules;

namespace Kis.Realtime.Tests.Simulator;

/// <summary>The paper venue's matching rules, on the venue itself (no sessions); the rules alone: <see cref="RestingBookTests"/>.</summary>
public sealed class PaperVenueMatchingTests
{
    [Fact]
    public void A_market_buy_larger_than_the_touch_walks_the_KRX_book_and_pays_no_less_than_the_ask()
    {
        // Issue 42, item 3: 1,500 shares with the ask at 47,000 once averaged 46,961, below the ask.
        var market = OrdinaryDay.Market();
        var venue = new PaperVenue(market);
        var now = market.Clock.Now();
        var krx = market.StockBookForOrders("015760");
        krx.Next(now); // the opening print: the book below is the one the order meets
        Span<BookLevel> asks = stackalloc BookLevel[StockBook.Levels], bids = stackalloc BookLevel[StockBook.Levels];
        krx.Depth(asks, bids);
        var quantity = asks[0].Quantity + asks[1].Quantity + 1; // the touch, the next level and one share of the third
        var cumulative = krx.Summary().CumulativeVolume;

        var placed = venue.Place(new PaperOrderRequest("5012345601", "simuser01", "015760", Buy: true, Kind: OrderKind.Market, quantity, 0), now);

        var order = Assert.Single(venue.View("5012345601").Orders);
        Assert.True(placed.Accepted, placed.Message);
        var expectedValue = asks[0].Quantity * asks[0].Price + asks[1].Quantity * asks[1].Price + asks[2].Price;
        Assert.Equal((quantity, expectedValue, 0L), (order.Filled, order.FilledValue, order.Remaining));
        Assert.True(order.FilledValue >= quantity * asks[0].Price, "no share below the ask");
        // Three trades, one per level, on KRX's tape: the day's volume grew by the order's quantity.
        Assert.Equal(cumulative + quantity, krx.Summary().CumulativeVolume);
        Assert.Equal(3, krx.Backlog);
    }

    [Fact]
    public void A_limit_buy_at_the_bid_waits_for_the_book_s_volume_there_before_it_fills()
    {
        var market = OrdinaryDay.Market();
        var venue = new PaperVenue(market);
        var now = market.Clock.Now();
        var krx = market.StockBookForOrders("015760");
        krx.Next(now); // the opening print: the book below is the one the order meets
        Span<BookLevel> asks = stackalloc BookLevel[StockBook.Levels], bids = stackalloc BookLevel[StockBook.Levels];
        krx.Depth(asks, bids);
        var order = venue.Place(new PaperOrderRequest("5012345601", "simuser01", "015760", Buy: true, Kind: OrderKind.Limit, 5, bids[0].Price), now).Order!;

        venue.OnTrade("015760", derivative: false, bids[0].Price, bids[0].Quantity, buyerInitiated: false, now);
        Assert.Equal(0, venue.View("5012345601").Orders.Single().Filled); // the queue ahead of it traded
        venue.OnTrade("015760", derivative: false, bids[0].Price, 3, buyerInitiated: false, now);

        Assert.Equal(3, venue.View("5012345601").Orders.Single(o => o.Number == order.Number).Filled);
    }
}

/// <summary>Issue 32, item 2: a paper order that crosses the spread is a trade of the simulated market itself.</summary>
public sealed class PaperVenueMarketImpactTests
{
    private const string Code = "015760";

    [Fact]
    public void A_marketable_buy_lifts_the_KRX_offer_and_prints_on_the_KRX_and_unified_tapes_counted_in_both_days()
    {
        var market = OrdinaryDay.Market();
        var venue = new PaperVenue(market);
        var at = market.Clock.Now().Date.AddHours(10).AddMinutes(7); // the continuous session
        var krx = market.StockBookForOrders(Code);
        var unified = market.FindStockBook(Code, StockVenue.Unified)!;
        at = FirstSecondWithoutVi(krx, at);
        // Both feeds have asked once (a feed nobody reads is sent nothing); drain what one queued for the other.
        unified.Next(at);
        krx.Next(at);
        while (unified.Backlog > 0) unified.Next(at);
        var (krxBefore, unifiedBefore, touch) = (krx.Summary().CumulativeVolume, unified.Summary().CumulativeVolume, krx.Touch());
        var quantity = Math.Min(5, touch.AskQuantity);

        var placed = venue.Place(new PaperOrderRequest("5012345601", "simuser01", Code, Buy: true, Kind: OrderKind.Market, quantity, 0), at);

        var order = Assert.Single(venue.View("5012345601").Orders);
        Assert.True(placed.Accepted);
        Assert.Equal((quantity, touch.Ask * quantity), (order.Filled, order.FilledValue));
        // The next record of each tape is that trade: at the offer, buyer-initiated, in the day's cumulative volume.
        Assert.Equal(1, krx.Backlog);
        var (onKrx, time, madeOnKrx) = krx.Next(at.AddSeconds(1));
        Assert.Equal((touch.Ask, quantity, true, krxBefore + quantity, at, false),
            (onKrx.Price, onKrx.Volume, onKrx.BuyerInitiated, onKrx.CumulativeVolume, time, madeOnKrx));
        var onUnified = unified.Next(at.AddSeconds(1)).Snapshot;
        Assert.Equal((touch.Ask, quantity, unifiedBefore + quantity), (onUnified.Price, onUnified.Volume, onUnified.CumulativeVolume));
        // The offer it lifted is that much smaller in the book (a level is used up, never emptied, between book records).
        Assert.Equal(Math.Max(1, touch.AskQuantity - quantity), krx.Touch().AskQuantity);
    }

    [Fact]
    public void During_a_VI_a_marketable_order_rests_and_the_market_does_not_trade_it()
    {
        var market = OrdinaryDay.Market();
        var venue = new PaperVenue(market);
        var krx = market.StockBookForOrders(Code);
        Assert.True(krx.Vi.Count > 0, "the seed gives this stock a VI");
        var during = market.Clock.Now().Date + TimeSpan.FromSeconds(krx.Vi.StartOf(0) + 10);
        var before = krx.Summary().CumulativeVolume;

        var placed = venue.Place(new PaperOrderRequest("5012345601", "simuser01", Code, Buy: true, Kind: OrderKind.Market, 3, 0), during);

        Assert.True(placed.Accepted);
        Assert.Equal((0L, 3L), (venue.View("5012345601").Orders[0].Filled, venue.View("5012345601").Orders[0].Remaining));
        Assert.Equal(before, krx.Summary().CumulativeVolume);
    }

    [Fact]
    public void An_order_after_the_open_before_anyone_asked_for_the_opening_print_trades_after_that_print_not_before_it()
    {
        var market = OrdinaryDay.Market();
        var venue = new PaperVenue(market);
        var krx = market.StockBookForOrders(Code);
        var day = market.Clock.Now().Date;
        // A market buy in the pre-open rests for the opening auction.
        var early = venue.Place(new PaperOrderRequest("5012345601", "simuser01", Code, Buy: true, Kind: OrderKind.Market, 1, 0),
            day.AddHours(8).AddMinutes(45));
        Assert.Equal(0, early.Order!.Filled);
        var at = day.AddHours(9).AddSeconds(5);
        var auction = krx.Expected(at); // what the opening auction prints now: nobody has asked for it yet

        var placed = venue.Place(new PaperOrderRequest("5012345601", "simuser01", Code, Buy: true, Kind: OrderKind.Market, 2, 0), at);

        var orders = venue.View("5012345601").Orders.ToDictionary(o => o.Number);
        // The opening print came first and filled the resting order at its price; then the new order traded the touch.
        Assert.Equal((1L, auction.Price), (orders[early.Order.Number].Filled, orders[early.Order.Number].FilledValue));
        var filled = orders[placed.Order!.Number].Filled;
        Assert.InRange(filled, 1, 2);
        Assert.Equal(auction.Volume + filled, krx.Summary().CumulativeVolume);
    }

    [Fact]
    public void A_stock_order_is_neither_amended_through_the_futures_call_nor_filled_by_a_futures_trade_of_the_same_digits()
    {
        var market = OrdinaryDay.Market();
        var venue = new PaperVenue(market);
        var at = market.Clock.Now().Date.AddHours(10);
        var bid = market.StockBookForOrders(Code).Touch().Bid;
        var order = venue.Place(new PaperOrderRequest("5012345601", "simuser01", Code, Buy: true, Kind: OrderKind.Limit, 5, bid), at).Order!;

        var amended = venue.AmendOrCancel("5012345601", "simuser01", order.Number, derivative: true, cancel: true, 0, wholeRemainder: true, 0, at);
        venue.OnTrade(Code, derivative: true, bid - 5, 100, buyerInitiated: false, at);

        Assert.Equal((false, "APBK0915"), (amended.Accepted, amended.MessageCode));
        Assert.Equal(0, venue.View("5012345601").Orders.Single().Filled);
    }

    [Theory]
    [InlineData("101W09", 5)]  // KOSPI200 futures: 0.05 point
    [InlineData("105W09", 2)]  // mini KOSPI200 futures: 0.02
    [InlineData("106W09", 10)] // KOSDAQ150 futures: 0.10
    [InlineData("201W09250", 1)] // KOSPI200 options under 10 points: 0.01
    public void Futures_and_options_orders_meet_KRX_s_tick_of_their_product(string code, long tick)
    {
        var market = OrdinaryDay.Market();
        var venue = new PaperVenue(market);
        var at = market.Clock.Now().Date.AddHours(10);
        var quote = market.DerivativeForOrders(code).Quote;
        PaperResult Buy(long price)
            => venue.Place(new PaperOrderRequest("6012345603", "simuser01", code, Buy: true, Kind: OrderKind.Limit, 1, price, Derivative: true), at);

        Assert.Equal(tick, quote.Tick);
        Assert.True(Buy(quote.Bid).Accepted);
        if (tick > 1) Assert.Equal("APBK0506", Buy(quote.Bid + 1).MessageCode);
        Assert.Equal("APBK0510", Buy(quote.Upper + tick).MessageCode);
    }

    private static DateTime FirstSecondWithoutVi(StockBook book, DateTime from)
    {
        while (book.IsInterrupted(from)) from = from.AddSeconds(1);
        return from;
    }
}

/// <summary>Issue 32: an amendment is a new order at its price; amended to a marketable price, it trades at once.</summary>
public sealed class PaperVenueAmendmentTests
{
    [Fact]
    public void A_stock_buy_amended_up_to_the_ask_takes_the_touch_at_once()
    {
        var market = OrdinaryDay.Market();
        var venue = new PaperVenue(market);
        var at = market.Clock.Now().Date.AddHours(10).AddMinutes(7);
        var krx = market.StockBookForOrders("015760");
        while (krx.IsInterrupted(at)) at = at.AddSeconds(1);
        krx.Next(at); // the opening print: the touch below is the one the amendment meets
        var touch = krx.Touch();
        var order = venue.Place(new PaperOrderRequest("5012345601", "simuser01", "015760", Buy: true, Kind: OrderKind.Limit, 3, touch.Bid), at).Order!;
        Assert.Equal(0, order.Filled);
        var reader = venue.OpenNotices("simuser01", derivative: false); // what happens from here on

        var amended = venue.AmendOrCancel("5012345601", "simuser01", order.Number, derivative: false, cancel: false, 3, wholeRemainder: true, touch.Ask, at);

        Assert.True(amended.Accepted, amended.Message);
        var filled = Math.Min(3, touch.AskQuantity);
        var successor = venue.View("5012345601").Orders.Single(o => o.Number == amended.Order!.Number);
        Assert.Equal((filled, filled * touch.Ask), (successor.Filled, successor.FilledValue));
        var notices = new List<PaperNotice>();
        while (venue.NextNotice(reader) is { } n) notices.Add(n);
        Assert.Equal([(OrderEventKind.Amended, 3L, touch.Ask), (OrderEventKind.Filled, filled, touch.Ask)],
            notices.Select(n => (n.Event.Kind, n.Event.Quantity, n.Event.Price)));
        // The trade printed on KRX's tape at the ask, as a new marketable order's would.
        var (print, _, madeNow) = krx.Next(at);
        Assert.Equal((touch.Ask, filled, true, false), (print.Price, print.Volume, print.BuyerInitiated, madeNow));
    }

    [Fact]
    public void A_futures_sell_amended_down_to_the_bid_fills_at_the_bid_at_once()
    {
        var market = OrdinaryDay.Market();
        var venue = new PaperVenue(market);
        var at = market.Clock.Now().Date.AddHours(10);
        var quote = market.DerivativeForOrders("101W09").Quote;
        var order = venue.Place(new PaperOrderRequest("6012345603", "simuser01", "101W09", Buy: false, Kind: OrderKind.Limit, 5, quote.Ask, Derivative: true),
            at).Order!;
        Assert.Equal(0, order.Filled);

        var amended = venue.AmendOrCancel("6012345603", "simuser01", order.Number, derivative: true, cancel: false, 5, wholeRemainder: true, quote.Bid, at);

        Assert.True(amended.Accepted, amended.Message);
        var view = venue.View("6012345603");
        var successor = view.Orders.Single(o => o.Number == amended.Order!.Number);
        Assert.Equal((5L, 5 * quote.Bid, 0L), (successor.Filled, successor.FilledValue, successor.Remaining));
        Assert.Equal(-5, view.Positions.Single().Quantity);
    }
}
