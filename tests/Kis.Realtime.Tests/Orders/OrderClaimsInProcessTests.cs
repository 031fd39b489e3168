using static Kis.Realtime.Tests.Client.ClientTestKit;

namespace Kis.Realtime.Tests.Orders;

/// <summary>
/// Issue 73 (2) without a journal folder (the default): two <see cref="KisOrderClient"/>s of one account in one process
/// (two strategies of one program) share their claims in memory, so one's lost answer never takes the other's order.
/// Across processes and restarts it takes <see cref="KisOrderOptions.JournalFolder"/> (<see cref="OrderJournalTests"/>).
/// </summary>
public sealed class OrderClaimsInProcessTests
{
    private static readonly KisOrderRequest Buy = KisOrderRequest.Stock("005930", OrderSide.Buy, 11, 70_000);

    /// <summary>The first client's buy is placed with its answer held; the second client's identical buy is lost before
    /// the server: the second may not take the first's order.</summary>
    [Fact]
    public async Task Two_clients_of_one_account_in_one_process_never_claim_one_order_number_without_a_journal()
    {
        var script = new[] { OrderReaction.PlaceThenHold, OrderReaction.OnlyDrop };
        await using var server = new ScriptedOrderServer(call => script[call]);
        var options = OrderAmbiguityTests.Options(server);
        Assert.Null(options.JournalFolder);
        using var first = new KisOrderClient(options);
        using var second = new KisOrderClient(options);

        var slow = first.PlaceAsync(Buy);
        await UntilAsync(() => server.Placed.Count == 1, "the first client's order placed at the server, its answer held");
        var lost = await second.PlaceAsync(Buy).WaitAsync(TestTimeout);
        server.ReleaseHeld();
        var answered = await slow.WaitAsync(TestTimeout);

        var placed = Assert.Single(server.Placed);
        Assert.Equal((KisOrderOutcome.Accepted, placed.Number, false), (answered.Outcome, answered.OrderNumber, answered.Reconciled));
        OrderClaimTests.AssertLostTwin(server, placed, lost);
    }

    /// <summary>A client disposed with its order unknown: a client of the account that lived beside it finds that order
    /// for it (<see cref="KisOrderClient.ReconcileJournalAsync"/>), and does not take it for a new identical order of its own.</summary>
    [Fact]
    public async Task A_disposed_clients_unknown_order_is_settled_by_a_client_beside_it_and_not_taken_for_a_new_one()
    {
        var script = new[] { OrderReaction.Only500ThenPlaceOnRelease, OrderReaction.OnlyDrop };
        await using var server = new ScriptedOrderServer(call => script[call]);
        var options = OrderAmbiguityTests.Options(server) with { ReconcileChecks = 1 };
        using var staying = new KisOrderClient(options);
        using (var gone = new KisOrderClient(options))
            Assert.Equal(KisOrderOutcome.Unknown, (await gone.PlaceAsync(Buy).WaitAsync(TestTimeout)).Outcome);
        server.ReleaseHeld();
        var placed = Assert.Single(server.Placed);

        var lost = await staying.PlaceAsync(Buy).WaitAsync(TestTimeout);
        var earlier = await staying.ReconcileJournalAsync().WaitAsync(TestTimeout);

        Assert.Equal(KisOrderOutcome.Unknown, lost.Outcome);
        Assert.Contains("same terms was left unresolved by a handle that is gone", lost.Problem);
        var found = Assert.Single(earlier);
        Assert.Equal((KisOrderOutcome.Accepted, placed.Number, true), (found.Outcome, found.OrderNumber, found.Reconciled));
    }
}
