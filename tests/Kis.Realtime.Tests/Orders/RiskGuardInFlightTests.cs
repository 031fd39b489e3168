using static Kis.Realtime.Tests.Client.ClientTestKit;

namespace Kis.Realtime.Tests.Orders;

/// <summary>
/// Issue 73 (3): the risk guard counts what may exist. An order whose answer was lost (unknown) counts as working in
/// full until it is resolved; the kill switch cancels an order that was in flight when it was thrown, once its answer
/// names it; an amendment meets every limit a new order meets. Against a scripted KIS server that counts what arrives.
/// </summary>
public sealed class RiskGuardInFlightTests
{
    private static KisOrderRequest Buy(long quantity, decimal price = 70_000) => KisOrderRequest.Stock("005930", OrderSide.Buy, quantity, price);

    private static KisOrderClient Client(ScriptedOrderServer server)
        => new(OrderAmbiguityTests.Options(server) with { ReconcileChecks = 1 });

    private static StockNotice Notice(NoticeKind kind, string number, long quantity, decimal price) => new()
    {
        Kind = kind, OrderNumber = number, OriginalOrderNumber = "", StockCode = "005930", Side = OrderSide.Buy, Quantity = quantity, Price = price,
        OrderQuantity = quantity, OrderPrice = price, Time = new TimeOnly(10, 0, 0), CustomerId = "u", AccountNumber = "a",
        OrderTypeCode = "00", OrderConditionCode = "0", BranchNumber = "", AccountName = "", OrderExchangeCode = "", PopupCode = "", CreditTypeCode = "",
        StockName = "",
    };

    [Fact]
    public async Task An_unknown_order_counts_as_working_in_full_until_reconciling_names_it()
    {
        // The first buy's answer is lost and the server lists it only later (queued behind the gateway).
        await using var server = new ScriptedOrderServer(call => call == 0 ? OrderReaction.Only500ThenPlaceOnRelease : OrderReaction.Answer);
        using var client = Client(server);
        var guard = new KisRiskGuard(client, new KisRiskLimits { MaxPosition = 10 });

        var unknown = await guard.PlaceAsync(Buy(7));
        Assert.Equal(KisOrderOutcome.Unknown, unknown.Outcome);
        Assert.Equal(KisRiskCheck.MaxPosition, (await guard.PlaceAsync(Buy(7))).RiskCheck);

        // Still unknown after another look: still counted.
        Assert.Equal(KisOrderOutcome.Unknown, (await guard.ReconcileAsync(unknown)).Outcome);
        Assert.Equal(KisRiskCheck.MaxPosition, (await guard.PlaceAsync(Buy(4))).RiskCheck);
        Assert.Equal(1, server.OrderCalls);

        // Listed at last: reconciling names it, and from then on it is the order its notices tell (filled: held, not working).
        server.ReleaseHeld();
        var found = await guard.ReconcileAsync(unknown);
        Assert.Equal((KisOrderOutcome.Accepted, true), (found.Outcome, found.Reconciled));
        Assert.Equal(0, guard.UnknownCount);
        client.Book.Apply(Notice(NoticeKind.Fill, found.OrderNumber!, 7, 70_000));
        Assert.Equal(7, guard.Position("005930"));
        Assert.Equal(KisRiskCheck.MaxPosition, (await guard.PlaceAsync(Buy(4))).RiskCheck);
        Assert.True((await guard.PlaceAsync(Buy(3))).IsAccepted, "the filled order counts once: 7 held and 3 more is 10");
        Assert.Equal(2, server.OrderCalls);
    }

    [Fact]
    public async Task An_unknown_order_given_up_by_the_caller_stops_counting()
    {
        await using var server = new ScriptedOrderServer(call => call == 0 ? OrderReaction.Only500 : OrderReaction.Answer);
        using var client = Client(server);
        var guard = new KisRiskGuard(client, new KisRiskLimits { MaxOpenOrders = 1 });

        var unknown = await guard.PlaceAsync(Buy(7));
        Assert.Equal(KisRiskCheck.MaxOpenOrders, (await guard.PlaceAsync(Buy(7))).RiskCheck);
        Assert.Equal(1, guard.UnknownCount);

        Assert.True(guard.Release(unknown));
        Assert.False(guard.Release(unknown));
        Assert.Equal(0, guard.UnknownCount);
        Assert.True((await guard.PlaceAsync(Buy(7))).IsAccepted);
    }

