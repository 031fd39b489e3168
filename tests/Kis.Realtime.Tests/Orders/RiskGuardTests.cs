using static Kis.Realtime.Tests.Client.ClientTestKit;

namespace Kis.Realtime.Tests.Orders;

/// <summary>
/// Issue 56 (4): the risk guard refuses an order that breaches a limit before anything reaches the venue (a scripted
/// KIS server counts what arrives), typed and counted; the kill switch cancels every working order and refuses new ones.
/// </summary>
public sealed class RiskGuardTests
{
    private static KisOrderRequest Buy(long quantity, decimal price = 70_000) => KisOrderRequest.Stock("005930", OrderSide.Buy, quantity, price);

    private static StockNotice Fill(string number, OrderSide side, long quantity, decimal price) => new()
    {
        Kind = NoticeKind.Fill, OrderNumber = number, OriginalOrderNumber = "", StockCode = "005930", Side = side, Quantity = quantity, Price = price,
        OrderQuantity = quantity, OrderPrice = price, Time = new TimeOnly(10, 0, 0), CustomerId = "u", AccountNumber = "a",
        OrderTypeCode = "00", OrderConditionCode = "0", BranchNumber = "", AccountName = "", OrderExchangeCode = "", PopupCode = "", CreditTypeCode = "",
            StockName = "",
    };

    private static async Task AssertRefusedUnsentAsync(KisRiskGuard guard, ScriptedOrderServer server, KisOrderRequest order, KisRiskCheck check)
    {
        var calls = server.OrderCalls;
        var result = await guard.PlaceAsync(order);
        Assert.Equal((KisOrderOutcome.Refused, check), (result.Outcome, result.RiskCheck));
        Assert.Equal($"RISK_{check}", result.Refusal!.MessageCode);
        Assert.Equal(calls, server.OrderCalls);
        Assert.True(guard.Refused(check) >= 1);
    }

    [Fact]
    public async Task Quantity_value_and_price_band_breaches_are_refused_before_sending()
    {
        await using var server = new ScriptedOrderServer(_ => OrderReaction.Answer);
        using var client = new KisOrderClient(OrderAmbiguityTests.Options(server));
        var guard = new KisRiskGuard(client, new KisRiskLimits { MaxOrderQuantity = 10, MaxOrderValue = 500_000, PriceBand = 0.05m });
        guard.OnTrade("005930", 70_000);

        await AssertRefusedUnsentAsync(guard, server, Buy(11), KisRiskCheck.MaxOrderQuantity);
        await AssertRefusedUnsentAsync(guard, server, Buy(8), KisRiskCheck.MaxOrderValue);
        await AssertRefusedUnsentAsync(guard, server, Buy(1, 74_000), KisRiskCheck.PriceBand);
        await AssertRefusedUnsentAsync(guard, server, KisOrderRequest.Stock("000660", OrderSide.Buy, 1, 100_000), KisRiskCheck.PriceBand); // no last trade
        Assert.True((await guard.PlaceAsync(Buy(7, 71_000))).IsAccepted);
        Assert.Equal(1, server.OrderCalls);
        Assert.Equal(4, guard.RefusedTotal);
    }

    [Fact]
    public async Task Open_orders_position_and_order_rate_count_orders_let_through_before_their_notices()
    {
        await using var server = new ScriptedOrderServer(_ => OrderReaction.Answer);
        using var client = new KisOrderClient(OrderAmbiguityTests.Options(server));
        var open = new KisRiskGuard(client, new KisRiskLimits { MaxOpenOrders = 2 });
        Assert.True((await open.PlaceAsync(Buy(1))).IsAccepted);
        Assert.True((await open.PlaceAsync(Buy(1, 69_900))).IsAccepted);
        await AssertRefusedUnsentAsync(open, server, Buy(1, 69_800), KisRiskCheck.MaxOpenOrders);

        // Max position 5: 3 working and 2 more is the most; a sell that reduces the exposure passes.
        var position = new KisRiskGuard(client, new KisRiskLimits { MaxPosition = 5 });
        await AssertRefusedUnsentAsync(position, server, Buy(6), KisRiskCheck.MaxPosition);
        Assert.True((await position.PlaceAsync(Buy(3))).IsAccepted);
        await AssertRefusedUnsentAsync(position, server, Buy(3), KisRiskCheck.MaxPosition);
        Assert.True((await position.PlaceAsync(Buy(2))).IsAccepted);

        var rate = new KisRiskGuard(client, new KisRiskLimits { MaxOrdersPerSecond = 2 }, time: new Client.FakeTimeProvider(DateTimeOffset.UtcNow));
        Assert.True((await rate.PlaceAsync(Buy(1))).IsAccepted);
        Assert.True((await rate.PlaceAsync(Buy(1))).IsAccepted);
        await AssertRefusedUnsentAsync(rate, server, Buy(1), KisRiskCheck.OrderRate);
        Assert.Equal(6, server.OrderCalls);
    }

