using Kis.Realtime.Internal;

namespace Kis.Realtime;

public sealed partial class KisRiskGuard
{
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
        var (pending, pendingSameSide) = _orders.NotYetNamed(order.Code, order.Side);
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

    /// <summary>The tracker's totals for a check of an order in <paramref name="code"/> on <paramref name="side"/>, with the
    /// orders let through (<see cref="RiskGuardOrders.ReadTotals"/>). Under the lock.</summary>
    private KisOrderTracker.RiskTotals ReadTotals(KisOrderTracker tracker, string code, OrderSide side)
        => _orders.ReadTotals(tracker, code, side, withHoldings: _limits.DailyLossLimit is not null);

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
            : _orders.LetThrough(bare);
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

    /// <summary>Why <paramref name="price"/> is outside the band around the last trade of <paramref name="code"/>, or null. Under the lock.</summary>
    private string? BandProblem(string code, decimal price)
    {
        if (_limits.PriceBand is not { } band || price <= 0) return null;
        if (!_lastTrades.TryGetValue(code, out var last)) return $"no last trade of {code} to check the price band against";
        return Math.Abs(price - last) > last * band ? $"price {price} is more than {band:P1} from the last trade {last}" : null;
    }

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
