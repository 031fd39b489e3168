using Kis.Realtime.Simulator;
using Kis.Realtime.Simulator.Market;
using Kis.Realtime.Simulator.Rules;
using Kis.Realtime.Simulator.Trading;
using Kis.Realtime.Simulator.Trading.Core;
using Kis.Realtime.Simulator.Trading.Engine;
using Kis.Realtime.Simulator.Trading.Rules;
using Kis.Realtime.Tests.Client;

namespace Kis.Realtime.Tests.Simulator;

/// <summary>
/// A paper order is never filled by a trade older than itself (issue 76 review, finding 1): an unwatched stock's trades
/// are made when it is asked about, with past times (<see cref="Stock.CatchUp"/>), and reach the venue's resting orders
/// afterwards. The rule is the venue core's, so the backtest (events in time order) keeps its fills.
/// </summary>
public sealed class PaperCatchUpFillTests
{
    private const string Code = "000660", Account = "5012345601", Hts = "simuser01";

    /// <summary>Wednesday 10:00 KST, an ordinary trading day.</summary>
    private static readonly DateTimeOffset Start = new(2026, 11, 25, 10, 0, 0, TimeSpan.FromHours(9));

    [Fact]
    public void A_trade_older_than_a_resting_orders_acceptance_does_not_fill_it()
    {
        var time = new FakeTimeProvider(Start.AddMinutes(15));
        var market = new SimulatedMarket(SimulatorOptions.Default with { MarketStart = Start.AddMinutes(15), ClockSpeed = 1, TimeProvider = time,
            Seed = 7, DriveRestingOrders = false });
        var venue = new PaperVenue(market);
        var now = market.Clock.Now();
        var bid = market.StockBookForOrders(Code).Touch().Bid;
        var placed = venue.Place(new PaperOrderRequest(Account, Hts, Code, Buy: true, Kind: OrderKind.Limit, 10, bid), now);
        Assert.True(placed.Accepted, placed.Message);

        // Traded through its price ten minutes before it was placed: it was not there.
        venue.OnTrade(Code, derivative: false, KrxRules.StockTickDown(bid), 1_000_000, buyerInitiated: false, now.AddMinutes(-10));
        Assert.Equal(10, Remaining());
        // The same trade at its acceptance's time reaches it.
        venue.OnTrade(Code, derivative: false, KrxRules.StockTickDown(bid), 1_000_000, buyerInitiated: false, now);
        Assert.Equal(0, Remaining());

        long Remaining() => venue.View(Account, now).Orders.Single(o => o.Number == placed.Order!.Number).Remaining;
    }

    /// <summary>A seed whose day has a VI of the stock starting between 10:05 and 11:00.</summary>
    private static readonly int ViSeed = Enumerable.Range(1, 5_000).First(s => new ViSchedule(s, Code, StockVenue.Krx) is { Count: > 0 } v
        && v.StartOf(0) is var start && start >= (int)new TimeSpan(10, 5, 0).TotalSeconds && start < (int)new TimeSpan(11, 0, 0).TotalSeconds);

    [Fact]
    public void An_order_resting_in_an_unwatched_stock_is_not_filled_by_the_caught_up_trades_before_it()
    {
        // Nobody subscribes (the hub's answer); the stock appears at 10:00 with a chart query.
        var time = new FakeTimeProvider(Start);
        var market = new SimulatedMarket(SimulatorOptions.Default with { MarketStart = Start, ClockSpeed = 1, TimeProvider = time, Seed = ViSeed,
            DriveRestingOrders = false }) { TradesWatched = _ => false };
        var venue = new PaperVenue(market);
        var book = market.StockBookForChart(Code, StockVenue.Krx)!;
        book.CatchUp(market.Clock.Now());
        market.Tape.Flush();
        var notices = venue.OpenNotices(Hts, derivative: false);

        // Placed in the VI (no walk of the book: it rests for the VI's print), a buy at the upper limit: any trade reaches it.
        var vi = new ViSchedule(ViSeed, Code, StockVenue.Krx).StartOf(0);
        time.Advance(TimeSpan.FromSeconds(vi + 30) - Start.TimeOfDay);
        var acceptedAt = market.Clock.Now();
        var placed = venue.Place(new PaperOrderRequest(Account, Hts, Code, Buy: true, Kind: OrderKind.Limit, 10, book.UpperLimit), acceptedAt);
        Assert.True(placed.Accepted, placed.Message);

        // Asked about again ten minutes after the VI: the trades since 10:00 are made now, most of them before the order.
        time.Advance(TimeSpan.FromMinutes(12));
        book.CatchUp(market.Clock.Now());
        market.Tape.Flush();

        var fills = new List<OrderEvent>();
        while (venue.NextNotice(notices) is { } n)
            if (n.Event.Kind == OrderEventKind.Filled) fills.Add(n.Event);
        Assert.NotEmpty(fills); // it did fill: from the VI's print and the trades after it
        Assert.All(fills, f => Assert.True(f.At >= acceptedAt, $"filled at {f.At:HH:mm:ss.fff}, accepted at {acceptedAt:HH:mm:ss.fff}"));
        Assert.Equal(10, fills.Sum(f => f.Quantity));
    }
}
