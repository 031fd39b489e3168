using Kis.Realtime.Internal;

namespace Kis.Realtime;

public sealed partial class KisOrderClient
{
    /// <summary>
    /// Looks again for the order of an <see cref="KisOrderOutcome.Unknown"/> result, in today's orders and the notices:
    /// accepted when exactly one order is it, else unknown still. Any other result is returned as it is. Call it before
    /// deciding to send an unknown order again.
    /// </summary>
    public Task<KisOrderResult> ReconcileAsync(KisOrderResult result, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(result);
        if (result.Outcome != KisOrderOutcome.Unknown || result.Pending is not { } pending) return Task.FromResult(result);
        return ReconcileCoreAsync(pending, result.Problem ?? "the answer was lost", result.Attempts, cancellationToken);
    }

    /// <summary>
    /// An order call whose answer was lost: it may or may not exist. Today's orders (and the notices) are searched
    /// for one that is it: same code, side, quantity and price (an amend or cancel: same original), listed at or after
    /// the call, and not an order this client already knows as another of its own. One: accepted. None after
    /// <see cref="KisOrderOptions.ReconcileChecks"/> checks, or several: unknown. Never sends the order again.
    /// </summary>
    private async Task<KisOrderResult> ReconcileCoreAsync(PendingCall pending, string lost, int attempts, CancellationToken cancellationToken)
    {
        var what = pending.Order is { } o ? $"{o.Side} {o.Quantity} {o.Code}" : $"{(pending.Cancel ? "cancel" : "amendment")} of {pending.Original}";
        string? inquiryProblem = null;
        IReadOnlyList<string> candidates = [];
        var twinAwaiting = false;
        for (var check = 0; check < _options.ReconcileChecks; check++)
        {
            if (check > 0)
            {
                try
                {
                    await Task.Delay(_options.ReconcileInterval, _options.TimeProvider, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    break; // the caller gave up waiting: the outcome stays unknown, and says so
                }
            }
            IReadOnlyList<KisOrderRow> rows;
            try
            {
                rows = await GetOrdersAsync(pending.Product, KisOrderFilter.All, pending.Order?.Code, cancellationToken).ConfigureAwait(false);
                inquiryProblem = null;
            }
            catch (Exception e) when (e is KisRestException or OperationCanceledException)
            {
                inquiryProblem = e is OperationCanceledException ? "the reconciling was cancelled" : e.Message;
                rows = [];
                if (e is OperationCanceledException) break;
            }
            attempts++;
            candidates = Candidates(pending, rows);
            // A twin call (same terms) still awaiting its answer may have placed the one candidate: wait for its answer.
            twinAwaiting = TwinAwaitingAnswer(pending);
            if (candidates.Count == 1 && !twinAwaiting)
            {
                var row = rows.FirstOrDefault(r => KisOrderWire.Normalize(r.OrderNumber) == candidates[0]);
                var number = row?.OrderNumber ?? candidates[0];
                var branch = row?.Branch ?? "";
                if (TryClaim(number, branch))
                    return Accepted(pending, number, branch, row?.Time, "found in today's orders after the answer was lost", attempts, reconciled: true);
                continue; // another call claimed it meanwhile
            }
            if (candidates.Count > 1) break; // more checks cannot tell them apart
        }
        var problem = twinAwaiting && candidates.Count > 0
            ? $"{lost}; another call of the same terms still awaits its answer, so order(s) {string.Join(", ", candidates)} may be that call's: not resent"
            : candidates.Count > 1
            ? $"{lost}; {candidates.Count} orders of today could be it ({string.Join(", ", candidates)}): not resent"
            : inquiryProblem is not null ? $"{lost}; today's orders could not be read ({inquiryProblem}): not resent"
            : $"{lost}; no order matching it was listed after {_options.ReconcileChecks} check(s) of today's orders: not resent";
        LogUnknown(_logger, what, problem);
        return new KisOrderResult { Outcome = KisOrderOutcome.Unknown, Problem = problem, Attempts = attempts, Pending = pending };
    }

    /// <summary>True while another call of this client on the same terms as <paramref name="pending"/> awaits its answer.</summary>
    private bool TwinAwaitingAnswer(PendingCall pending)
    {
        lock (_gate)
            return _awaitingAnswer.Any(other => !ReferenceEquals(other, pending) && other.Product == pending.Product && other.Cancel == pending.Cancel
                && SameTerms(other.Order, pending.Order) && KisOrderWire.Normalize(other.Original) == KisOrderWire.Normalize(pending.Original));
    }

    /// <summary>Orders a listing cannot tell apart: same code, side, quantity and price.</summary>
    private static bool SameTerms(KisOrderRequest? a, KisOrderRequest? b)
        => a is null || b is null ? a == b : a.Code == b.Code && a.Side == b.Side && a.Quantity == b.Quantity && a.Price == b.Price;

    /// <summary>
    /// The earliest time on the server's clock the lost call's order can carry: the latest time its answers told before
    /// the call left (it took the call after that, whatever the rate its clock runs at), less the tolerance for a server
    /// whose order system and HTTP front differ; with no answer before it, its time of sending carried back from the
    /// answers since at the rate they move. Null when no answer ever told the server's time.
    /// </summary>
    private DateTimeOffset? EarliestStamp(PendingCall pending)
    {
        if (pending.ServerFloor is { } floor) return floor - ClockTolerance;
        if (pending.LocalSentAt is { } sent && _serverClock.At(sent) is { } estimate) return estimate - ClockTolerance * Math.Max(1, _serverClock.Rate);
        return null;
    }

    /// <summary>The order numbers (normalized) of today's orders and noticed orders that could be the lost call's.</summary>
    private List<string> Candidates(PendingCall pending, IReadOnlyList<KisOrderRow> rows)
    {
        var found = new SortedSet<string>(StringComparer.Ordinal);
        var after = EarliestStamp(pending)?.ToOffset(KoreaTime.Offset);
        var sentAfter = after is { } a ? TimeOnly.FromDateTime(a.DateTime) : TimeOnly.MinValue;
        foreach (var row in rows)
        {
            if (after is { } bound && (row.Date == default ? row.Time < sentAfter : row.Date.ToDateTime(row.Time) < bound.DateTime)) continue;
            if (pending.Order is { } order)
            {
                if (row.OriginalOrderNumber is null && row.Code == order.Code && row.Side == order.Side && row.Quantity == order.Quantity
                    && (!KisOrderWire.HasPrice(order.Kind) || row.Price == order.Price))
                    found.Add(KisOrderWire.Normalize(row.OrderNumber));
            }
            else if (KisOrderWire.Normalize(row.OriginalOrderNumber) == KisOrderWire.Normalize(pending.Original))
            {
                found.Add(KisOrderWire.Normalize(row.OrderNumber));
            }
        }
        // The notices may tell of a new order (or an amendment) before the inquiry lists it.
        foreach (var state in Book.Tracker.Orders)
        {
            if (state.LastUpdate < sentAfter) continue;
            if (pending.Order is { } order)
            {
                if (state.OriginalOrderNumber is null && state.Code == order.Code && state.Side == order.Side && state.Quantity == order.Quantity
                    && (!KisOrderWire.HasPrice(order.Kind) || state.Price == order.Price))
                    found.Add(KisOrderWire.Normalize(state.OrderNumber));
            }
            else if (!pending.Cancel && KisOrderWire.Normalize(state.OriginalOrderNumber) == KisOrderWire.Normalize(pending.Original))
            {
                found.Add(KisOrderWire.Normalize(state.OrderNumber));
            }
        }
        lock (_gate) found.ExceptWith(_claimed);
        return [.. found];
    }
}
