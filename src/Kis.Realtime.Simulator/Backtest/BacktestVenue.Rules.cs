using Kis.Realtime.Simulator.Market;
using Kis.Realtime.Simulator.Trading.Core;
using Kis.Realtime.Simulator.Trading.Engine;

namespace Kis.Realtime.Simulator.Backtest;

/// <summary>The venue's checks (what only a backtest refuses: kinds not modelled, other exchanges, no trade yet; the
/// pre-trade check itself, caps, grid, limits and money, is the venue core's <see cref="PreTradeCheck"/>, the paper
/// venue's too) and its orders' filing.</summary>
internal sealed partial class BacktestVenue
{
    private KisRefusal? Refuse(KisOrderRequest request)
    {
        // One gate for both products (and amendments): the kinds the engine models.
        if (OrderKinds.Modelled(request.Kind) is null) return KindRefusal(request.Kind);
        if (request.Product == KisProduct.FuturesOptions) return RefuseDerivative(request);
        if (request.Exchange != KisStockExchange.Krx)
            return new KisRefusal("1", "APBK0505", "A backtest routes to KRX only (its book and trades are KRX's H0STASP0 and H0STCNT0).", 200);
        var instrument = Instrument(request.Code);
        if (instrument.Last == 0) return Refused(PreTradeCheck.NoTradeYet(request.Code)); // the paper venue's refusal too
        // KRX's hours by the market's time (the recording's stamps), the paper venue's rule too.
        if (Refused(TradingHours.OrderHours(derivative: false, Kst)) is { } closed) return closed;
        // The venue core's one check, the paper venue's too: quantity and caps, grid, limits, cash or shares.
        return Refused(PreTradeCheck.NewOrder(_ledger, request.Code, derivative: false, request.Side == OrderSide.Buy, request.Quantity,
            request.Kind == KisOrderKind.Market, WholePrice(request.Price), StockBand(instrument)));
    }

    /// <summary>KRX's order hours for an amendment or cancel of <paramref name="product"/>, by the market's time: the rule
    /// of new orders and the paper venue's (<see cref="TradingHours.OrderHours"/>); null when it is taken now.</summary>
    private KisRefusal? Closed(KisProduct product) => Refused(TradingHours.OrderHours(product == KisProduct.FuturesOptions, Kst));

    private static KisRefusal KindRefusal(KisOrderKind kind) => new("1", OrderKinds.NotModelledCode, OrderKinds.NotModelled(kind.ToString()), 200);

    /// <summary>A pre-trade refusal of the venue core as the strategy's answer (null: none).</summary>
    private static KisRefusal? Refused(VenueRefusal? refusal) => refusal is { } r ? new KisRefusal("1", r.Code, r.Message, 200) : null;

    /// <summary>A stock's limits as the recording's trades gave them (KRX's grid is the code's, by price).</summary>
    private static PriceBand StockBand(RecordedInstrument instrument) => new(instrument.Lower, instrument.Upper, 0);

    /// <summary>A stock price in whole KRW; one that is not whole is off every grid (-1: the check refuses it so).</summary>
    private static long WholePrice(decimal price) => price == decimal.Truncate(price) && price is > 0 and <= long.MaxValue ? (long)price : -1;

    /// <summary>
    /// The order an amendment or cancel names (<see cref="Find"/>), the call's row given what it named whether refused or
    /// not: the original's number, code and side when there is such an order (one with nothing left too), else the number
    /// as named, no code and no side (orders.csv once wrote a refused one's side as "sell" and lost its number and code).
    /// </summary>
    private KisRefusal? Named(string number, KisProduct product, ref BacktestCallRow call, out VenueOrder order)
    {
        var parsed = long.TryParse(number, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n);
        if ((parsed ? Find(n, product) : null) is not { } found)
        {
            if (parsed) call.Original = n;
            order = null!;
            return new KisRefusal("1", "APBK0915", "주문번호가 존재하지 않습니다. (no such order of this product in this account)", 200);
        }
        order = found;
        (call.Code, call.Side, call.Original) = (order.Code, order.Buy ? OrderSide.Buy : OrderSide.Sell, order.Number);
        return order.Remaining == 0 ? new KisRefusal("1", "APBK0917", "정정/취소할 수량이 없습니다. (nothing left to amend or cancel)", 200) : null;
    }

