using Kis.Realtime.Internal;

namespace Kis.Realtime;

public sealed partial class KisRiskGuard
{
    /// <summary>An order still working: its number, product, code, side and what is left of it.</summary>
    private sealed record WorkingOrder(string Number, KisProduct Product, string Code, OrderSide Side, long Remaining);

    /// <summary>The first limit <paramref name="order"/> breaches, or null. Under the lock.</summary>
    private (KisRiskCheck Check, string Why)? Check(KisOrderRequest order, in KisOrderTracker.RiskTotals tracked)
    {
        if (_killed) return (KisRiskCheck.KillSwitch, "the kill switch is on");
        if (_rate is not null && _rate.DelayBeforeNext() > TimeSpan.Zero)
            return (KisRiskCheck.OrderRate, $"more than {_limits.MaxOrdersPerSecond} orders in one second");
        if (_limits.MaxOrderQuantity is { } maxQuantity && order.Quantity > maxQuantity)
            return (KisRiskCheck.MaxOrderQuantity, $"quantity {order.Quantity} is over {maxQuantity}");
        var priced = order.Price > 0;
        if (_limits.PriceBand is not null && priced && BandProblem(order.Code, order.Price) is { } band) return (KisRiskCheck.PriceBand, band);
        if (_limits.MaxOrderValue is { } maxValue)
        {
            var last = _lastTrades.TryGetValue(order.Code, out var l) ? l : (decimal?)null;
            if ((priced ? order.Price : last) is not { } unit)
                return (KisRiskCheck.PriceBand, $"no last trade of {order.Code} to value a market order at");
            var value = order.Quantity * unit * ContractMultiplier.Of(order.Code); // a future's notional in KRW, not points
            if (value > maxValue) return (KisRiskCheck.MaxOrderValue, $"value {value:N0} is over {maxValue:N0}");
        }
        // Calls in flight and orders whose answer was lost count as working in full: they may exist.
        var (pending, pendingSameSide) = NotYetNamed(order.Code, order.Side);
        if (_limits.MaxOpenOrders is { } maxOpen && tracked.Working + pending >= maxOpen)
            return (KisRiskCheck.MaxOpenOrders, $"{tracked.Working + pending} orders are working or may be, the most allowed is {maxOpen}");
        if (_limits.MaxPosition is { } maxPosition)
        {
            // The worst case on the order's side: what is held plus every working order of that side filling, this one too.
            var held = tracked.Position;
            var sameSide = tracked.SameSide + pendingSameSide;
            var after = order.Side == OrderSide.Sell ? held - sameSide - order.Quantity : held + sameSide + order.Quantity;
            if (Math.Abs(after) > maxPosition && Math.Abs(after) > Math.Abs(held))
                return (KisRiskCheck.MaxPosition, $"position in {order.Code} could reach {after}, over {maxPosition}");
        }
        if (_limits.DailyLossLimit is { } maxLoss && DayProfit(tracked.Holdings!) is var profit && -profit >= maxLoss)
            return (KisRiskCheck.DailyLoss, $"the day's loss {-profit:N0} reached the limit {maxLoss:N0}");
        return null;
    }

    /// <summary>
    /// The tracker's totals for a check of an order in <paramref name="code"/> on <paramref name="side"/>, read in one step with the orders let through; those
    /// whose notices say they are done are forgotten. Under the lock (the tracker's own lock is taken inside it, and it
    /// calls nothing).
    /// </summary>
    private KisOrderTracker.RiskTotals ReadTotals(KisOrderTracker tracker, string code, OrderSide side)
    {
        var totals = tracker.ReadRiskTotals(_letThrough, code, side, _doneLetThrough, withHoldings: _limits.DailyLossLimit is not null);
        foreach (var number in _doneLetThrough) _letThrough.Remove(number);
        _doneLetThrough.Clear();
        return totals;
    }

