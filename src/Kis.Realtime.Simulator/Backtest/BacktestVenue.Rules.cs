using Kis.Realtime.Simulator.Market;
using Kis.Realtime.Simulator.Trading.Core;
using Kis.Realtime.Simulator.Trading.Engine;

namespace Kis.Realtime.Simulator.Backtest;

/// <summary>The venue's checks (what only a backtest refuses: kinds not modelled, other exchanges, no trade yet; the
/// pre-trade check itself, caps, grid, limits and money, is the venue core's <see cref="PreTradeCheck"/>, the paper
/// venue's too) and its answers to the calls.</summary>
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
        return Refused(PreTradeCheck.NewOrder(_account.Ledger, request.Code, derivative: false, request.Side == OrderSide.Buy, request.Quantity,
            request.Kind == KisOrderKind.Market, BacktestPrices.Whole(request.Price), StockBand(instrument)));
    }

    /// <summary>KRX's order hours for an amendment or cancel of <paramref name="product"/>, by the market's time: the rule
    /// of new orders and the paper venue's (<see cref="TradingHours.OrderHours"/>); null when it is taken now.</summary>
    private KisRefusal? Closed(KisProduct product) => Refused(TradingHours.OrderHours(product == KisProduct.FuturesOptions, Kst));

    private static KisRefusal KindRefusal(KisOrderKind kind) => new("1", OrderKinds.NotModelledCode, OrderKinds.NotModelled(kind.ToString()), 200);

    /// <summary>A pre-trade refusal of the venue core as the strategy's answer (null: none).</summary>
    private static KisRefusal? Refused(VenueRefusal? refusal) => refusal is { } r ? new KisRefusal("1", r.Code, r.Message, 200) : null;

    /// <summary>A stock's limits as the recording's trades gave them (KRX's grid is the code's, by price).</summary>
    private static PriceBand StockBand(RecordedInstrument instrument) => new(instrument.Lower, instrument.Upper, 0);

    /// <summary>
    /// The order an amendment or cancel names (<see cref="BacktestAccount.Find"/>), the call's row given what it named whether refused or
    /// not: the original's number, code and side when there is such an order (one with nothing left too), else the number
    /// as named, no code and no side (orders.csv once wrote a refused one's side as "sell" and lost its number and code).
    /// </summary>
    private KisRefusal? Named(string number, KisProduct product, ref BacktestCallRow call, out VenueOrder order)
    {
        var parsed = long.TryParse(number, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n);
        if ((parsed ? _account.Find(n, product == KisProduct.FuturesOptions) : null) is not { } found)
        {
            if (parsed) call.Original = n;
            order = null!;
            return new KisRefusal("1", "APBK0915", "주문번호가 존재하지 않습니다. (no such order of this product in this account)", 200);
        }
        order = found;
        (call.Code, call.Side, call.Original) = (order.Code, order.Buy ? OrderSide.Buy : OrderSide.Sell, order.Number);
        return order.Remaining == 0 ? new KisRefusal("1", "APBK0917", "정정/취소할 수량이 없습니다. (nothing left to amend or cancel)", 200) : null;
    }

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
        lock (_gate) return _account.Ledger.FreeCash();
    }

    private RecordedInstrument Instrument(string code) => _instruments.Get(code);
}
