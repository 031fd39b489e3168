using Kis.Realtime.Simulator;
using static Kis.Realtime.Tests.Client.ClientTestKit;

namespace Kis.Realtime.Tests.Orders;

/// <summary>
/// Issue 43 (1): the typed order API against the in-process simulator's KIS order calls, with the handles following
/// each order through the notices the client decrypts: no JSON, header or tr_id written by the test. Only the
/// simulator's REST calls are used (its matching engine is its own business).
/// </summary>
public sealed class OrderVenueSimulatorTests
{
    private static KisOrderClient Orders(KisSimulator sim) => new(new KisOrderOptions
    {
        Credential = DefaultCredential,
        Account = new KisAccount("50123456", "01"),
        FuturesAccount = new KisAccount("60123456", "03"),
        RestBaseUrl = sim.RestBaseUrl,
        Environment = sim.Options.Profile == SimulatorProfile.Paper ? KisEnvironment.Paper : KisEnvironment.Real,
    });

    /// <summary>Filled or done; a timeout says where the order was.</summary>
    private static async Task<KisOrderState> DoneAsync(KisOrderHandle handle)
    {
        try
        {
            return await handle.WaitDoneAsync().WaitAsync(TestTimeout);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"Order {handle} was not done within {TestTimeout.TotalSeconds} s.");
        }
    }

    [Theory]
    [InlineData(SimulatorProfile.Real)]
    [InlineData(SimulatorProfile.Paper)]
    public async Task Stock_orders_are_placed_amended_cancelled_and_filled_and_their_handles_complete_from_the_notices(SimulatorProfile profile)
    {
        await using var sim = await StartSimAsync(o => o with { RandomNotices = false, Profile = profile });
        await using var client = new KisRealtimeClient(Options(sim));
        using var orders = Orders(sim);
        using var stop = new CancellationTokenSource();
        var following = orders.Book.FollowAsync(client.SubscribeStockNoticesAsync(cancellationToken: stop.Token), stop.Token);
        await UntilAsync(() => sim.Counters.Replies("OPSP0000") >= 1, "the notice subscription confirmed by the simulator");

        // A market buy's buying power is priced at the day's upper limit (1.3 x the previous close, as order-cash reserves
        // it): a buy at 0.6 of that, about 0.78 x the previous close, is inside the price limits and far under the ask,
        // so it rests (on every KRX tick grid: whole thousands).
        var power = await orders.GetBuyingPowerAsync(KisProduct.Stock, "005930");
        Assert.True(power.Cash > 0 && power.Price > 0 && power.Quantity > 0, power.ToString());
        var low = Math.Floor(power.Price * 0.6m / 1000) * 1000;
        var placed = await orders.PlaceAsync(KisOrderRequest.Stock("005930", OrderSide.Buy, 3, low));
        Assert.True(placed.IsAccepted, placed.ToString());
        var accepted = await placed.Handle!.WaitAsync(s => s.Status == KisOrderStatus.Accepted).WaitAsync(TestTimeout);
        Assert.Equal((3L, low), (accepted.Quantity, accepted.Price));

        // Amended 1,000 lower: the original is replaced, the amendment is a working order of its own.
        var amended = await orders.AmendAsync(
            new KisAmendRequest { Product = KisProduct.Stock, OriginalOrderNumber = placed.OrderNumber!, Price = low - 1000 });
        Assert.True(amended.IsAccepted, amended.ToString());
        Assert.NotEqual(placed.OrderNumber, amended.OrderNumber);
        var replaced = await placed.Handle.WaitDoneAsync().WaitAsync(TestTimeout);
        Assert.Equal((KisOrderStatus.Replaced, amended.OrderNumber), (replaced.Status, replaced.ReplacedBy));
        await amended.Handle!.WaitAsync(s => s.Quantity == 3).WaitAsync(TestTimeout);

        // Cancelled: the cancel's handle follows the amendment it cancels.
        var cancelled = await orders.CancelAsync(new KisCancelRequest { Product = KisProduct.Stock, OriginalOrderNumber = amended.OrderNumber! });
        Assert.True(cancelled.IsAccepted, cancelled.ToString());
        Assert.Equal(amended.OrderNumber, cancelled.Handle!.OrderNumber);
        var done = await cancelled.Handle.WaitDoneAsync().WaitAsync(TestTimeout);
        Assert.Equal((KisOrderStatus.Cancelled, 3L, 0L), (done.Status, done.CancelledQuantity, done.FilledQuantity));
        // Nothing left: a second cancel is KIS's typed refusal.
        var again = await orders.CancelAsync(new KisCancelRequest { Product = KisProduct.Stock, OriginalOrderNumber = amended.OrderNumber! });
        Assert.Equal(KisOrderOutcome.Refused, again.Outcome);
        Assert.False(string.IsNullOrEmpty(again.Refusal!.MessageCode));

        // A market buy fills at once: filled or done, from the notices.
        var market = await orders.PlaceAsync(KisOrderRequest.Stock("005930", OrderSide.Buy, 1));
        Assert.True(market.IsAccepted, market.ToString());
        var filled = await DoneAsync(market.Handle!);
        Assert.Equal((KisOrderStatus.Filled, 1L), (filled.Status, filled.FilledQuantity));

        // The inquiries agree.
        var today = await orders.GetOrdersAsync(KisProduct.Stock);
        Assert.Equal([market.OrderNumber, cancelled.OrderNumber, amended.OrderNumber, placed.OrderNumber], today.Select(r => r.OrderNumber));
        var marketRow = today[0];
        Assert.Equal((OrderSide.Buy, 1L, 1L, filled.AveragePrice, 0L),
            (marketRow.Side, marketRow.Quantity, marketRow.FilledQuantity, marketRow.AveragePrice, marketRow.RemainingQuantity));
        Assert.Equal(placed.OrderNumber, today[2].OriginalOrderNumber);
        Assert.Equal([market.OrderNumber], (await orders.GetOrdersAsync(KisProduct.Stock, KisOrderFilter.Filled)).Select(r => r.OrderNumber));
        var balance = await orders.GetBalanceAsync(KisProduct.Stock);
        var position = Assert.Single(balance.Positions);
        Assert.Equal(("005930", 1L, filled.AveragePrice), (position.Code, position.Quantity, position.AveragePrice));
        Assert.True(balance.Cash > 0);

        await stop.CancelAsync();
        await following.WaitAsync(TestTimeout);
    }

    [Fact]
    public async Task A_futures_market_order_fills_and_shows_in_the_orders_and_the_balance()
    {
        await using var sim = await StartSimAsync(o => o with { RandomNotices = false });
        await using var client = new KisRealtimeClient(Options(sim));
        using var orders = Orders(sim);
        using var stop = new CancellationTokenSource();
        var following = orders.Book.FollowAsync(client.SubscribeFuturesOptionsNoticesAsync(cancellationToken: stop.Token), stop.Token);
        await UntilAsync(() => sim.Counters.Replies("OPSP0000") >= 1, "the notice subscription confirmed by the simulator");

        var bought = await orders.PlaceAsync(KisOrderRequest.FuturesOptions("101W09", OrderSide.Buy, 2));
        Assert.True(bought.IsAccepted, bought.ToString());
        var filled = await DoneAsync(bought.Handle!);
        Assert.Equal((KisOrderStatus.Filled, 2L), (filled.Status, filled.FilledQuantity));

        var row = Assert.Single(await orders.GetOrdersAsync(KisProduct.FuturesOptions));
        Assert.Equal((bought.OrderNumber, "101W09", OrderSide.Buy, 2L, 2L, filled.AveragePrice),
            (row.OrderNumber, row.Code, row.Side, row.Quantity, row.FilledQuantity, row.AveragePrice));
        var position = Assert.Single((await orders.GetBalanceAsync(KisProduct.FuturesOptions)).Positions);
        Assert.Equal(("101W09", 2L), (position.Code, position.Quantity));
        // A stocks-only kind is refused before anything is sent.
        await Assert.ThrowsAsync<ArgumentException>(
            () => orders.PlaceAsync(KisOrderRequest.FuturesOptions("101W09", OrderSide.Buy, 1, 350m, KisOrderKind.StopLimit)));

        await stop.CancelAsync();
        await following.WaitAsync(TestTimeout);
    }
}
