using Kis.Realtime.Internal;
using Microsoft.Extensions.Logging;

namespace Kis.Realtime;

public sealed partial class KisRiskGuard
{
    /// <summary>New orders let through whose outcome is unknown (their answer was lost): each counts as working in full
    /// until <see cref="ReconcileAsync"/> names it or <see cref="Release"/> gives it up.</summary>
    public int UnknownCount
    {
        get
        {
            lock (_gate) return _orders.UnknownCount;
        }
    }

    /// <summary>
    /// Looks again, through the venue, for the order of an <see cref="KisOrderOutcome.Unknown"/> result this guard let
    /// through. Found: from then on it is followed as the order it is (and cancelled at once while the kill switch is
    /// on); unknown still: it keeps counting as working in full. An earlier run's order (from the order journal), unknown
    /// or already found, is taken in the same way. Any other result is returned as it is.
    /// </summary>
    public async Task<KisOrderResult> ReconcileAsync(KisOrderResult result, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(result);
        var found = await _venue.ReconcileAsync(result, cancellationToken);
        // The order is taken in: the kill's cancel never costs the caller what was found (a failure is logged).
        if (Absorb(result, found, out var killed) is { } order && killed && found.IsAccepted) await CancelAfterKillAsync(order.Product, found);
        return found;
    }

    /// <summary>
    /// Reconciles through the venue (<see cref="IKisOrderVenue.ReconcileJournalAsync"/>) what the account's order journal
    /// holds from an earlier run: a new order still <see cref="KisOrderOutcome.Unknown"/> counts as working in full, as
    /// this run's unknown orders do, until <see cref="ReconcileAsync"/> names it or <see cref="Release"/> gives it up;
    /// one found open (accepted, its number now held) counts as an order let through until its notices say it is done.
    /// While the kill switch is on, one found open is cancelled at once, as an order in flight is when its answer comes,
    /// and one still unknown is reconciled once more and cancelled if found, as <see cref="KillAsync"/> does with this
    /// run's (each cancel's outcome is logged). Call it at start, before sending. The venue's results, one per call.
    /// </summary>
    public async Task<IReadOnlyList<KisOrderResult>> ReconcileJournalAsync(CancellationToken cancellationToken = default)
    {
        var results = await _venue.ReconcileJournalAsync(cancellationToken);
        foreach (var result in results)
        {
            if (result.Outcome != KisOrderOutcome.Unknown && !result.IsAccepted) continue;
            // A kill thrown before it was taken in did not see it: it is cancelled here (a later kill sees it as working);
            // an unknown one is looked at once more first, as the kill looks at this run's.
            if (Absorb(result, result, out var killed) is { } order && killed) await CancelAfterKillAsync(order.Product, result);
        }
        return results;
    }

    /// <summary>
    /// Stops counting an unknown order the caller has established does not exist (the venue's orders, the broker): its
    /// quantity no longer holds back new orders. False when this guard holds no such unknown order.
    /// </summary>
    public bool Release(KisOrderResult unknown)
    {
        ArgumentNullException.ThrowIfNull(unknown);
        bool released;
        lock (_gate) released = _orders.Release(unknown);
        if (released) LogReleased(_logger, unknown.Problem ?? "");
        return released;
    }

    /// <summary>Starts a call let through (under the lock, with the checks that let it through).</summary>
    private RiskGuardOrders.Flight Depart(KisOrderRequest? order)
    {
        _rate?.Record();
        return _orders.Depart(order);
    }

    /// <summary>
    /// A new order's answer: an accepted order is followed as let through, an unknown one counted until resolved; when the
    /// kill switch was thrown while it flew, what it placed is cancelled now. Always settles the flight.
    /// </summary>
    private async Task ArriveAsync(RiskGuardOrders.Flight flight, KisOrderRequest order, KisOrderResult result, CancellationToken cancellationToken)
    {
        KisOrderResult? cancel = null;
        try
        {
            bool killed;
            lock (_gate) killed = _orders.Arrive(flight, order, result);
            if (killed) cancel = await CancelAfterKillAsync(order.Product, result);
        }
        finally
        {
            flight.Settled.TrySetResult(cancel);
        }
    }

    /// <summary>An amendment's answer: accepted, its number replaces the original's in the guard's count (with the amended
    /// terms), or when <paramref name="partial"/> joins it (the original keeps the rest); cancelled when the kill switch
    /// was thrown while it flew. Always settles the flight.</summary>
    private async Task ArriveAsync(RiskGuardOrders.Flight flight, KisAmendRequest amend, KisOrderRequest? amended, bool partial, KisOrderResult result,
        CancellationToken cancellationToken)
    {
        KisOrderResult? cancel = null;
        try
        {
            bool killed;
            lock (_gate) killed = _orders.Arrive(flight, amend, amended, partial, result);
            if (killed) cancel = await CancelAfterKillAsync(amend.Product, result);
        }
        finally
        {
            flight.Settled.TrySetResult(cancel);
        }
    }

