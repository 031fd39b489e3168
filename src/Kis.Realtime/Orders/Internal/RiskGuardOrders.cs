namespace Kis.Realtime.Internal;

/// <summary>
/// The orders a <see cref="KisRiskGuard"/> let through and has not seen the end of: those whose notices have not said
/// they are done (by bare number), the calls in flight (their answer not come) and the new orders whose answer was lost
/// (unknown: each counts as working in full until reconciled or released). Not thread-safe: the guard's one lock guards
/// every call, so its checks and an order's reservation stay one step.
/// </summary>
internal sealed class RiskGuardOrders
{
    /// <summary>
    /// A call let through whose answer has not come: a new order (<see cref="Order"/>, counted as working in full) or an
    /// amendment (null). <see cref="Kills"/> is the kill count when it was sent: a kill thrown since cancels what it
    /// placed once the answer names it, and <see cref="Settled"/> gives the kill that cancel's result.
    /// </summary>
    internal sealed class Flight(KisOrderRequest? order, int kills)
    {
        public KisOrderRequest? Order { get; } = order;
        public int Kills { get; } = kills;
        public TaskCompletionSource<KisOrderResult?> Settled { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    /// <summary>An order still working: its number, product, code, side and what is left of it.</summary>
    internal sealed record WorkingOrder(string Number, KisProduct Product, string Code, OrderSide Side, long Remaining);

    /// <summary>A new order whose answer was lost: what was asked, and its latest unknown result (to reconcile with).</summary>
    private sealed record UnknownOrder(KisOrderRequest Order, KisOrderResult Result);

    private readonly Dictionary<string, KisOrderRequest> _letThrough = new(StringComparer.Ordinal);
    private readonly List<Flight> _flights = [];
    private readonly Dictionary<object, UnknownOrder> _unknown = new(ReferenceEqualityComparer.Instance);
    private readonly List<string> _doneLetThrough = []; // ReadTotals' list of the orders let through that are done, reused
    private int _kills;

    public int LetThroughCount => _letThrough.Count;

    public int UnknownCount => _unknown.Count;

    /// <summary>The order let through as <paramref name="bare"/>, while no notice said it is done; else null.</summary>
    public KisOrderRequest? LetThrough(string bare) => _letThrough.GetValueOrDefault(bare);

    /// <summary>Calls in flight and unknown orders: how many new orders, and their quantity in <paramref name="code"/> on
    /// <paramref name="side"/>.</summary>
    public (int Count, long SameSide) NotYetNamed(string code, OrderSide side)
    {
        var count = 0;
        long sameSide = 0;
        foreach (var f in _flights)
        {
            if (f.Order is not { } o) continue;
            count++;
            if (o.Side == side && o.Code == code) sameSide += o.Quantity;
        }
        foreach (var u in _unknown.Values)
        {
            count++;
            if (u.Order.Side == side && u.Order.Code == code) sameSide += u.Order.Quantity;
        }
        return (count, sameSide);
    }

    /// <summary>Starts a call let through: a new order (<paramref name="order"/>) or an amendment (null).</summary>
    public Flight Depart(KisOrderRequest? order)
    {
        var flight = new Flight(order, _kills);
        _flights.Add(flight);
        return flight;
    }

    /// <summary>A new order's answer: an accepted order is followed as let through, an unknown one counted until resolved.
    /// True when the kill switch was thrown while it flew.</summary>
    public bool Arrive(Flight flight, KisOrderRequest order, KisOrderResult result)
    {
        _flights.Remove(flight);
        if (result.IsAccepted && result.OrderNumber is { } number) _letThrough[KisOrderTracker.Bare(number)] = order;
        else if (result.Outcome == KisOrderOutcome.Unknown) _unknown[KeyOf(result)] = new UnknownOrder(order, result);
        return _kills != flight.Kills;
    }

    /// <summary>An amendment's answer: accepted, its number replaces the original's (with the amended terms), or when
    /// <paramref name="partial"/> joins it (the original keeps the rest). True when the kill switch was thrown while it flew.</summary>
    public bool Arrive(Flight flight, KisAmendRequest amend, KisOrderRequest? amended, bool partial, KisOrderResult result)
    {
        _flights.Remove(flight);
        if (result.IsAccepted && result.OrderNumber is { } number && amended is not null)
        {
            var bare = KisOrderTracker.Bare(amend.OriginalOrderNumber);
            // KIS amends a part as a new order and leaves the rest on the original: it still works, reduced.
            if (partial && _letThrough.TryGetValue(bare, out var rest) && rest.Quantity > amended.Quantity)
                _letThrough[bare] = rest with { Quantity = rest.Quantity - amended.Quantity };
            else if (!partial) _letThrough.Remove(bare);
            _letThrough[KisOrderTracker.Bare(number)] = amended;
        }
        return _kills != flight.Kills;
    }

    /// <summary>Ends a flight whose call threw (nothing to follow).</summary>
    public void Abandon(Flight flight) => _flights.Remove(flight);

    /// <summary>The kill switch thrown: the calls in flight (each cancels what it placed once answered) and the unknown
    /// orders' latest results.</summary>
    public (Flight[] Flying, KisOrderResult[] Unknown) Kill()
    {
        _kills++;
        return ([.. _flights], [.. _unknown.Values.Select(u => u.Result)]);
    }

    /// <summary>Stops counting an unknown order; false when there is no such unknown order.</summary>
    public bool Release(KisOrderResult unknown) => _unknown.Remove(KeyOf(unknown));

    /// <summary>
    /// Takes a new look at an unknown order into the count: found, it becomes an order let through; unknown still, its
    /// latest result is kept; anything else ends it. A new order not let through here (an earlier run's, from the order
    /// journal), unknown or found by reconciling, is taken in the same way: it may be working. The order asked; null when
    /// the result is neither a new order's unknown one nor one reconciled from it.
    /// </summary>
    public KisOrderRequest? Absorb(KisOrderResult before, KisOrderResult after)
    {
        if (!_unknown.Remove(KeyOf(before), out var held))
        {
            if (before.Outcome is not (KisOrderOutcome.Unknown or KisOrderOutcome.Accepted) || before.Pending?.Order is not { } adopted) return null;
            // Already taken in (the kill and the caller reconciled it at once): adopting it again would cancel it twice.
            if (after.IsAccepted && after.OrderNumber is { } known && _letThrough.ContainsKey(KisOrderTracker.Bare(known))) return null;
            held = new UnknownOrder(adopted, before);
        }
        if (after.IsAccepted && after.OrderNumber is { } number) _letThrough[KisOrderTracker.Bare(number)] = held.Order;
        else if (after.Outcome == KisOrderOutcome.Unknown) _unknown[KeyOf(after)] = held with { Result = after };
        return held.Order;
    }

    private static object KeyOf(KisOrderResult result) => (object?)result.Pending ?? result;

    /// <summary>
    /// The tracker's totals for a check of an order in <paramref name="code"/> on <paramref name="side"/>, read in one
    /// step with the orders let through; those whose notices say they are done are forgotten. (The tracker's own lock is
    /// taken inside it, and it calls nothing.)
    /// </summary>
    public KisOrderTracker.RiskTotals ReadTotals(KisOrderTracker tracker, string code, OrderSide side, bool withHoldings)
    {
        var totals = tracker.ReadRiskTotals(_letThrough, code, side, _doneLetThrough, withHoldings);
        foreach (var number in _doneLetThrough) _letThrough.Remove(number);
        _doneLetThrough.Clear();
        return totals;
    }

    /// <summary>
    /// Orders working: those the notices show open, and those let through that no notice has named yet. An order let
    /// through is forgotten once its notices say it is done, so a check costs what works, not the day's orders.
    /// </summary>
    public List<WorkingOrder> Working(KisOrderTracker tracker, bool withHoldings)
    {
        var tracked = tracker.ReadForRisk(_letThrough.Keys, null, withHoldings);
        var working = new List<WorkingOrder>(tracked.Working.Count + _letThrough.Count);
        foreach (var o in tracked.Working)
            working.Add(new WorkingOrder(o.OrderNumber, _letThrough.TryGetValue(KisOrderTracker.Bare(o.OrderNumber), out var r) ? r.Product : ProductOf(o.Code),
                o.Code, o.Side, o.RemainingQuantity));
        foreach (var (number, state) in tracked.Named)
        {
            if (state is null && _letThrough.TryGetValue(number, out var order))
                working.Add(new WorkingOrder(number, order.Product, order.Code, order.Side, order.Quantity));
            else if (state is { IsDone: true }) _letThrough.Remove(number);
        }
        return working;
    }

    /// <summary>Stock codes are six digits; anything else is a futures/options code.</summary>
    private static KisProduct ProductOf(string code) => code.Length == 6 && code.All(char.IsAsciiDigit) ? KisProduct.Stock : KisProduct.FuturesOptions;
}
