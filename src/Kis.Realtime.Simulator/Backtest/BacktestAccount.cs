using Kis.Realtime.Simulator.Trading.Core;
using Kis.Realtime.Simulator.Trading.Ledger;
using Kis.Realtime.Simulator.Trading.Rules;

namespace Kis.Realtime.Simulator.Backtest;

/// <summary>
/// A backtest's account: its money and holdings (<see cref="Ledger"/>, the venue core's, the paper venue's accounts' own
/// code), its orders of the day (numbered from 1, order n filed at n − 1; the open ones kept apart for the checks), what
/// it is worth at its instruments' last trades, and what KIS's inquiries answer of it (orders, balance, buying power).
/// Not thread-safe: the venue's lock guards it.
/// </summary>
internal sealed class BacktestAccount(LedgerAccount ledger, RecordedInstruments instruments)
{
    private readonly List<VenueOrder> _orders = [];
    private readonly List<VenueOrder> _open = [];
    private long _lastNumber;

    /// <summary>Cash, positions and holds: where every order's holds and fills settle.</summary>
    public LedgerAccount Ledger { get; } = ledger;

    /// <summary>The next order number (numbers are given one after the other from 1, each filed at once: <see cref="Add"/>).</summary>
    public long NextNumber() => ++_lastNumber;

    /// <summary>Files a new order: among the day's and, with something left, the open ones (numbers only grow).</summary>
    public void Add(VenueOrder order)
    {
        if (order.Number != _orders.Count + 1) throw new InvalidOperationException($"order {order.Number} filed after {_orders.Count}");
        _orders.Add(order);
        if (order.Remaining > 0) _open.Add(order);
    }

    /// <summary>The order numbered <paramref name="number"/> (one the venue gave: 1 to the day's count).</summary>
    public VenueOrder Numbered(long number) => _orders[(int)number - 1];

    /// <summary>The order numbered <paramref name="number"/> of the product a call is for (as on paper, a futures/options
    /// call naming a stock order's number names no order), looked up once; null when there is none.</summary>
    public VenueOrder? Find(long number, bool derivative)
        => number >= 1 && number <= _orders.Count && Numbered(number) is var order && order.Derivative == derivative ? order : null;

    /// <summary>
    /// The orders with something left, in number order: the account checks of every placement walk these, not every
    /// order of the day (which made a day of orders quadratic). Orders done since the last walk are dropped here.
    /// </summary>
    public List<VenueOrder> Open()
    {
        _open.RemoveAll(static o => o.Remaining == 0);
        return _open;
    }

    /// <summary>The account's value marked at each held instrument's last trade, KRW.</summary>
    public decimal Equity()
    {
        // Stocks' shares at their last price add up as whole won: one decimal addition a trade, not two a stock. The
        // sum is exact either way, so the equity is the same.
        long stocks = 0;
        var equity = Ledger.Cash;
        foreach (var (code, position) in Ledger.Positions)
        {
            if (position.Quantity == 0) continue;
            var instrument = instruments.Get(code);
            if (instrument.Derivative) equity += Held(code, position);
            else stocks += position.Quantity * instrument.Last;
        }
        return stocks == 0 ? equity : equity + stocks;
    }

    /// <summary>What a position adds to the account's value at its last trade, KRW: a stock's shares at it, a futures/options
    /// position's profit against its cost (its margin is not spent).</summary>
    public decimal Held(string code, LedgerPosition position)
    {
        var instrument = instruments.Get(code);
        return instrument.Derivative
            ? FuturesOptionRules.Krw(code, FuturesOptionRules.Unrealized(position.Quantity, (long)position.Cost, instrument.Last))
            : position.Quantity * (decimal)instrument.Last;
    }

    /// <summary>The order inquiry's rows of <paramref name="product"/>, newest first.</summary>
    public IReadOnlyList<KisOrderRow> Orders(KisProduct product, KisOrderFilter filter, string? code) =>
    [
        .. _orders.Where(o => o.Derivative == (product == KisProduct.FuturesOptions) && (code is null || o.Code == code))
            .Where(o => filter switch { KisOrderFilter.Filled => o.Filled > 0, KisOrderFilter.Unfilled => o.Remaining > 0, _ => true })
            .OrderByDescending(o => o.Number).Select(Row),
    ];

