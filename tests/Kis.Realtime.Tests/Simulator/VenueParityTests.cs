using System.Globalization;
using Kis.Realtime.Simulator;
using Kis.Realtime.Simulator.Trading;
using Kis.Realtime.Simulator.Trading.Core;
using Kis.Realtime.Simulator.Trading.Rules;

namespace Kis.Realtime.Tests.Simulator;

/// <summary>
/// Issue 55, item 1: where the two venues meet. The same recorded market and the same orders, once as a backtest and
/// once on paper under <c>kisrt sim --replay</c>: field by field the same fills (order, quantity, price, time),
/// commission, tax, cash and position cost, since one ledger (<c>Trading/Ledger</c>) settles both. The one difference,
/// by design: the backtest keeps the exact cash, paper shows it rounded down to the won (docs/simulator.md, "cost model").
/// </summary>
public sealed class VenueParityTests
{
    internal const string Code = "005930", Account = "50123456";

    /// <summary>10:00:00 KST on a Wednesday: KRX's continuous session.</summary>
    internal static readonly DateTimeOffset T0 = new(2026, 11, 25, 10, 0, 0, TimeSpan.FromHours(9));

    /// <summary>A book (70,000 / 69,900), a trade at 70,000; a seller through 69,900; a new book (70,200 / 70,100); a
    /// buyer through 70,300; a last trade. The orders: at the first trade a marketable buy of 3 at 70,000 and a resting
    /// buy of 5 at 69,900; at the second a sell of 4 at 70,300 that rests until the buyer trades through it.</summary>
    internal static byte[] Recording() =>
    [
        .. ReplayVenueTests.Line(T0, ReplayVenueTests.Book(T0, ask: 70_000, bid: 69_900, quantity: 100)),
        .. ReplayVenueTests.Line(T0, ReplayVenueTests.Trade(T0, price: 70_000, volume: 5, buyer: true, previousClose: 69_000)),
        .. ReplayVenueTests.Line(T0.AddSeconds(1), ReplayVenueTests.Trade(T0.AddSeconds(1), 69_800, 50, buyer: false, previousClose: 69_000)),
        .. ReplayVenueTests.Line(T0.AddSeconds(2), ReplayVenueTests.Book(T0.AddSeconds(2), ask: 70_200, bid: 70_100, quantity: 100)),
        .. ReplayVenueTests.Line(T0.AddSeconds(3), ReplayVenueTests.Trade(T0.AddSeconds(3), 70_400, 50, buyer: true, previousClose: 69_000)),
        .. ReplayVenueTests.Line(T0.AddSeconds(4), ReplayVenueTests.Trade(T0.AddSeconds(4), 70_000, 1, buyer: true, previousClose: 69_000)),
    ];

