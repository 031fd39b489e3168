using Kis.Realtime.Internal;

namespace Kis.Realtime;

public sealed partial class KisRiskGuard
{
    /// <summary>An order still working: its number, product, code, side and what is left of it.</summary>
    private sealed record WorkingOrder(string Number, KisProduct Product, string Code, OrderSide Side, long Remaining);

    /// <summary>The first limit <paramref name="order"/> breaches, or null. Under the lock.</summary>
    private (KisRiskCheck Check, string Why)? Check(KisOrderRequest order, IReadOnlyList<KisOrderState> tracked)
    {
        if (_killed) return (KisRiskCheck.KillSwitch, "the kill switch is on");
        if (_rate is not null && _rate.DelayBeforeNext() > TimeSpan.Zero)
            return (KisRiskCheck.OrderRate, $"more than {_limits.MaxOrdersPerSecond} orders in one second");
        if (_limits.MaxOrderQuantity is { } maxQuantity && order.Quantity > maxQuantity)
            return (KisRiskCheck.MaxOrderQuantity, $"quantity {order.Quantity} is over {maxQuantity}");
        var last = _lastTrades.TryGetValue(order.Code, out var l) ? l : (decimal?)null;
        var priced = order.Price > 0;
        if (_limits.PriceBand is not null && priced && BandProblem(order.Code, order.Price) is { } band) return (KisRiskCheck.PriceBand, band);
        if (_limits.MaxOrderValue is { } maxValue)
        {
            if ((priced ? order.Price : last) is not { } unit)
                return (KisRiskCheck.PriceBand, $"no last trade of {order.Code} to value a market order at");
            var value = order.Quantity * unit * ContractMultiplier.Of(order.Code); // a future's notional in KRW, not points
            if (value > maxValue) return (KisRiskCheck.MaxOrderValue, $"value {value:N0} is over {maxValue:N0}");
        }
        var working = Working(tracked);
        if (_limits.MaxOpenOrders is { } maxOpen && working.Count + _sending.Count >= maxOpen)
            return (KisRiskCheck.MaxOpenOrders, $"{working.Count + _sending.Count} orders are working, the most allowed is {maxOpen}");
        if (_limits.MaxPosition is { } maxPosition)
        {
            // The worst case on the order's side: what is held plus every working order of that side filling, this one too.
            var held = tracked.Where(o => o.Code == order.Code).Sum(o => o.Side == OrderSide.Sell ? -o.FilledQuantity : o.FilledQuantity);
            var sameSide = working.Where(w => w.Code == order.Code && w.Side == order.Side).Sum(w => w.Remaining)
                + _sending.Where(s => s.Code == order.Code && s.Side == order.Side).Sum(s => s.Quantity);
            var after = order.Side == OrderSide.Sell ? held - sameSide - order.Quantity : held + sameSide + order.Quantity;
            if (Math.Abs(after) > maxPosition && Math.Abs(after) > Math.Abs(held))
                return (KisRiskCheck.MaxPosition, $"position in {order.Code} could reach {after}, over {maxPosition}");
        }
        if (_limits.DailyLossLimit is { } maxLoss && DayProfit(tracked) is var profit && -profit >= maxLoss)
            return (KisRiskCheck.DailyLoss, $"the day's loss {-profit:N0} reached the limit {maxLoss:N0}");
        return null;
    }

    /// <summary>Why <paramref name="price"/> is outside the band around the last trade of <paramref name="code"/>, or null. Under the lock.</summary>
    private string? BandProblem(string code, decimal price)
    {
        if (_limits.PriceBand is not { } band || price <= 0) return null;
        if (!_lastTrades.TryGetValue(code, out var last)) return $"no last trade of {code} to check the price band against";
        return Math.Abs(price - last) > last * band ? $"price {price} is more than {band:P1} from the last trade {last}" : null;
    }

    /// <summary>Orders working: those the notices show open, and those let through that no notice has named yet. Under the lock.</summary>
    private List<WorkingOrder> Working(IReadOnlyList<KisOrderState> tracked)
    {
        var working = new List<WorkingOrder>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var o in tracked)
        {
            var number = Normalize(o.OrderNumber);
            seen.Add(number);
            if (!o.IsDone && o.RemainingQuantity > 0)
                working.Add(new WorkingOrder(o.OrderNumber, _letThrough.TryGetValue(number, out var r) ? r.Product : ProductOf(o.Code), o.Code, o.Side,
                    o.RemainingQuantity));
        }
        foreach (var (number, order) in _letThrough)
            if (!seen.Contains(number)) working.Add(new WorkingOrder(number, order.Product, order.Code, order.Side, order.Quantity));
        return working;
    }

    /// <summary>Stock codes are six digits; anything else is a futures/options code.</summary>
    private static KisProduct ProductOf(string code) => code.Length == 6 && code.All(char.IsAsciiDigit) ? KisProduct.Stock : KisProduct.FuturesOptions;

    /// <summary>The fills' cash plus the positions at the last trades (at their average fill where no trade is known), in KRW. Under the lock.</summary>
    private decimal DayProfit(IReadOnlyList<KisOrderState> tracked)
    {
        decimal profit = 0;
        foreach (var code in tracked.Select(o => o.Code).Distinct(StringComparer.Ordinal))
        {
            long position = 0;
            decimal cash = 0, lastFill = 0;
            foreach (var o in tracked.Where(o => o.Code == code && o.FilledQuantity > 0))
            {
                var signed = o.Side == OrderSide.Sell ? -o.FilledQuantity : o.FilledQuantity;
                position += signed;
                cash -= signed * o.AveragePrice;
                lastFill = o.AveragePrice;
            }
            // In KRW: a future's points times its multiplier.
            profit += (cash + position * (_lastTrades.TryGetValue(code, out var last) ? last : lastFill)) * ContractMultiplier.Of(code);
        }
        return profit;
    }

    private static string Normalize(string number) => number.Trim().TrimStart('0') is { Length: > 0 } n ? n : "0";
}
