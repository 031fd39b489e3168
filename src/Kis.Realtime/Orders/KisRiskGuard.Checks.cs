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
        if (_limits.MaxOpenOrders is { } maxOpen && tracked.Working + _sending.Count >= maxOpen)
            return (KisRiskCheck.MaxOpenOrders, $"{tracked.Working + _sending.Count} orders are working, the most allowed is {maxOpen}");
        if (_limits.MaxPosition is { } maxPosition)
        {
            // The worst case on the order's side: what is held plus every working order of that side filling, this one too.
            var held = tracked.Position;
            var sameSide = tracked.SameSide;
            foreach (var s in _sending)
                if (s.Side == order.Side && s.Code == order.Code) sameSide += s.Quantity;
            var after = order.Side == OrderSide.Sell ? held - sameSide - order.Quantity : held + sameSide + order.Quantity;
            if (Math.Abs(after) > maxPosition && Math.Abs(after) > Math.Abs(held))
                return (KisRiskCheck.MaxPosition, $"position in {order.Code} could reach {after}, over {maxPosition}");
        }
        if (_limits.DailyLossLimit is { } maxLoss && DayProfit(tracked.Holdings!) is var profit && -profit >= maxLoss)
            return (KisRiskCheck.DailyLoss, $"the day's loss {-profit:N0} reached the limit {maxLoss:N0}");
        return null;
    }

    /// <summary>
    /// The tracker's totals for a check of <paramref name="order"/>, read in one step with the orders let through; those
    /// whose notices say they are done are forgotten. Under the lock (the tracker's own lock is taken inside it, and it
    /// calls nothing).
    /// </summary>
    private KisOrderTracker.RiskTotals ReadTotals(KisOrderTracker tracker, KisOrderRequest order)
    {
        var totals = tracker.ReadRiskTotals(_letThrough, order.Code, order.Side, _doneLetThrough, withHoldings: _limits.DailyLossLimit is not null);
        foreach (var number in _doneLetThrough) _letThrough.Remove(number);
        _doneLetThrough.Clear();
        return totals;
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
