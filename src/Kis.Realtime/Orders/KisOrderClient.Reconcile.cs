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
    /// Reconciles what the account's order journal (<see cref="KisOrderOptions.JournalFolder"/>) holds unresolved from
    /// handles that are gone: an earlier run of this program that crashed or stopped with an order in flight or
    /// <see cref="KisOrderOutcome.Unknown"/>, another process's client that ended so. Each such call becomes this client's
    /// (no other handle takes it too) and is looked for as a lost answer is: the results are <see cref="KisOrderOutcome.Accepted"/>
    /// (found, its number now held; <see cref="KisOrderResult.Reconciled"/>) or <see cref="KisOrderOutcome.Unknown"/>
    /// (give those to <see cref="ReconcileAsync"/> later; they are offered again to the next run until found). Call it
    /// at start, before sending: until then an order of the same terms whose answer is lost is not taken as this run's,
    /// since it may be the earlier run's. Without a journal folder: what a disposed client of the account in this process
    /// left unresolved while another lived.
    /// </summary>
    /// <exception cref="IOException">The journal could not be read or written.</exception>
    /// <exception cref="InvalidDataException">A line of the journal other than the last cannot be read.</exception>
    public async Task<IReadOnlyList<KisOrderResult>> ReconcileJournalAsync(CancellationToken cancellationToken = default)
    {
        var results = new List<KisOrderResult>();
        foreach (var claims in ReferenceEquals(_claims, _futuresClaims) ? [_claims] : new[] { _claims, _futuresClaims })
        {
            foreach (var pending in await claims.AdoptAsync().ConfigureAwait(false))
                results.Add(await ReconcileCoreAsync(pending, "left unresolved by a handle that is gone (a crash or an earlier run)", 0, cancellationToken)
                    .ConfigureAwait(false));
        }
        return results;
    }

    /// <summary>
    /// An order call whose answer was lost: it may or may not exist. Today's orders (and the notices) are searched
    /// for one that is it: same code, side, quantity and price (an amend or cancel: same original), listed at or after
    /// the call, and not an order another call of the account holds (the journal's claims, every handle's). One: accepted. None after
    /// <see cref="KisOrderOptions.ReconcileChecks"/> checks, or several: unknown. Never sends the order again.
    /// </summary>
    private async Task<KisOrderResult> ReconcileCoreAsync(PendingCall pending, string lost, int attempts, CancellationToken cancellationToken)
    {
        var what = pending.Order is { } o ? $"{o.Side} {o.Quantity} {o.Code}" : $"{(pending.Cancel ? "cancel" : "amendment")} of {pending.Original}";
        string? inquiryProblem = null;
        IReadOnlyList<string> candidates = [];
        string? twin = null;
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
            OrderClaims.View view;
            try
            {
                view = await ClaimsOf(pending.Product).ViewAsync(pending).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
            {
                // Without the claims of the other handles no order can be told ours: unknown, said why.
                inquiryProblem = $"the order journal could not be read: {e.Message}";
                candidates = [];
                break;
            }
            candidates = Candidates(pending, rows, view.Claimed);
            // A twin call (same terms) still awaiting its answer, or left unresolved by a handle that is gone, may have
            // placed the one candidate: not taken.
            twin = view.Twin;
            if (candidates.Count == 1 && twin is null)
            {
                var row = rows.FirstOrDefault(r => KisOrderWire.Normalize(r.OrderNumber) == candidates[0]);
                var number = row?.OrderNumber ?? candidates[0];
                if (await TryClaimAsync(pending, number, row?.Branch ?? "").ConfigureAwait(false) is { } claimed)
                    return Accepted(pending, claimed.Number, claimed.Branch, row?.Time, "found in today's orders after the answer was lost", attempts,
                        reconciled: true) with { Pending = pending }; // the order asked, for a risk guard that did not send it
                continue; // another call claimed it meanwhile
            }
            if (candidates.Count > 1) break; // more checks cannot tell them apart
        }
        var problem = twin is not null && candidates.Count > 0
            ? $"{lost}; {twin}, so order(s) {string.Join(", ", candidates)} may be that call's: not resent"
            : candidates.Count > 1
            ? $"{lost}; {candidates.Count} orders of today could be it ({string.Join(", ", candidates)}): not resent"
            : inquiryProblem is not null ? $"{lost}; today's orders could not be read ({inquiryProblem}): not resent"
            : $"{lost}; no order matching it was listed after {_options.ReconcileChecks} check(s) of today's orders: not resent";
        LogUnknown(_logger, what, problem);
        return new KisOrderResult { Outcome = KisOrderOutcome.Unknown, Problem = problem, Attempts = attempts, Pending = pending };
    }

    /// <summary>
    /// The earliest time on the server's clock the lost call's order can carry: the latest time its answers told before
    /// the call left (it took the call after that, whatever the rate its clock runs at), less the tolerance for a server
    /// whose order system and HTTP front differ; with no answer before it, its time of sending carried back from the
    /// answers since at the rate they move. Null when no answer ever told the server's time.
    /// </summary>
    private DateTimeOffset? EarliestStamp(PendingCall pending)
    {
        if (pending.ServerFloor is { } floor) return floor - ClockTolerance;
        if (pending.LocalSentAt is { } sent && _transport.Clock.At(sent) is { } estimate) return estimate - ClockTolerance * Math.Max(1, _transport.Clock.Rate);
        return null;
    }

    /// <summary>The order numbers (normalized) of today's orders and noticed orders that could be the lost call's.</summary>
    private List<string> Candidates(PendingCall pending, IReadOnlyList<KisOrderRow> rows, IReadOnlySet<string> claimed)
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
        found.ExceptWith(claimed);
        return [.. found];
    }
}
