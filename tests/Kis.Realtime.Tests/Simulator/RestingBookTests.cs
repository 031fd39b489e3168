using Kis.Realtime.Simulator.Tape;
using Kis.Realtime.Simulator.Trading.Engine;

namespace Kis.Realtime.Tests.Simulator;

/// <summary>
/// Issue 42, items 3 and 9: the matching engine's rules on the engine alone (no market, clock or socket), fed books,
/// trades and auction prints as a recording would feed them.
/// </summary>
public sealed class RestingBookTests
{
    private static readonly BookLevel[] Asks = [new(47_000, 300), new(47_050, 500), new(47_100, 800)];
    private static readonly BookLevel[] Bids = [new(46_950, 400), new(46_900, 600), new(46_850, 900)];

    [Fact]
    public void A_market_buy_walks_the_depth_and_pays_each_level_s_price_never_below_the_ask()
    {
        Span<LevelTake> takes = stackalloc LevelTake[10];

        var n = BookWalk.Take(Asks, buy: true, quantity: 1_500, limit: 0, takes);

        Assert.Equal([new(47_000, 300), new(47_050, 500), new(47_100, 700)], takes[..n].ToArray());
        var average = takes[..n].ToArray().Sum(t => (decimal)t.Price * t.Quantity) / 1_500;
        Assert.True(average >= 47_000, $"average {average} is at or above the ask");
    }

    [Fact]
    public void A_marketable_limit_buy_walks_only_the_levels_within_its_limit()
    {
        Span<LevelTake> takes = stackalloc LevelTake[10];

        var n = BookWalk.Take(Asks, buy: true, quantity: 1_500, limit: 47_050, takes);

        Assert.Equal([new(47_000, 300), new(47_050, 500)], takes[..n].ToArray());
    }

    [Fact]
    public void A_limit_buy_joining_the_bid_waits_behind_the_volume_resting_there_when_it_came()
    {
        var book = new RestingBook();
        book.Add(new RestingOrder(1, buy: true, kind: OrderKind.Limit, limit: 46_950, quantity: 100, sequence: 1), Bids);

        // Sellers hit the bid: the first 400 shares are the queue ahead of it.
        Assert.True(book.OnTrade(46_950, 250, buyerInitiated: false).IsEmpty);
        Assert.True(book.OnTrade(46_950, 150, buyerInitiated: false).IsEmpty);
        // A buyer lifting the offer never reaches a bid.
        Assert.True(book.OnTrade(47_000, 1_000, buyerInitiated: true).IsEmpty);
        var fills = book.OnTrade(46_950, 60, buyerInitiated: false).ToArray();

        Assert.Equal([new EngineFill(1, 60, 46_950)], fills);
        Assert.Equal([new EngineFill(1, 40, 46_950)], book.OnTrade(46_950, 500, buyerInitiated: false).ToArray());
        Assert.Equal(0, book.Count);
    }

    [Fact]
    public void A_trade_through_the_price_fills_at_the_order_s_own_price_whatever_the_queue()
    {
        var book = new RestingBook();
        book.Add(new RestingOrder(1, buy: true, kind: OrderKind.Limit, limit: 46_900, quantity: 100, sequence: 1), Bids); // 600 ahead

        var fills = book.OnTrade(46_850, 70, buyerInitiated: false).ToArray();

        Assert.Equal([new EngineFill(1, 70, 46_900)], fills);
    }

    [Fact]
    public void A_smaller_quantity_in_a_later_book_shortens_the_queue_and_a_bid_that_moves_away_puts_the_order_first()
    {
        var book = new RestingBook();
        var order = new RestingOrder(1, buy: true, kind: OrderKind.Limit, limit: 46_950, quantity: 100, sequence: 1);
        book.Add(order, Bids);

        book.OnBook(Asks, [new(46_950, 120), new(46_900, 600)]);
        Assert.Equal(120, order.QueueAhead);
        book.OnBook(Asks, [new(46_900, 600), new(46_850, 900)]); // its level left the book: it is the best bid
        Assert.Equal(0, order.QueueAhead);
        Assert.Equal([new EngineFill(1, 30, 46_950)], book.OnTrade(46_950, 30, buyerInitiated: false).ToArray());
    }

    [Fact]
    public void A_price_beyond_the_shown_depth_fills_only_when_traded_through()
    {
        var book = new RestingBook();
        var order = new RestingOrder(1, buy: true, kind: OrderKind.Limit, limit: 46_500, quantity: 10, sequence: 1);
        book.Add(order, Bids);

        Assert.Equal(long.MaxValue, order.QueueAhead);
        Assert.True(book.OnTrade(46_500, 1_000, buyerInitiated: false).IsEmpty);
        Assert.Equal([new EngineFill(1, 10, 46_500)], book.OnTrade(46_450, 1_000, buyerInitiated: false).ToArray());
    }

