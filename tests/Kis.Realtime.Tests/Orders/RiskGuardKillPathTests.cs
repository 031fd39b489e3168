using System.Collections.Concurrent;
using Kis.Realtime.Internal;
using Microsoft.Extensions.Logging;
using static Kis.Realtime.Tests.Client.ClientTestKit;

namespace Kis.Realtime.Tests.Orders;

/// <summary>
/// Issue 73 review: the kill switch's paths through reconciling. An earlier run's order still unknown, reconciled from
/// the journal while the kill switch is on, is looked at once more and cancelled when found (as KillAsync does with this
/// run's); a failed cancel after a kill never costs ReconcileAsync's caller the order found; and an unknown order that
/// KillAsync and the caller reconcile at once is cancelled once, not twice. Against a scripted venue.
/// </summary>
public sealed class RiskGuardKillPathTests
{
    private static KisOrderResult Unknown() => new()
    {
        Outcome = KisOrderOutcome.Unknown, Problem = "the answer was lost (test)",
        Pending = new PendingCall(KisProduct.Stock, KisOrderRequest.Stock("005930", OrderSide.Buy, 3, 70_000), null, false),
    };

    private static KisOrderResult Accepted(string number) => new() { Outcome = KisOrderOutcome.Accepted, OrderNumber = number, Reconciled = true };

    [Fact]
    public async Task An_earlier_runs_unknown_order_reconciled_from_the_journal_while_killed_is_cancelled_once_found()
    {
        var unknown = Unknown();
        var venue = new ScriptedVenue { Journal = [unknown], Found = Accepted("0000000007") };
        var guard = new KisRiskGuard(venue, new KisRiskLimits { MaxOpenOrders = 5 });
        Assert.Empty(await guard.KillAsync().WaitAsync(TestTimeout));

        var results = await guard.ReconcileJournalAsync().WaitAsync(TestTimeout);

        Assert.Same(unknown, Assert.Single(results));
        Assert.Equal("0000000007", Assert.Single(venue.Cancels).OriginalOrderNumber);
        Assert.Equal(0, guard.UnknownCount);
    }

    [Fact]
    public async Task A_failed_cancel_after_a_kill_leaves_ReconcileAsync_its_found_order_and_is_logged()
    {
        using var provider = new Client.CapturingLoggerProvider();
        using var loggers = LoggerFactory.Create(b => b.AddProvider(provider));
        var venue = new ScriptedVenue { Found = Accepted("0000000007"), CancelThrows = true };
        var guard = new KisRiskGuard(venue, new KisRiskLimits { MaxOpenOrders = 5 }, loggers);
        Assert.Empty(await guard.KillAsync().WaitAsync(TestTimeout));

        var found = await guard.ReconcileAsync(Unknown()).WaitAsync(TestTimeout);

        Assert.Equal(("0000000007", true), (found.OrderNumber, found.IsAccepted));
        Assert.Single(venue.Cancels);
        Assert.Contains(provider.Lines, l => l.Contains("0000000007", StringComparison.Ordinal) && l.Contains("cancel failed", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_unknown_order_the_kill_switch_and_the_caller_reconcile_at_once_is_cancelled_once()
    {
        var venue = new ScriptedVenue { PlaceUnknown = true, Found = Accepted("0000000007"), HoldReconciles = 2 };
        var guard = new KisRiskGuard(venue, new KisRiskLimits { MaxOpenOrders = 5 });
        var unknown = await guard.PlaceAsync(KisOrderRequest.Stock("005930", OrderSide.Buy, 3, 70_000)).WaitAsync(TestTimeout);
        Assert.Equal(KisOrderOutcome.Unknown, unknown.Outcome);

        // Both look before either takes the answer in: whichever takes it in second must not adopt it again.
        var killing = guard.KillAsync();
        var reconciling = guard.ReconcileAsync(unknown);
        await venue.BothReconciling.Task.WaitAsync(TestTimeout);
        venue.ReleaseReconciles.TrySetResult();
        await Task.WhenAll(killing, reconciling).WaitAsync(TestTimeout);

        Assert.Equal("0000000007", Assert.Single(venue.Cancels).OriginalOrderNumber);
        Assert.Equal(0, guard.UnknownCount);
    }

    /// <summary>Places nothing (or answers unknown), reconciles to <see cref="Found"/>, optionally holding the first
    /// <see cref="HoldReconciles"/> reconciles until released, and records (or fails) every cancel.</summary>
    private sealed class ScriptedVenue : IKisOrderVenue
    {
        private int _reconciling;

        public KisOrderBook Book { get; } = new();
        public IReadOnlyList<KisOrderResult> Journal { get; init; } = [];
        public required KisOrderResult Found { get; init; }
        public bool CancelThrows { get; init; }
        public bool PlaceUnknown { get; init; }
        public int HoldReconciles { get; init; }
        public TaskCompletionSource BothReconciling { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public TaskCompletionSource ReleaseReconciles { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public ConcurrentQueue<KisCancelRequest> Cancels { get; } = new();

        public Task<KisOrderResult> PlaceAsync(KisOrderRequest order, CancellationToken cancellationToken = default)
            => PlaceUnknown ? Task.FromResult(Unknown()) : throw new NotSupportedException();

        public async Task<KisOrderResult> ReconcileAsync(KisOrderResult result, CancellationToken cancellationToken = default)
        {
            var n = Interlocked.Increment(ref _reconciling);
            if (n <= HoldReconciles)
            {
                if (n == HoldReconciles) BothReconciling.TrySetResult();
                await ReleaseReconciles.Task.WaitAsync(TestTimeout, cancellationToken);
            }
            return Found;
        }

        public Task<IReadOnlyList<KisOrderResult>> ReconcileJournalAsync(CancellationToken cancellationToken = default) => Task.FromResult(Journal);

        public Task<KisOrderResult> CancelAsync(KisCancelRequest cancel, CancellationToken cancellationToken = default)
        {
            Cancels.Enqueue(cancel);
            if (CancelThrows) throw new HttpRequestException("the cancel's connection failed (test)");
            return Task.FromResult(new KisOrderResult { Outcome = KisOrderOutcome.Accepted, OrderNumber = "9" + cancel.OriginalOrderNumber[1..] });
        }

        public Task<KisOrderResult> AmendAsync(KisAmendRequest amend, CancellationToken cancellationToken = default) => throw new NotSupportedException();
        public Task<IReadOnlyList<KisOrderRow>> GetOrdersAsync(KisProduct product, KisOrderFilter filter = KisOrderFilter.All, string? code = null,
            CancellationToken cancellationToken = default) => throw new NotSupportedException();
        public Task<KisBalance> GetBalanceAsync(KisProduct product, CancellationToken cancellationToken = default) => throw new NotSupportedException();
        public Task<KisBuyingPower> GetBuyingPowerAsync(KisProduct product, string code, OrderSide side = OrderSide.Buy, decimal price = 0,
            CancellationToken cancellationToken = default) => throw new NotSupportedException();
    }
}