    [Fact]
    public async Task The_same_orders_over_the_same_recording_fill_alike_as_a_backtest_and_on_paper_under_replay()
    {
        var (dir, rawLog) = ReplayedVenue.Recording(Recording());

        // The backtest, at no latency: the simulator's REST call reaches its venue at the replayed clock's now.
        KisBalance? balance = null;
        var backtest = await KisBacktest.RunAsync(new KisRecordingFolder(dir), async (data, orders, ct) =>
        {
            var seen = 0;
            await foreach (var trade in data.SubscribeStockTradesAsync(Code, cancellationToken: ct))
            {
                if (++seen == 1)
                {
                    Assert.Equal(KisOrderOutcome.Accepted, (await orders.PlaceAsync(KisOrderRequest.Stock(Code, OrderSide.Buy, 3, 70_000), ct)).Outcome);
                    Assert.Equal(KisOrderOutcome.Accepted, (await orders.PlaceAsync(KisOrderRequest.Stock(Code, OrderSide.Buy, 5, 69_900), ct)).Outcome);
                }
                else if (seen == 2)
                    Assert.Equal(KisOrderOutcome.Accepted, (await orders.PlaceAsync(KisOrderRequest.Stock(Code, OrderSide.Sell, 4, 70_300), ct)).Outcome);
                else if (seen == 4)
                {
                    balance = await orders.GetBalanceAsync(KisProduct.Stock, ct);
                    break;
                }
            }
        }, new KisBacktestOptions { Latency = TimeSpan.Zero }).WaitAsync(SimTestClient.Timeout);

        // Paper: the same raw.log replayed by the simulator, the same orders through KIS's REST calls at the same points.
        await using var paper = await ReplayedVenue.StartAsync(rawLog, Code, frames: 2);
        var venue = paper.Venue;
        var notices = venue.OpenNotices("simuser01", derivative: false);
        long[] numbers = [await paper.PlaceAsync(Account, Code, buy: true, 70_000, 3), await paper.PlaceAsync(Account, Code, buy: true, 69_900, 5), 0];
        paper.Clock.Advance(TimeSpan.FromSeconds(1));
        await Sim.UntilAsync(() => Order(venue, numbers[1]).Filled == 5);
        numbers[2] = await paper.PlaceAsync(Account, Code, buy: false, 70_300, 4);
        paper.Clock.Advance(TimeSpan.FromSeconds(3));
        await paper.Sim.ReplayCompletion.WaitAsync(SimTestClient.Timeout);
        await Sim.UntilAsync(() => Order(venue, numbers[2]).Filled == 4);

        // Fills, field by field: which order (by placement), quantity, price, market time.
        var paperFills = new List<PaperNotice>();
        while (venue.NextNotice(notices) is { } notice)
            if (notice.Event.Kind == OrderEventKind.Filled) paperFills.Add(notice);
        var backtestFills = backtest.Fills.Select(f => (Placed: long.Parse(f.OrderNumber, CultureInfo.InvariantCulture) - 1, f.Quantity, f.Price,
            f.Time.ToOffset(T0.Offset).DateTime)).ToList();
        Assert.Equal(backtestFills,
            paperFills.Select(n => ((long)Array.IndexOf(numbers, n.Event.Number), n.Event.Quantity, (decimal)n.Event.Price, n.Event.At)).ToList());
        Assert.Equal(3, backtestFills.Count);

        // Commission and tax per order: the backtest's per fill summed, paper's per order, exact on both.
        var view = venue.View(Account + "01");
        for (var placed = 0; placed < numbers.Length; placed++)
        {
            var order = view.Orders.Single(o => o.Number == numbers[placed]);
            var fills = backtest.Fills.Where(f => long.Parse(f.OrderNumber, CultureInfo.InvariantCulture) == placed + 1).ToList();
            Assert.Equal((fills.Sum(f => f.Commission), fills.Sum(f => f.Tax)), (order.Commission, order.Tax));
            Assert.Equal(fills.Sum(f => f.Quantity * f.Price), order.FilledValue);
        }

        // Cash: exact in the backtest, rounded down to the won on paper. Position: the same shares at the same exact cost.
        Assert.Equal((long)decimal.Floor(backtest.Summary.EndingCash), view.Cash);
        Assert.NotEqual(decimal.Floor(backtest.Summary.EndingCash), backtest.Summary.EndingCash); // the one difference is real
        var position = Assert.Single(balance!.Positions);
        var paperPosition = view.Positions.Single();
        Assert.Equal((position.Quantity, position.AveragePrice), (paperPosition.Quantity, paperPosition.Cost / paperPosition.Quantity));
    }

    [Fact]
    public async Task A_print_ends_a_call_in_the_backtest_when_no_order_rests_as_it_does_on_paper()
    {
        // Found by the sample strategy's parity run (SampleStrategyParityTests): the backtest ended a call (a VI's, here)
        // only at a print that met resting orders, so after a print with none the stock stayed "in call": the next
        // marketable order did not take the continuous book, it waited for a print that never came. Paper ends the call
        // at every print. The recording: a VI's book, its print, a continuous book, a trade, a last trade above the limit.
        byte[] recording =
        [
            .. ReplayVenueTests.Line(T0, ReplayVenueTests.Book(T0, ask: 70_000, bid: 69_900, quantity: 100, hourClass: "C")),
            .. ReplayVenueTests.Line(T0, ReplayVenueTests.Trade(T0, price: 70_000, volume: 5, buyer: true, previousClose: 69_000)),
            .. ReplayVenueTests.Line(T0.AddSeconds(1), ReplayVenueTests.Book(T0.AddSeconds(1), ask: 70_100, bid: 70_000, quantity: 100)),
            .. ReplayVenueTests.Line(T0.AddSeconds(2), ReplayVenueTests.Trade(T0.AddSeconds(2), 70_100, 1, buyer: true, previousClose: 69_000)),
            .. ReplayVenueTests.Line(T0.AddSeconds(3), ReplayVenueTests.Trade(T0.AddSeconds(3), 70_200, 1, buyer: true, previousClose: 69_000)),
        ];
        var (dir, rawLog) = ReplayedVenue.Recording(recording);

        // The backtest: a buy of 3 at 70,100 at the second trade, when the book offers 100 at 70,100.
        var backtest = await KisBacktest.RunAsync(new KisRecordingFolder(dir), async (data, orders, ct) =>
        {
            var seen = 0;
            await foreach (var trade in data.SubscribeStockTradesAsync(Code, cancellationToken: ct))
                if (++seen == 2) Assert.True((await orders.PlaceAsync(KisOrderRequest.Stock(Code, OrderSide.Buy, 3, 70_100), ct)).IsAccepted);
        }, new KisBacktestOptions { Latency = TimeSpan.Zero }).WaitAsync(SimTestClient.Timeout);

        // Paper: the same order at the same point of the same replay.
        await using var replay = await ReplayedVenue.StartAsync(rawLog, Code, frames: 2);
        replay.Clock.Advance(TimeSpan.FromSeconds(2));
        await Sim.UntilAsync(() => replay.Sim.Counters.ReplayFramesSent >= 4);
        var number = await replay.PlaceAsync(Account, Code, buy: true, 70_100, 3);
        var paper = Order(replay.Venue, number);

        Assert.Equal((3L, 3 * 70_100L), (paper.Filled, paper.FilledValue));
        var fill = Assert.Single(backtest.Fills);
        Assert.Equal((3L, 70_100m, T0.AddSeconds(2)), (fill.Quantity, fill.Price, fill.Time.ToOffset(T0.Offset)));
        Assert.Equal("taker", fill.Liquidity);
    }

