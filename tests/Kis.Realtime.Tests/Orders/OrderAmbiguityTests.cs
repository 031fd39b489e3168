using Kis.Realtime.Tests.Client;
using static Kis.Realtime.Tests.Client.ClientTestKit;

namespace Kis.Realtime.Tests.Orders;

/// <summary>
/// Issue 43 (2): an order is never doubled and never lost. KIS has no client order id, so an order whose answer is
/// lost may or may not exist: the client reconciles against today's orders before anything else and reports what it
/// found, never resending blindly. Each case against a scripted server that counts the orders it placed.
/// </summary>
public sealed class OrderAmbiguityTests
{
    private static readonly KisOrderRequest Buy = KisOrderRequest.Stock("005930", OrderSide.Buy, 10, 70_000);

    internal static KisOrderOptions Options(ScriptedOrderServer server) => new()
    {
        Credential = new KisCredential("PSscriptedAppKey" + Guid.NewGuid().ToString("N")[..8], ScriptedOrderServer.AppSecret),
        Account = new KisAccount("50123456", "01"),
        RestBaseUrl = server.BaseUrl,
        TimeProvider = server.Clock,
        ReconcileInterval = TimeSpan.FromMilliseconds(50),
        RequestTimeout = TestTimeout,
    };

    [Fact]
    public async Task A_connection_reset_after_the_order_was_placed_is_reconciled_to_that_one_order_and_not_resent()
    {
        await using var server = new ScriptedOrderServer(_ => OrderReaction.PlaceThenDrop);
        using var client = new KisOrderClient(Options(server));

        var result = await client.PlaceAsync(Buy);

        var placed = Assert.Single(server.Placed);
        Assert.Equal((KisOrderOutcome.Accepted, true, placed.Number, "91252"), (result.Outcome, result.Reconciled, result.OrderNumber, result.Branch));
        Assert.Equal(1, server.OrderCalls);
        Assert.Equal(placed.Number, result.Handle!.OrderNumber);
    }

    /// <summary>A keep-alive server: the second order's connection dies after placing it; nothing (the client, the
    /// HTTP stack) sends it again.</summary>
    [Fact]
    public async Task A_second_order_whose_connection_dies_after_placing_is_reconciled_and_not_sent_again()
    {
        await using var server = new ScriptedOrderServer(call => call == 0 ? OrderReaction.Answer : OrderReaction.PlaceThenDrop);
        using var client = new KisOrderClient(Options(server));

        var first = await client.PlaceAsync(Buy);
        var second = await client.PlaceAsync(Buy with { Price = 69_900 });

        Assert.Equal(2, server.OrderCalls);
        Assert.Equal(2, server.Placed.Count);
        Assert.Equal((KisOrderOutcome.Accepted, false), (first.Outcome, first.Reconciled));
        Assert.Equal((KisOrderOutcome.Accepted, true, server.Placed[1].Number), (second.Outcome, second.Reconciled, second.OrderNumber));
    }

    [Fact]
    public async Task An_HTTP_500_after_the_order_was_placed_is_reconciled_and_not_resent()
    {
        await using var server = new ScriptedOrderServer(_ => OrderReaction.PlaceThen500);
        using var client = new KisOrderClient(Options(server));

        var result = await client.PlaceAsync(Buy);

        Assert.Equal((KisOrderOutcome.Accepted, true, Assert.Single(server.Placed).Number), (result.Outcome, result.Reconciled, result.OrderNumber));
        Assert.Equal(1, server.OrderCalls);
    }

    [Fact]
    public async Task An_HTTP_500_for_an_order_that_was_not_placed_is_reported_unknown_and_never_resent()
    {
        await using var server = new ScriptedOrderServer(_ => OrderReaction.Only500);
        using var client = new KisOrderClient(Options(server) with { ReconcileChecks = 2 });

        var result = await client.PlaceAsync(Buy);

        Assert.Equal(KisOrderOutcome.Unknown, result.Outcome);
        Assert.Contains("HTTP 500", result.Problem);
        Assert.Contains("not resent", result.Problem);
        Assert.Empty(server.Placed);
        Assert.Equal(1, server.OrderCalls);
        Assert.Equal(2, server.Count("/inquire-daily-ccld")); // the two checks
        // Reconciling again later asks today's orders once more and still sends no order.
        var again = await client.ReconcileAsync(result);
        Assert.Equal(KisOrderOutcome.Unknown, again.Outcome);
        Assert.Equal(1, server.OrderCalls);
    }