    /// <summary>The balance inquiry of <paramref name="product"/>: cash and the positions at their last trades.</summary>
    public KisBalance Balance(KisProduct product)
    {
        if (product == KisProduct.FuturesOptions) return DerivativeBalance();
        var positions = Ledger.Positions.Where(p => p.Value.Quantity != 0 && !instruments.Get(p.Key).Derivative)
            .OrderBy(p => p.Key, StringComparer.Ordinal).Select(p =>
        {
            var last = instruments.Get(p.Key).Last;
            return new KisPosition
            {
                Code = p.Key, Name = p.Key, Quantity = p.Value.Quantity, OrderableQuantity = Ledger.Sellable(p.Key),
                AveragePrice = AveragePrice.Of(p.Value.Cost, p.Value.Quantity), CurrentPrice = last,
                Value = last * p.Value.Quantity, ProfitLoss = last * p.Value.Quantity - p.Value.Cost,
            };
        }).ToList();
        var value = positions.Sum(p => p.Value);
        return new KisBalance { Product = product, Cash = Ledger.Cash, PositionsValue = value, TotalValue = Ledger.Cash + value, Positions = positions };
    }

    /// <summary>
    /// The buying-power inquiry, by the venue core's rules, the paper venue's inquire-psbl-order too: a stock's the
    /// per-order caps and the cash rounded down to the won (a sell: the shares sellable); a futures/options order's the
    /// contracts at the price asked (0: a market order's, at the upper limit). KIS's futures/options answer names no cash,
    /// so neither does this (the free cash: <see cref="LedgerAccount.FreeCash"/>).
    /// </summary>
    public KisBuyingPower BuyingPower(KisProduct product, string code, OrderSide side, decimal price)
    {
        var instrument = instruments.Get(code);
        var market = price <= 0;
        if (product == KisProduct.FuturesOptions)
        {
            var (_, total) = PreTradeCheck.DerivativeBuyingPower(Ledger, code, side == OrderSide.Buy, market, BacktestPrices.Hundredths(market, price),
                instrument.Upper);
            return new KisBuyingPower { Price = price, Quantity = total, MaxQuantity = total };
        }
        var (cash, unit, quantity) = PreTradeCheck.StockBuyingPower(Ledger, isMarket: market, BacktestPrices.Whole(price),
            instrument.Upper > 0 ? instrument.Upper : instrument.Last);
        if (side == OrderSide.Sell) quantity = Math.Max(0, Ledger.Sellable(code));
        return new KisBuyingPower { Cash = cash, Price = unit, Quantity = quantity, MaxQuantity = quantity };
    }

    private KisBalance DerivativeBalance()
    {
        var positions = Ledger.Positions.Where(p => p.Value.Quantity != 0 && instruments.Get(p.Key).Derivative)
            .OrderBy(p => p.Key, StringComparer.Ordinal).Select(p =>
        {
            var instrument = instruments.Get(p.Key);
            return new KisPosition
            {
                Code = p.Key, Name = p.Key, Quantity = p.Value.Quantity, OrderableQuantity = Math.Abs(p.Value.Quantity),
                AveragePrice = AveragePrice.Of(p.Value.Cost / 100, p.Value.Quantity), CurrentPrice = BacktestPrices.Points(instrument.Last),
                Value = p.Value.Quantity * BacktestPrices.Points(instrument.Last) * instrument.Multiplier, ProfitLoss = Held(p.Key, p.Value),
            };
        }).ToList();
        var profit = positions.Sum(p => p.ProfitLoss);
        return new KisBalance
        {
            Product = KisProduct.FuturesOptions, Cash = Ledger.Cash, PositionsValue = profit, TotalValue = Ledger.Cash + profit, Positions = positions,
        };
    }

    private static KisOrderRow Row(VenueOrder o)
    {
        var scale = o.Derivative ? 100m : 1m;
        return new()
        {
            Product = o.Derivative ? KisProduct.FuturesOptions : KisProduct.Stock, OrderNumber = BacktestNotices.Pad(o.Number, 10),
            OriginalOrderNumber = o.Original > 0 ? BacktestNotices.Pad(o.Original, 10) : null,
            Branch = "00950", Code = o.Code, Name = o.Code, Side = o.Buy ? OrderSide.Buy : OrderSide.Sell, Quantity = o.Quantity, Price = o.LimitPrice / scale,
            FilledQuantity = o.Filled, AveragePrice = AveragePrice.Of(o.FilledValue / scale, o.Filled), RemainingQuantity = o.Remaining,
            // KIS's futures/options inquire-ccnl (TTTO5201R) names no cancelled quantity: the order client, on paper or
            // live, reads 0 there, so the backtest's inquiry says 0 too (orders.csv keeps the quantity, KisBacktestOrder).
            CancelledQuantity = o.Derivative ? 0 : o.Cancelled,
        };
    }
}