    [Fact]
    public void Orders_at_one_price_fill_in_arrival_order_from_what_passes_the_market_s_queue()
    {
        var book = new RestingBook();
        book.Add(new RestingOrder(1, buy: true, kind: OrderKind.Limit, limit: 46_950, quantity: 50, sequence: 1), Bids); // 400 ahead
        book.Add(new RestingOrder(2, buy: true, kind: OrderKind.Limit, limit: 46_950, quantity: 50, sequence: 2), [new(46_950, 700)]); // 700 ahead

        var fills = book.OnTrade(46_950, 500, buyerInitiated: false).ToArray();

        // 400 pass the market's queue ahead of the first, 50 fill it, 50 more wear the second's queue down.
        Assert.Equal([new EngineFill(1, 50, 46_950)], fills);
        Assert.Equal([new EngineFill(2, 50, 46_950)], book.OnTrade(46_950, 300, buyerInitiated: false).ToArray());
    }

    [Fact]
    public void Market_orders_come_first_then_the_better_price_then_the_older_order()
    {
        var book = new RestingBook();
        book.Add(new RestingOrder(1, buy: false, kind: OrderKind.Limit, limit: 47_050, quantity: 10, sequence: 1), Asks);
        book.Add(new RestingOrder(2, buy: false, kind: OrderKind.Limit, limit: 47_000, quantity: 10, sequence: 2), [new(47_000, 0)]);
        book.Add(new RestingOrder(3, buy: false, kind: OrderKind.Market, limit: 0, quantity: 10, sequence: 3), Asks);

        // A seller hitting a bid at 47,100: the market sell would have hit it first; both offers were under it.
        var fills = book.OnTrade(47_100, 25, buyerInitiated: false).ToArray();

        Assert.Equal([new EngineFill(3, 10, 47_100), new EngineFill(2, 10, 47_000), new EngineFill(1, 5, 47_050)], fills);
    }

    [Fact]
    public void A_resting_market_buy_fills_from_buyers_and_the_next_book_s_offers_never_from_sellers_at_the_bid()
    {
        var book = new RestingBook();
        book.Add(new RestingOrder(1, buy: true, kind: OrderKind.Market, limit: 0, quantity: 1_000, sequence: 1), Bids);

        Assert.True(book.OnTrade(46_950, 500, buyerInitiated: false).IsEmpty);
        Assert.Equal([new EngineFill(1, 100, 47_000)], book.OnTrade(47_000, 100, buyerInitiated: true).ToArray());
        var fromBook = book.OnBook(Asks, Bids).ToArray();
        Assert.Equal([new EngineFill(1, 300, 47_000), new EngineFill(1, 500, 47_050), new EngineFill(1, 100, 47_100)], fromBook);
    }

    [Fact]
    public void An_auction_fills_every_crossing_order_at_its_single_print_not_at_the_order_s_limit()
    {
        var book = new RestingBook();
        book.Add(new RestingOrder(1, buy: true, kind: OrderKind.Limit, limit: 61_800, quantity: 10, sequence: 1), [new(61_300, 100)]);
        book.Add(new RestingOrder(2, buy: false, kind: OrderKind.Limit, limit: 60_000, quantity: 10, sequence: 2), [new(61_400, 100)]);
        book.Add(new RestingOrder(3, buy: true, kind: OrderKind.Limit, limit: 61_100, quantity: 10, sequence: 3), [new(61_300, 100)]);

        var fills = book.OnAuction(61_200, 1_000).ToArray();

        Assert.Equal([new EngineFill(1, 10, 61_200), new EngineFill(2, 10, 61_200)], fills);
        Assert.Equal(1, book.Count); // the buy under the print rests
    }

    [Fact]
    public void A_book_whose_offers_reach_a_resting_buy_fills_it_at_its_own_limit()
    {
        var book = new RestingBook();
        book.Add(new RestingOrder(1, buy: true, kind: OrderKind.Limit, limit: 46_950, quantity: 500, sequence: 1), Bids);

        var fills = book.OnBook([new(46_900, 200), new(46_950, 100), new(47_000, 900)], [new(46_850, 10)]).ToArray();

        Assert.Equal([new EngineFill(1, 200, 46_950), new EngineFill(1, 100, 46_950)], fills);
    }

    [Fact]
    public void A_removed_order_is_not_filled()
    {
        var book = new RestingBook();
        book.Add(new RestingOrder(1, buy: true, kind: OrderKind.Limit, limit: 47_000, quantity: 5, sequence: 1), Bids);

        Assert.True(book.Remove(1));
        Assert.False(book.Remove(1));
        Assert.True(book.OnTrade(46_900, 100, buyerInitiated: false).IsEmpty);
    }
}