    [Fact]
    public async Task A_stalled_order_call_times_out_and_is_found_in_todays_orders_and_an_unplaced_one_is_unknown()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 26, 1, 0, 0, TimeSpan.Zero)); // 10:00 KST
        var script = new[] { OrderReaction.PlaceThenStall, OrderReaction.OnlyStall };
        await using var server = new ScriptedOrderServer(call => script[call], clock);
        using var client = new KisOrderClient(Options(server) with { RequestTimeout = TimeSpan.FromSeconds(10), ReconcileChecks = 1 });

        var placing = client.PlaceAsync(Buy);
        await UntilAsync(() => server.Placed.Count == 1, "the order placed at the server");
        clock.Advance(TimeSpan.FromSeconds(11));
        var placed = await placing.WaitAsync(TestTimeout);
        Assert.True(placed.IsAccepted, placed.ToString());
        Assert.Equal((KisOrderOutcome.Accepted, true, Assert.Single(server.Placed).Number), (placed.Outcome, placed.Reconciled, placed.OrderNumber));

        var lost = client.PlaceAsync(Buy with { Quantity = 5 });
        await UntilAsync(() => server.OrderCalls == 2, "the second order call at the server");
        clock.Advance(TimeSpan.FromSeconds(11));
        var unknown = await lost.WaitAsync(TestTimeout);
        Assert.Equal(KisOrderOutcome.Unknown, unknown.Outcome);
        Assert.Contains("did not answer within 10 s", unknown.Problem);
        Assert.Single(server.Placed);
        Assert.Equal(2, server.OrderCalls);
    }

    [Fact]
    public async Task A_refusal_for_rate_places_nothing_so_the_order_is_sent_again_and_placed_once()
    {
        await using var server = new ScriptedOrderServer(call => call == 0 ? OrderReaction.RefuseRate : OrderReaction.Answer);
        using var client = new KisOrderClient(Options(server));

        var result = await client.PlaceAsync(Buy);

        Assert.Equal((KisOrderOutcome.Accepted, false, 2), (result.Outcome, result.Reconciled, result.Attempts));
        Assert.Equal(Assert.Single(server.Placed).Number, result.OrderNumber);
        Assert.Equal(2, server.OrderCalls);
    }

    [Fact]
    public async Task A_refusal_for_rate_with_no_retries_left_is_a_typed_refusal()
    {
        await using var server = new ScriptedOrderServer(_ => OrderReaction.RefuseRate);
        using var client = new KisOrderClient(Options(server) with { RateLimitRetries = 0 });

        var result = await client.PlaceAsync(Buy);

        Assert.Equal(KisOrderOutcome.Refused, result.Outcome);
        Assert.Equal(("1", "EGW00201", 500, true),
            (result.Refusal!.ReturnCode, result.Refusal.MessageCode, result.Refusal.HttpStatus, result.Refusal.IsRateLimit));
        Assert.Empty(server.Placed);
        Assert.Equal(1, server.OrderCalls);
    }

    [Fact]
    public async Task A_business_refusal_carries_KIS_code_and_message_without_the_secret()
    {
        await using var server = new ScriptedOrderServer(_ => OrderReaction.RefuseWithSecret);
        using var client = new KisOrderClient(Options(server));

        var result = await client.PlaceAsync(Buy);

        Assert.Equal((KisOrderOutcome.Refused, "APBK0919"), (result.Outcome, result.Refusal!.MessageCode));
        Assert.StartsWith("주문가능금액을 초과 했습니다", result.Refusal.Message);
        Assert.DoesNotContain(ScriptedOrderServer.AppSecret, result.ToString());
        Assert.DoesNotContain(ScriptedOrderServer.AppSecret, result.Refusal.Message);
    }

    [Fact]
    public async Task An_order_to_a_server_that_is_not_there_is_not_sent()
    {
        using var closed = new RefusingPort();
        var port = closed.Port;
        await using var server = new ScriptedOrderServer(_ => OrderReaction.Answer);
        using var client = new KisOrderClient(Options(server) with { RestBaseUrl = new Uri($"http://127.0.0.1:{port}/") });

        var result = await client.PlaceAsync(Buy);

        Assert.Equal(KisOrderOutcome.NotSent, result.Outcome);
        Assert.Contains("could not reach", result.Problem);
    }

    [Fact]
    public async Task Invalid_orders_are_refused_before_anything_is_sent()
    {
        await using var server = new ScriptedOrderServer(_ => OrderReaction.Answer);
        using var client = new KisOrderClient(Options(server));

        await Assert.ThrowsAsync<ArgumentException>(() => client.PlaceAsync(Buy with { Quantity = 0 }));
        await Assert.ThrowsAsync<ArgumentException>(() => client.PlaceAsync(Buy with { Price = 70_000.5m }));
        await Assert.ThrowsAsync<ArgumentException>(() => client.PlaceAsync(Buy with { Kind = KisOrderKind.Market }));
        await Assert.ThrowsAsync<ArgumentException>(() => client.PlaceAsync(Buy with { Code = "5930" }));
        await Assert.ThrowsAsync<ArgumentException>(
            () => client.PlaceAsync(KisOrderRequest.FuturesOptions("101W9000", OrderSide.Buy, 1, 350m, KisOrderKind.Midpoint)));
        Assert.Empty(server.Requests);
    }
}