    [Fact]
    public async Task The_days_loss_at_the_last_trade_stops_new_orders_at_the_limit()
    {
        await using var server = new ScriptedOrderServer(_ => OrderReaction.Answer);
        using var client = new KisOrderClient(OrderAmbiguityTests.Options(server));
        var guard = new KisRiskGuard(client, new KisRiskLimits { DailyLossLimit = 100_000 });
        client.Book.Apply(Fill("0000000901", OrderSide.Buy, 10, 70_000));
        guard.OnTrade("005930", 69_000);
        Assert.Equal(-10_000m, guard.DayProfit());
        Assert.True((await guard.PlaceAsync(Buy(1))).IsAccepted);

        guard.OnTrade("005930", 60_000);
        await AssertRefusedUnsentAsync(guard, server, Buy(1), KisRiskCheck.DailyLoss);
        Assert.Equal(10, guard.Position("005930"));
    }

    [Fact]
    public async Task The_kill_switch_cancels_every_working_order_and_refuses_new_ones()
    {
        await using var sim = await StartSimAsync(o => o with { RandomNotices = false });
        await using var feed = new KisRealtimeClient(Options(sim));
        using var client = new KisOrderClient(new KisOrderOptions
        {
            Credential = DefaultCredential, Account = new KisAccount("50123456", "01"), RestBaseUrl = sim.RestBaseUrl,
        });
        var guard = new KisRiskGuard(client, new KisRiskLimits { MaxOpenOrders = 10 });
        using var stop = new CancellationTokenSource();
        var following = guard.Book.FollowAsync(feed.SubscribeStockNoticesAsync(cancellationToken: stop.Token), stop.Token);
        await UntilAsync(() => sim.Counters.Replies("OPSP0000") >= 1, "the notice subscription confirmed by the simulator");
        var power = await guard.GetBuyingPowerAsync(KisProduct.Stock, "005930");
        var low = Math.Floor(power.Price * 0.6m / 1000) * 1000;
        var handles = new List<KisOrderHandle>();
        for (var i = 0; i < 3; i++)
        {
            var placed = await guard.PlaceAsync(Buy(1, low - i * 1000));
            Assert.True(placed.IsAccepted, placed.ToString());
            handles.Add(placed.Handle!);
        }
        await handles[0].WaitAsync(s => s.Status == KisOrderStatus.Accepted).WaitAsync(TestTimeout); // one seen in the notices, two maybe not

        var cancels = await guard.KillAsync();

        Assert.Equal(3, cancels.Count);
        Assert.All(cancels, c => Assert.True(c.IsAccepted, c.ToString()));
        foreach (var handle in handles)
            Assert.Equal(KisOrderStatus.Cancelled, (await handle.WaitDoneAsync().WaitAsync(TestTimeout)).Status);
        Assert.True(guard.IsKilled);
        var refused = await guard.PlaceAsync(Buy(1, low));
        Assert.Equal(KisRiskCheck.KillSwitch, refused.RiskCheck);
        var listed = await guard.GetOrdersAsync(KisProduct.Stock);
        Assert.Equal(3, listed.Count(r => r.OriginalOrderNumber is null)); // the three orders, beside their cancels
        Assert.All(listed, r => Assert.Equal(0, r.RemainingQuantity));
        await stop.CancelAsync();
        await following.WaitAsync(TestTimeout);
    }
}