    /// <summary>Ends a flight whose call threw (nothing to follow, nothing to cancel).</summary>
    private void Abandon(RiskGuardOrders.Flight flight)
    {
        lock (_gate) _orders.Abandon(flight);
        flight.Settled.TrySetResult(null);
    }

    /// <summary>
    /// The kill switch's cancel of what a call placed while it flew, never thrown to that call's caller: their order was
    /// answered, and they keep its result (its number) whatever the cancel met. The caller's token is not used: a kill
    /// switch's cancel goes out even while the caller gives up. A failed cancel is logged; the order stays counted.
    /// </summary>
    private async Task<KisOrderResult?> CancelAfterKillAsync(KisProduct product, KisOrderResult result)
    {
        try
        {
            return await CancelPlacedAsync(product, result, CancellationToken.None);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            LogCancelAfterKillFailed(_logger, result.OrderNumber ?? "(unknown)", e.GetType().Name);
            return null;
        }
    }

    /// <summary>Cancels what a call answered after a kill placed: the order it names, or an unknown one once reconciling
    /// finds it. Null when it placed nothing.</summary>
    private async Task<KisOrderResult?> CancelPlacedAsync(KisProduct product, KisOrderResult result, CancellationToken cancellationToken)
    {
        if (result.Outcome == KisOrderOutcome.Unknown)
        {
            var outcome = await CancelUnknownAsync(result, cancellationToken);
            LogUnknownAfterKill(_logger, outcome?.ToString() ?? "reconciling says it was not placed");
            return outcome;
        }
        if (!result.IsAccepted || result.OrderNumber is not { } number) return null;
        var cancel = await _venue.CancelAsync(new KisCancelRequest { Product = product, OriginalOrderNumber = number }, cancellationToken);
        LogCancelledAfterKill(_logger, number, cancel.ToString());
        return cancel;
    }

    /// <summary>
    /// The kill switch's look at an unknown order: reconciled once more; found, it is cancelled; still unknown, an unknown
    /// result says it could not be (it keeps counting). Null when reconciling says it was not placed.
    /// </summary>
    private async Task<KisOrderResult?> CancelUnknownAsync(KisOrderResult unknown, CancellationToken cancellationToken)
    {
        KisOrderResult found;
        try
        {
            found = await _venue.ReconcileAsync(unknown, cancellationToken);
        }
        catch (OperationCanceledException)
        {
            found = unknown;
        }
        var order = Absorb(unknown, found, out _);
        if (found.IsAccepted && found.OrderNumber is { } number && order is not null)
            return await _venue.CancelAsync(new KisCancelRequest { Product = order.Product, OriginalOrderNumber = number }, cancellationToken);
        if (found.Outcome != KisOrderOutcome.Unknown) return null;
        return new KisOrderResult
        {
            Outcome = KisOrderOutcome.Unknown, Attempts = found.Attempts,
            Problem = $"an order whose answer was lost could not be cancelled: its number is not known ({found.Problem}); it still counts as working",
        };
    }

    /// <summary>
    /// Takes a new look at an unknown order into the guard's count (<see cref="RiskGuardOrders.Absorb"/>): the order asked,
    /// or null. <paramref name="killed"/>: the kill switch was on when it was taken in (so no kill's cancels included it).
    /// </summary>
    private KisOrderRequest? Absorb(KisOrderResult before, KisOrderResult after, out bool killed)
    {
        lock (_gate)
        {
            killed = _killed;
            return _orders.Absorb(before, after);
        }
    }

    [LoggerMessage(1145, LogLevel.Error,
        "Risk guard: order {Number} was answered after the kill switch was thrown, and its cancel failed ({Error}): cancel it by hand")]
    private static partial void LogCancelAfterKillFailed(ILogger logger, string number, string error);

    [LoggerMessage(1143, LogLevel.Warning, "Risk guard: order {Number} was answered after the kill switch was thrown; cancelled: {Cancel}")]
    private static partial void LogCancelledAfterKill(ILogger logger, string number, string cancel);

    [LoggerMessage(1146, LogLevel.Warning, "Risk guard: an unknown order was looked at again after the kill switch was thrown: {Cancel}")]
    private static partial void LogUnknownAfterKill(ILogger logger, string cancel);

    [LoggerMessage(1144, LogLevel.Warning, "Risk guard: an unknown order was released by the caller and no longer counts ({Problem})")]
    private static partial void LogReleased(ILogger logger, string problem);
}
