using System.Globalization;
using Kis.Realtime.Simulator;
using Kis.Realtime.Simulator.Market;
using Kis.Realtime.Simulator.Trading;
using Kis.Realtime.Simulator.Trading.Rules;

namespace Kis.Realtime.Tests.Simulator;

/// <summary>
/// Issue 55, 1c: the venue core's events become notices through one writer (<see cref="OrderNotices"/>), so the same
/// order script over the same recording gives the same notices as a backtest and on paper under <c>kisrt sim --replay</c>,
/// compared field by field as a strategy decodes them (<see cref="StockNotice"/>): every kind (accepted, filled, amended,
/// cancelled, expired), in the same order. The differences, by design and asserted: each venue numbers its own orders
/// (compared by first appearance); field 17, the account holder, is "backtest" in a backtest and the simulator's
/// "김한국" on paper; field 25, the stock's name, is its code in a backtest (no instrument master); the expiry is stamped
/// at the end of data in a backtest, at KRX's close (15:30) on paper. Paper's notices are read as a strategy gets them:
/// a session subscribed to H0STCNI0, encrypted frames decrypted with the key of its reply (the review's SHOULD 8: the
/// session's path, its account and encryption, is part of what is compared).
/// </summary>
public sealed class VenueNoticeParityTests
{
    private const string Code = VenueParityTests.Code, Account = VenueParityTests.Account;

    [Fact]
    public async Task The_same_order_script_gives_the_same_notices_field_by_field_as_a_backtest_and_on_paper_under_replay()
    {
        // VenueParityTests' recording: a book (70,000 / 69,900) and a trade at 70,000; a seller through 69,900; a new book;
        // a buyer through 70,300; a last trade. At the first trade: a marketable buy of 3 at 70,000; a resting buy of 5 at
        // 69,900, 4 of which are amended (same price: a new order behind the queue); a buy of 6 at 69,000, 2 of which are
        // cancelled (the other 4 expire). At the second trade (the 1 and the 4 at 69,900 filled): a sell of 4 at 70,300.
        var (dir, rawLog) = ReplayedVenue.Recording(VenueParityTests.Recording());
        var backtestNotices = new List<StockNotice>();
        await KisBacktest.RunAsync(new KisRecordingFolder(dir), async (data, orders, ct) =>
        {
            var collecting = ReplayedVenue.Collect(data.SubscribeStockNoticesAsync(cancellationToken: ct), backtestNotices);
            var seen = 0;
            await foreach (var trade in data.SubscribeStockTradesAsync(Code, cancellationToken: ct))
            {
                if (++seen == 1)
                {
                    ReplayedVenue.Accepted(await orders.PlaceAsync(KisOrderRequest.Stock(Code, OrderSide.Buy, 3, 70_000), ct));
                    var resting = ReplayedVenue.Accepted(await orders.PlaceAsync(KisOrderRequest.Stock(Code, OrderSide.Buy, 5, 69_900), ct));
                    ReplayedVenue.Accepted(await orders.AmendAsync(new KisAmendRequest
                    {
                        Product = KisProduct.Stock, OriginalOrderNumber = resting, Quantity = 4, Price = 69_900,
                    }, ct));
                    var far = ReplayedVenue.Accepted(await orders.PlaceAsync(KisOrderRequest.Stock(Code, OrderSide.Buy, 6, 69_000), ct));
                    ReplayedVenue.Accepted(
                        await orders.CancelAsync(new KisCancelRequest { Product = KisProduct.Stock, OriginalOrderNumber = far, Quantity = 2 }, ct));
                }
                else if (seen == 2)
                    ReplayedVenue.Accepted(await orders.PlaceAsync(KisOrderRequest.Stock(Code, OrderSide.Sell, 4, 70_300), ct));
            }
            await collecting; // the notice subscriptions end last, after the expiries at the end of data
        }, new KisBacktestOptions
        {
            Latency = TimeSpan.Zero, HtsId = SimulatorOptions.DefaultHtsId, Account = new KisAccount(Account, "01"),
        }).WaitAsync(SimTestClient.Timeout);

        await using var paper = await ReplayedVenue.StartAsync(rawLog, Code, frames: 2);
        var venue = paper.Venue;
        using var notices = await paper.SubscribeNoticesAsync<StockNotice>("H0STCNI0", StockNotice.TryDecode); // the replay's session
        await paper.PlaceAsync(Account, Code, buy: true, 70_000, 3);
        var paperResting = await paper.PlaceAsync(Account, Code, buy: true, 69_900, 5);
        var amended = await paper.AmendOrCancelAsync(Account, paperResting, cancel: false, 4, 69_900);
        var paperFar = await paper.PlaceAsync(Account, Code, buy: true, 69_000, 6);
        await paper.AmendOrCancelAsync(Account, paperFar, cancel: true, 2, 0);
        paper.Clock.Advance(TimeSpan.FromSeconds(1));
        await Sim.UntilAsync(() => Order(venue, amended).Filled == 4 && Order(venue, paperResting).Filled == 1);
        var sell = await paper.PlaceAsync(Account, Code, buy: false, 70_300, 4);
        paper.Clock.Advance(TimeSpan.FromSeconds(3));
        await paper.Sim.ReplayCompletion.WaitAsync(SimTestClient.Timeout);
        await Sim.UntilAsync(() => Order(venue, sell).Filled == 4);
        venue.Advance(VenueParityTests.T0.Date + new TimeSpan(15, 31, 0)); // past KRX's close: what is left expires
        var paperNotices = await notices.ReadAsync(backtestNotices.Count);

        Assert.Equal(
            [
                NoticeKind.OrderAccepted, NoticeKind.Fill, NoticeKind.OrderAccepted, NoticeKind.AmendAccepted, NoticeKind.OrderAccepted,
                NoticeKind.CancelAccepted,
                NoticeKind.Fill, NoticeKind.Fill, NoticeKind.OrderAccepted, NoticeKind.Fill, NoticeKind.CancelAccepted,
            ], backtestNotices.Select(n => n.Kind));
        var expiry = backtestNotices[^1];
        Assert.Equal(VenueParityTests.T0.AddSeconds(4).TimeOfDay, expiry.Time.ToTimeSpan()); // the end of data
        Assert.Equal(new TimeOnly(15, 30), paperNotices[^1].Time);
        Assert.All(backtestNotices, n => Assert.Equal(("backtest", Code), (n.AccountName, n.StockName)));
        Assert.All(paperNotices, n => Assert.Equal((NoticeStream.Customer, InstrumentMaster.StockName(Code)), (n.AccountName, n.StockName)));
        Assert.Equal(Comparable(backtestNotices), Comparable(paperNotices));
    }

    /// <summary>Every field but the by-design differences: order numbers as their first appearance, no holder or name, and
    /// the expiry's time.</summary>
    private static List<StockNotice> Comparable(List<StockNotice> notices)
    {
        var seen = new Dictionary<string, string>(StringComparer.Ordinal);
        string Ordinal(string number)
            => number.Length == 0 ? "" : seen.TryGetValue(number, out var o) ? o : seen[number] = seen.Count.ToString(CultureInfo.InvariantCulture);
        return [.. notices.Select((n, i) => n with
        {
            OrderNumber = Ordinal(n.OrderNumber), OriginalOrderNumber = Ordinal(n.OriginalOrderNumber), AccountName = "", StockName = "",
            Time = i == notices.Count - 1 ? default : n.Time,
        })];
    }

    private static PaperOrderSnapshot Order(PaperVenue venue, long number) => venue.View(Account + "01").Orders.Single(o => o.Number == number);
}