    [Fact]
    public async Task Amended_and_cancelled_quantities_show_alike_in_the_backtests_orders_and_on_paper()
    {
        // Review of issue 55, SHOULD 4: the backtest added what an amendment or cancel took to the original's cancelled
        // quantity in its driver, paper did not, so one script showed different order rows. The core does it now. The
        // script: a buy of 5 under the market; 2 of it amended to 69,100; the other 3 cancelled; the amendment cancelled.
        // Nothing is left at the end, so the backtest's end-of-data expiry adds nothing.
        var (dir, rawLog) = ReplayedVenue.Recording(Recording());
        var backtest = await KisBacktest.RunAsync(new KisRecordingFolder(dir), async (data, orders, ct) =>
        {
            await foreach (var trade in data.SubscribeStockTradesAsync(Code, cancellationToken: ct))
            {
                var placed = await orders.PlaceAsync(KisOrderRequest.Stock(Code, OrderSide.Buy, 5, 69_000), ct);
                var amended = await orders.AmendAsync(new KisAmendRequest
                {
                    Product = KisProduct.Stock, OriginalOrderNumber = placed.OrderNumber!, Quantity = 2, Price = 69_100,
                }, ct);
                Assert.True((await orders.CancelAsync(new KisCancelRequest
                {
                    Product = KisProduct.Stock, OriginalOrderNumber = placed.OrderNumber!, Quantity = 3,
                }, ct)).IsAccepted);
                Assert.True((await orders.CancelAsync(new KisCancelRequest
                {
                    Product = KisProduct.Stock, OriginalOrderNumber = amended.OrderNumber!, Quantity = 2,
                }, ct)).IsAccepted);
                break;
            }
        }, new KisBacktestOptions { Latency = TimeSpan.Zero }).WaitAsync(SimTestClient.Timeout);

        await using var paper = await ReplayedVenue.StartAsync(rawLog, Code, frames: 2);
        var placedOnPaper = await paper.PlaceAsync(Account, Code, buy: true, 69_000, 5);
        var amendment = await paper.AmendOrCancelAsync(Account, placedOnPaper, cancel: false, 2, 69_100);
        var cancelOfRest = await paper.AmendOrCancelAsync(Account, placedOnPaper, cancel: true, 3, 0);
        var cancelOfAmendment = await paper.AmendOrCancelAsync(Account, amendment, cancel: true, 2, 0);

        // Order rows, in the order of the calls: quantity, filled, cancelled (the backtest's orders.csv columns).
        var paperRows = new[] { placedOnPaper, amendment, cancelOfRest, cancelOfAmendment }.Select(number => Order(paper.Venue, number))
            .Select(o => (o.Quantity, o.Filled, o.Cancelled)).ToList();
        Assert.Equal(backtest.Orders.Select(o => (o.Quantity, o.Filled, o.Cancelled)).ToList(), paperRows);
        Assert.Equal([(5L, 0L, 5L), (2L, 0L, 2L), (3L, 0L, 3L), (2L, 0L, 2L)], paperRows);
    }

    private static PaperOrderSnapshot Order(PaperVenue venue, long number) => venue.View(Account + "01").Orders.Single(o => o.Number == number);
}