    /// <summary>
    /// The first limit <paramref name="amend"/> breaches, or null; <paramref name="amended"/> is the order it leaves
    /// working (null when the original is unknown to the guard). It is checked as a new order on those terms, less the
    /// original's remainder it replaces (in the open orders and the position). <paramref name="partial"/>: it amends part
    /// of what is left; KIS leaves the rest working on the original, so only the part is replaced and it adds an order. Under the lock.
    /// </summary>
    private (KisRiskCheck Check, string Why)? CheckAmend(KisAmendRequest amend, KisOrderTracker tracker, out KisOrderRequest? amended, out bool partial)
    {
        amended = null;
        partial = false;
        if (_killed) return (KisRiskCheck.KillSwitch, "the kill switch is on");
        var bare = KisOrderTracker.Bare(amend.OriginalOrderNumber);
        // The original as the notices tell it (what is left of it), else as it was let through (whole, no notice yet).
        var original = tracker.FindBare(bare) is { } state
            ? new KisOrderRequest { Product = amend.Product, Code = state.Code, Side = state.Side, Quantity = state.RemainingQuantity, Price = state.Price }
            : _letThrough.GetValueOrDefault(bare);
        if (original is null)
        {
            KisRiskCheck? needs = _limits.MaxOrderValue is not null ? KisRiskCheck.MaxOrderValue : _limits.MaxPosition is not null ? KisRiskCheck.MaxPosition
                : _limits.PriceBand is not null ? KisRiskCheck.PriceBand : null;
            if (needs is { } check)
                return (check, $"order {amend.OriginalOrderNumber} is not known to the guard (no notice names it and it did not let it through): "
                    + $"the amendment's {check} cannot be checked");
        }
        var basis = original ?? new KisOrderRequest { Product = amend.Product, Code = "", Side = OrderSide.Buy, Quantity = 0 };
        var candidate = basis with
        {
            Quantity = amend.Quantity ?? basis.Quantity, Kind = amend.Kind, Price = KisOrderWire.HasPrice(amend.Kind) ? amend.Price : 0,
        };
        var totals = ReadTotals(tracker, candidate.Code, candidate.Side);
        // A part of what is left: only the part is replaced, the rest stays a working order at the old terms.
        partial = original is not null && amend.Quantity is { } part && part < basis.Quantity;
        var replaces = !partial && (original is null || basis.Quantity > 0); // an unknown original is taken as working: an amendment adds no order
        var without = totals with
        {
            Working = totals.Working - (replaces ? 1 : 0),
            SameSide = totals.SameSide - (partial ? candidate.Quantity : basis.Quantity),
        };
        if (Check(candidate, without) is { } breach) return breach;
        amended = original is null ? null : candidate;
        return null;
    }

    // ReadTotals' list of the orders let through that are done, reused (under the lock).
    private readonly List<string> _doneLetThrough = [];

    /// <summary>Why <paramref name="price"/> is outside the band around the last trade of <paramref name="code"/>, or null. Under the lock.</summary>
    private string? BandProblem(string code, decimal price)
    {
        if (_limits.PriceBand is not { } band || price <= 0) return null;
        if (!_lastTrades.TryGetValue(code, out var last)) return $"no last trade of {code} to check the price band against";
        return Math.Abs(price - last) > last * band ? $"price {price} is more than {band:P1} from the last trade {last}" : null;
    }

    /// <summary>
    /// The tracker's view for a check of an order in <paramref name="code"/>, read in one step with the orders let
    /// through. Under the lock (the tracker's own lock is taken inside it, and it calls nothing).
    /// </summary>
    private KisOrderTracker.RiskView Read(KisOrderTracker tracker, string? code)
        => tracker.ReadForRisk(_letThrough.Keys, code, withHoldings: _limits.DailyLossLimit is not null);

    /// <summary>
    /// Orders working: those the notices show open, and those let through that no notice has named yet. An order let
    /// through is forgotten once its notices say it is done, so a check costs what works, not the day's orders. Under the lock.
    /// </summary>
    private List<WorkingOrder> Working(KisOrderTracker.RiskView tracked)
    {
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

    /// <summary>The fills' cash plus the positions at the last trades (at their last fill where no trade is known), in KRW. Under the lock.</summary>
    private decimal DayProfit(IReadOnlyList<KisOrderTracker.Holding> holdings)
    {
        decimal profit = 0;
        foreach (var h in holdings)
            // In KRW: a future's points times its multiplier.
            profit += (h.Cash + h.Position * (_lastTrades.TryGetValue(h.Code, out var last) ? last : h.LastFillPrice)) * ContractMultiplier.Of(h.Code);
        return profit;
    }
}