    [Fact]
    public async Task The_kill_switch_cancels_an_order_in_flight_when_its_answer_names_it()
    {
        await using var server = new ScriptedOrderServer(_ => OrderReaction.PlaceThenHold);
        using var client = Client(server);
        var guard = new KisRiskGuard(client, new KisRiskLimits { MaxOpenOrders = 5 });

        var placing = guard.PlaceAsync(Buy(7));
        await UntilAsync(() => server.Placed.Count == 1, "the order placed at the server, its answer held");
        var killing = guard.KillAsync();
        Assert.True(guard.IsKilled);
        Assert.Equal(KisRiskCheck.KillSwitch, (await guard.PlaceAsync(Buy(1))).RiskCheck);
        server.ReleaseHeld();

        var placed = await placing.WaitAsync(TestTimeout);
        var cancels = await killing.WaitAsync(TestTimeout);

        Assert.True(placed.IsAccepted, placed.ToString());
        var cancel = Assert.Single(cancels);
        Assert.True(cancel.IsAccepted, cancel.ToString());
        var sent = Assert.Single(server.Amendments);
        Assert.Equal((placed.OrderNumber, true), (sent.Original, sent.Cancel));
        Assert.Equal(1, server.OrderCalls);
    }

    [Fact]
    public async Task The_kill_switch_cancels_an_unknown_order_that_reconciling_then_finds()
    {
        await using var server = new ScriptedOrderServer(_ => OrderReaction.Only500ThenPlaceOnRelease);
        using var client = Client(server);
        var guard = new KisRiskGuard(client, new KisRiskLimits { MaxOpenOrders = 5 });
        var unknown = await guard.PlaceAsync(Buy(7));
        Assert.Equal(KisOrderOutcome.Unknown, unknown.Outcome);
        server.ReleaseHeld(); // the server lists it now

        var cancels = await guard.KillAsync().WaitAsync(TestTimeout);

        var cancel = Assert.Single(cancels);
        Assert.True(cancel.IsAccepted, cancel.ToString());
        Assert.Equal((Assert.Single(server.Placed).Number, true), (Assert.Single(server.Amendments).Original, server.Amendments[0].Cancel));
        Assert.Equal(0, guard.UnknownCount);
    }

    [Fact]
    public async Task An_unknown_order_the_kill_switch_cannot_find_is_reported_unknown_not_dropped()
    {
        await using var server = new ScriptedOrderServer(_ => OrderReaction.Only500);
        using var client = Client(server);
        var guard = new KisRiskGuard(client, new KisRiskLimits { MaxOpenOrders = 5 });
        Assert.Equal(KisOrderOutcome.Unknown, (await guard.PlaceAsync(Buy(7))).Outcome);

        var cancels = await guard.KillAsync().WaitAsync(TestTimeout);

        var left = Assert.Single(cancels);
        Assert.Equal(KisOrderOutcome.Unknown, left.Outcome);
        Assert.Contains("could not be cancelled", left.Problem);
        Assert.Empty(server.Amendments);
        Assert.Equal(1, guard.UnknownCount);
    }