    /// <summary>The order numbered <paramref name="number"/> within the call's product, as on paper (a futures/options
    /// call naming a stock order's number names no order), looked up once; null when there is none.</summary>
    private VenueOrder? Find(long number, KisProduct product)
        => number >= 1 && number <= _orders.Count && OrderNumbered(number) is var order && order.Derivative == (product == KisProduct.FuturesOptions)
            ? order : null;

    /// <summary>How many of what is left an amendment or cancel concerns: the core's rule (<see cref="PreTradeCheck.ChangeQuantity"/>).</summary>
    private static KisRefusal? ChangeQuantityRefusal(long? quantity, VenueOrder original, out long affected)
        => Refused(PreTradeCheck.ChangeQuantity(quantity, original.Remaining, out affected));

    private static KisOrderResult Refused(ref BacktestCallRow call, KisRefusal refusal)
    {
        call.Refusal = refusal;
        call.Answered = true;
        return new KisOrderResult { Outcome = KisOrderOutcome.Refused, Refusal = refusal, Attempts = 1 };
    }

    private KisOrderResult Accepted(ref BacktestCallRow call, long followed, long? own = null, bool derivative = false)
    {
        call.Answered = true;
        var number = BacktestNotices.Pad(own ?? followed, 10);
        var followedNumber = own is null ? number : BacktestNotices.Pad(followed, 10); // a placement follows its own number
        return new KisOrderResult
        {
            Outcome = KisOrderOutcome.Accepted, OrderNumber = number, Branch = "00950", Attempts = 1,
            OrderTime = TimeOnly.FromTimeSpan(_now.ToOffset(KoreaTime.Offset).TimeOfDay),
            Message = "APBK0013 주문 전송 완료 되었습니다. (backtest)",
            // A cancel's handle follows the order it cancels, as KisOrderClient's does.
            Handle = Book.Handle(followedNumber, derivative ? KisProduct.FuturesOptions : KisProduct.Stock),
        };
    }

    /// <summary>Cash not held for open stock buys (at their limit, a market buy at the day's upper limit, with commission)
    /// nor as futures/options margin: the ledger's, exact (paper shows it rounded down to the won).</summary>
    public decimal FreeCash()
    {
        lock (_gate) return _ledger.FreeCash();
    }

    private long Sellable(string code) => _ledger.Sellable(code);

    /// <summary>
    /// The orders with something left, in number order (as <c>_orders</c> lists them): the account checks of every
    /// placement walk these, not every order of the day (which made a day of orders quadratic). Orders done since the
    /// last walk are dropped here.
    /// </summary>
    private List<VenueOrder> OpenOrders()
    {
        _open.RemoveAll(static o => o.Remaining == 0);
        return _open;
    }

    /// <summary>The order numbered <paramref name="number"/> (one the venue gave: 1 to the day's count).</summary>
    private VenueOrder OrderNumbered(long number) => _orders[(int)number - 1];

    /// <summary>Files a new order: in <c>_orders</c> and, with something left, among the open ones (numbers only grow).</summary>
    private void AddOrder(VenueOrder order)
    {
        if (order.Number != _orders.Count + 1) throw new InvalidOperationException($"order {order.Number} filed after {_orders.Count}");
        _orders.Add(order);
        if (order.Remaining > 0) _open.Add(order);
    }

    private RecordedInstrument Instrument(string code) => _instruments.Get(code);

    private decimal EquityLocked()
    {
        // Stocks' shares at their last price add up as whole won: one decimal addition a trade, not two a stock. The
        // sum is exact either way, so the equity is the same.
        long stocks = 0;
        var equity = _ledger.Cash;
        foreach (var (code, position) in _ledger.Positions)
        {
            if (position.Quantity == 0) continue;
            var instrument = Instrument(code);
            if (instrument.Derivative) equity += Held(code, position);
            else stocks += position.Quantity * instrument.Last;
        }
        return stocks == 0 ? equity : equity + stocks;
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