    [Fact]
    public async Task An_amendment_meets_the_value_position_and_band_limits_of_a_new_order()
    {
        await using var server = new ScriptedOrderServer(_ => OrderReaction.Answer);
        using var client = Client(server);
        var guard = new KisRiskGuard(client, new KisRiskLimits { MaxOrderValue = 400_000, MaxPosition = 10 });
        var placed = await guard.PlaceAsync(Buy(8, 50_000)); // 400,000: at the limit
        Assert.True(placed.IsAccepted, placed.ToString());

        var dearer = await guard.AmendAsync(new KisAmendRequest { Product = KisProduct.Stock, OriginalOrderNumber = placed.OrderNumber!, Price = 60_000 });
        Assert.Equal(KisRiskCheck.MaxOrderValue, dearer.RiskCheck);
        var larger = await guard.AmendAsync(new KisAmendRequest
        {
            Product = KisProduct.Stock, OriginalOrderNumber = placed.OrderNumber!, Quantity = 11, Price = 30_000,
        });
        Assert.Equal(KisRiskCheck.MaxPosition, larger.RiskCheck);
        var unknownOriginal = await guard.AmendAsync(new KisAmendRequest { Product = KisProduct.Stock, OriginalOrderNumber = "0000999999", Price = 1_000 });
        Assert.Equal(KisRiskCheck.MaxOrderValue, unknownOriginal.RiskCheck);
        Assert.Contains("not known", unknownOriginal.Problem);
        Assert.Empty(server.Amendments);

        var cheaper = await guard.AmendAsync(new KisAmendRequest { Product = KisProduct.Stock, OriginalOrderNumber = placed.OrderNumber!, Price = 45_000 });
        Assert.True(cheaper.IsAccepted, cheaper.ToString());
        // The amendment replaces the original in the guard's count: amending it again is checked against its own terms.
        var again = await guard.AmendAsync(new KisAmendRequest { Product = KisProduct.Stock, OriginalOrderNumber = cheaper.OrderNumber!, Price = 55_000 });
        Assert.Equal(KisRiskCheck.MaxOrderValue, again.RiskCheck);
        Assert.Single(server.Amendments);
    }

    [Fact]
    public async Task A_partial_amendment_leaves_the_rest_of_the_original_counted_and_adds_an_order()
    {
        // KIS amends part of an order as a new order and leaves the rest working at the old terms: 8 stay working in all.
        await using var server = new ScriptedOrderServer(_ => OrderReaction.Answer);
        using var client = Client(server);
        var guard = new KisRiskGuard(client, new KisRiskLimits { MaxPosition = 10, MaxOpenOrders = 3 });
        var placed = await guard.PlaceAsync(Buy(8));
        Assert.True(placed.IsAccepted, placed.ToString());

        var part = await guard.AmendAsync(new KisAmendRequest
        {
            Product = KisProduct.Stock, OriginalOrderNumber = placed.OrderNumber!, Quantity = 4, Price = 69_000,
        });
        Assert.True(part.IsAccepted, part.ToString());

        Assert.Equal(KisRiskCheck.MaxPosition, (await guard.PlaceAsync(Buy(5))).RiskCheck); // 4 amended + 4 left + 5 is 13
        Assert.True((await guard.PlaceAsync(Buy(2))).IsAccepted, "8 working and 2 more is 10");
        // Three orders work now: the original's rest, its amended part and the last buy.
        Assert.Equal(KisRiskCheck.MaxOpenOrders, (await guard.PlaceAsync(KisOrderRequest.Stock("005930", OrderSide.Sell, 1, 70_000))).RiskCheck);
        Assert.Equal(2, server.OrderCalls);

        // The notices agree: the original reduced to 4 and still working, the amended part a working order of its own.
        client.Book.Apply(Notice(NoticeKind.OrderAccepted, placed.OrderNumber!, 8, 70_000));
        client.Book.Apply(Notice(NoticeKind.AmendAccepted, part.OrderNumber!, 4, 69_000) with { OriginalOrderNumber = placed.OrderNumber! });
        Assert.Equal(KisRiskCheck.MaxOpenOrders, (await guard.PlaceAsync(Buy(1))).RiskCheck);
        Assert.Equal(2, server.OrderCalls);
    }

    [Fact]
    public async Task An_amendment_of_all_that_is_left_replaces_the_original()
    {
        await using var server = new ScriptedOrderServer(_ => OrderReaction.Answer);
        using var client = Client(server);
        var guard = new KisRiskGuard(client, new KisRiskLimits { MaxPosition = 10, MaxOpenOrders = 2 });
        var placed = await guard.PlaceAsync(Buy(8));

        var all = await guard.AmendAsync(new KisAmendRequest
        {
            Product = KisProduct.Stock, OriginalOrderNumber = placed.OrderNumber!, Quantity = 8, Price = 69_000,
        });
        Assert.True(all.IsAccepted, all.ToString());

        Assert.Equal(KisRiskCheck.MaxPosition, (await guard.PlaceAsync(Buy(3))).RiskCheck);
        Assert.True((await guard.PlaceAsync(Buy(2))).IsAccepted, "one order of 8 works: 2 more is 10, and 2 orders");
        Assert.Equal(KisRiskCheck.MaxOpenOrders, (await guard.PlaceAsync(Buy(1))).RiskCheck);
    }
}
