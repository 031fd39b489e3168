using Kis.Realtime.Simulator.Market;
using Kis.Realtime.Simulator.Rules;
using Kis.Realtime.Simulator.Tape;
using Kis.Realtime.Simulator.Trading.Core;
using Kis.Realtime.Simulator.Trading.Engine;

namespace Kis.Realtime.Simulator.Backtest;

/// <summary>The matching: orders arriving walk the recorded book, the rest wait in the venue core's
/// engine for the tape; the core's events become the strategy's notices and the day's fill rows.</summary>
internal sealed partial class BacktestVenue : IVenueEvents
{
    private DateTimeOffset _now;
    // The account's money, holdings and orders of the day (its ledger is the venue core's, the paper venue's accounts' own code).
    private readonly BacktestAccount _account;
    // The orders' lifecycle, resting books and settlement: the paper venue's code too.
    private readonly VenueCore _core;
    private long _fillSequence;
    private readonly RecordedInstruments _instruments = new(); // the market of every code the venue follows
    private readonly ChunkedSeries<BacktestFillRow> _fills = new();
    // Notices written under the lock, and the batch handed out last (TakeNotices swaps them).
    private BacktestNoticeBatch _notices = new(), _handedOut = new();

    /// <summary>Moves the venue's clock (the time of the record being read); the notices of the orders whose day's order
    /// hours ended by then (null: none).</summary>
    public BacktestNoticeBatch? SetTime(DateTimeOffset now)
    {
        lock (_gate)
        {
            MoveTo(now);
            return Pending();
        }
    }

    /// <summary>
    /// The venue's clock moves to <paramref name="at"/> (under the lock): first the orders whose day is over by then
    /// expire, by the venue core's one rule, the paper venue's too (<see cref="VenueCore.ExpiryDue"/>: once the market's
    /// whole second is past their order hours' end), so nothing the market does later reaches them. A comparison of
    /// ticks when nothing is due.
    /// </summary>
    private void MoveTo(DateTimeOffset at)
    {
        _now = at;
        var kst = new DateTime(at.UtcTicks + KoreaTime.Offset.Ticks);
        if (_core.ExpiryDue(kst)) _core.ExpireDue(kst);
    }

    /// <summary>The notices written since the last take, if any (under the lock).</summary>
    private BacktestNoticeBatch? Pending() => _notices.Count == 0 ? null : TakeNotices();

    /// <summary>The fills so far, in order, as the day keeps them (<see cref="BacktestFillRow.ToFill"/> makes the public record).</summary>
    public IReadOnlyList<BacktestFillRow> Fills
    {
        get
        {
            lock (_gate) return _fills.Prefix();
        }
    }

    /// <summary>How many fills there were so far.</summary>
    public long FillCount
    {
        get
        {
            lock (_gate) return _fills.Count;
        }
    }

    /// <summary>Cash now, KRW.</summary>
    public decimal Cash
    {
        get
        {
            lock (_gate) return _account.Ledger.Cash;
        }
    }

    /// <summary>The account's value marked at each held stock's last trade, KRW.</summary>
    public decimal Equity()
    {
        lock (_gate) return _account.Equity();
    }

    /// <summary>The instruments the venue follows (last price, tape totals; futures/options in points), by code, with the
    /// position left, what it adds to the account's value (KRW) and the contract multiplier (1 for a stock).</summary>
    public IReadOnlyList<BacktestInstrument> Instruments()
    {
        lock (_gate)
            return [.. _instruments.ByCode().Select(i =>
            {
                var scale = i.Value.Derivative ? 100m : 1m;
                var position = _account.Ledger.Positions.GetValueOrDefault(i.Key);
                return new BacktestInstrument(i.Key, i.Value.Last / scale, i.Value.TapeVolume, i.Value.TapeValue / scale, i.Value.TapeTrades,
                    position?.Quantity ?? 0, position is { Quantity: not 0 } ? _account.Held(i.Key, position) : 0, i.Value.Multiplier, i.Value.Derivative);
            })];
    }

    /// <summary>Codes the venue has seen orders or calls for (it follows their market), changing as it learns one.</summary>
    public string[] Codes()
    {
        lock (_gate) return _instruments.Codes();
    }

    /// <summary>How many codes <see cref="Codes"/> holds (cheap: the driver checks it at every message).</summary>
    public int CodeCount => _instruments.Count;

    /// <summary>
    /// A KRX trade of the recording, at <paramref name="at"/> (the venue's clock moves to it): the last price, the tape's
    /// totals, and the resting orders it reaches; <paramref name="equity"/> is the account's value after it. One call and
    /// one lock a trade for what were three (the clock, the trade, the equity).
    /// </summary>
    public BacktestNoticeBatch? OnTrade(DateTimeOffset at, string code, long price, long volume, long previousClose, TradeSide side, out decimal equity)
    {
        lock (_gate)
        {
            MoveTo(at);
            var notices = TradeLocked(code, price, volume, previousClose, side);
            equity = _account.Equity();
            return notices;
        }
    }

    /// <summary>A trade's effect on the market and the resting orders (under the lock).</summary>
    private BacktestNoticeBatch? TradeLocked(string code, long price, long volume, long previousClose, TradeSide side)
    {
        var instrument = Instrument(code);
        instrument.Last = price;
        if (previousClose > 0) instrument.SetLimits(previousClose);
        instrument.AddToTape(price, volume);
        // ccld_dvsn 3 (장전), or the first trade after a call (KrxCalls): a single-price auction's print; else a buyer
        // lifting an offer (1) or a seller hitting a bid (5). A print ends the call whether or not orders rest (as on
        // paper, ReplayedStock): the next order takes the continuous book.
        var auction = side == TradeSide.PreOpen || instrument.InCall;
        instrument.InCall = false;
        if (!_core.HasResting(code, instrument.Derivative)) return Pending();
        if (auction) _core.OnAuction(code, instrument.Derivative, price, volume, Kst);
        else _core.OnTrade(code, instrument.Derivative, price, volume, side == TradeSide.Buy, Kst);
        return Pending(); // most trades fill nothing: no list for them
    }

    /// <summary>
    /// A KRX book of the recording, at <paramref name="at"/> (the venue's clock moves to it): what arriving orders walk,
    /// and the resting orders' queues. Kept as received and decoded only when an order needs it (orders rest in the
    /// stock, or one arrives): most books meet no order.
    /// </summary>
    public BacktestNoticeBatch? OnBook(DateTimeOffset at, string code, TrDefinition tr, ReadOnlySpan<byte> record)
    {
        lock (_gate)
        {
            MoveTo(at);
            var instrument = Instrument(code);
            instrument.Keep(tr, record); // decoded only when an order rests
            return BookMoved(code, instrument, KrxCalls.IsCallBook(at, tr, record));
        }
    }

    /// <summary>A KRX stock book decoded ahead (<see cref="PreparedBlock"/>): as <see cref="OnBook"/>, its levels given.</summary>
    public BacktestNoticeBatch? OnStockBook(DateTimeOffset at, string code, bool callBook, ReadOnlySpan<BookLevel> asks, ReadOnlySpan<BookLevel> bids)
    {
        lock (_gate)
        {
            MoveTo(at);
            var instrument = Instrument(code);
            instrument.KeepDecoded(asks, bids);
            return BookMoved(code, instrument, callBook);
        }
    }

    /// <summary>A new book (under the lock): resting orders that it crosses fill, unless a call is in force.</summary>
    private BacktestNoticeBatch? BookMoved(string code, RecordedInstrument instrument, bool callBook)
    {
        // A call's book crosses nothing: the orders wait for its print (the next trade).
        if (callBook) instrument.InCall = true;
        if (!_core.HasResting(code, instrument.Derivative) || instrument.InCall) return Pending();
        instrument.DecodeBook(); // a no-op for a book decoded ahead
        _core.OnBook(code, instrument.Derivative, instrument.Asks.AsSpan(0, instrument.AskCount), instrument.Bids.AsSpan(0, instrument.BidCount), Kst);
        return Pending();
    }

    /// <summary>
    /// The trading day ended, a new one beginning at <paramref name="next"/> or the recording ending: the orders whose
    /// day's order hours ended by then expire at that end (the rule of every move of the clock); what is left of the
    /// others (the recording ended before their hours did) is cancelled at the venue's time, the recording's last.
    /// </summary>
    public BacktestNoticeBatch EndDay(DateTimeOffset next)
    {
        lock (_gate)
        {
            _core.ExpireDue(next.ToOffset(KoreaTime.Offset).DateTime);
            // No cancel order was placed: the core's expiry names the order itself, as the paper venue's does.
            foreach (var order in _account.Open().ToList()) _core.Expire(order, Kst);
            return TakeNotices();
        }
    }

    private KisOrderResult Place(KisOrderRequest request, ref BacktestCallRow call)
    {
        if (Refuse(request) is { } refusal) return Refused(ref call, refusal);
        var derivative = request.Product == KisProduct.FuturesOptions;
        var kind = OrderKinds.Modelled(request.Kind)!.Value;
        var limit = kind == OrderKind.Market ? 0 : derivative ? (long)(request.Price * 100) : (long)request.Price;
        var order = new VenueOrder(_account.NextNumber(), 0, request.Code, request.Side == OrderSide.Buy, kind, limit, request.Quantity, derivative,
            _account.Ledger)
        {
            ReservePrice = kind == OrderKind.Market ? Instrument(request.Code).Upper : limit, ExpiresAt = TradingHours.OrderHoursEnd(derivative, Kst),
        };
        _account.Add(order);
        call.Number = order.Number;
        _core.Accept(order, Kst);
        Arrive(order);
        return Accepted(ref call, order.Number, derivative: derivative);
    }

    private KisOrderResult Amend(KisAmendRequest amend, ref BacktestCallRow call)
    {
        var missing = Named(amend.OriginalOrderNumber, amend.Product, ref call, out var original);
        if (Closed(amend.Product) is { } closed) return Refused(ref call, closed);
        if (missing is not null) return Refused(ref call, missing);
        // The kind asked for, by the venue core's one rule (the paper venue's too).
        if (Refused(PreTradeCheck.AmendmentKind(amend.Kind, out var kind)) is { } badKind) return Refused(ref call, badKind);
        var market = kind == OrderKind.Market;
        if (ChangeQuantityRefusal(amend.Quantity, original, out var affected) is { } badQuantity) return Refused(ref call, badQuantity);
        var price = original.Derivative ? BacktestPrices.Hundredths(market, amend.Price) : market ? 0 : BacktestPrices.Whole(amend.Price);
        // The venue core's one check of an amendment, the paper venue's too: grid, limits, caps, money with the original's hold given back.
        var band = original.Derivative ? DerivativeBand(original.Code) : StockBand(Instrument(original.Code));
        if (Refused(PreTradeCheck.Amendment(original, affected, market, price, band)) is { } refused) return Refused(ref call, refused);
        var successor = new VenueOrder(_account.NextNumber(), original.Number, original.Code, original.Buy, kind, price, affected, original.Derivative,
            _account.Ledger)
        {
            ReservePrice = market ? Instrument(original.Code).Upper : price, ExpiresAt = TradingHours.OrderHoursEnd(original.Derivative, Kst),
        };
        _account.Add(successor);
        call.Number = successor.Number;
        call.Quantity = affected;
        _core.Amend(original, successor, Kst);
        Arrive(successor); // an amendment is a new order at its price: the back of the queue, marketable at once
        return Accepted(ref call, successor.Number, derivative: successor.Derivative);
    }

    private KisOrderResult Cancel(KisCancelRequest cancel, ref BacktestCallRow call)
    {
        var missing = Named(cancel.OriginalOrderNumber, cancel.Product, ref call, out var original);
        if (Closed(cancel.Product) is { } closed) return Refused(ref call, closed);
        if (missing is not null) return Refused(ref call, missing);
        if (ChangeQuantityRefusal(cancel.Quantity, original, out var affected) is { } badQuantity) return Refused(ref call, badQuantity);
        var number = _account.NextNumber();
        var cancelOrder = new VenueOrder(number, original.Number, original.Code, original.Buy, original.Kind, original.LimitPrice, affected,
            original.Derivative, _account.Ledger);
        _core.Cancel(original, cancelOrder, Kst);
        _account.Add(cancelOrder);
        call.Number = number;
        call.Quantity = affected;
        return Accepted(ref call, original.Number, number, original.Derivative);
    }

    /// <summary>A marketable order walks the book's depth from the touch (what earlier paper orders took is gone until
    /// the next book); what is left rests in the engine behind what the book shows at its price.</summary>
    private void Arrive(VenueOrder order)
    {
        var instrument = Instrument(order.Code);
        instrument.DecodeBook();
        // In a call a stock order does not walk the book: it rests for the print.
        if (!order.Derivative && KrxCalls.InCallWindow(_now)) instrument.InCall = true;
        var n = 0;
        Span<LevelTake> takes = stackalloc LevelTake[RecordedInstrument.Levels];
        var opposite = order.Buy ? instrument.Asks.AsSpan(0, instrument.AskCount) : instrument.Bids.AsSpan(0, instrument.BidCount);
        if (!instrument.InCall) n = BookWalk.Take(opposite, order.Buy, order.Remaining, order.IsMarket ? 0 : order.LimitPrice, takes);
        for (var k = 0; k < n; k++)
        {
            for (var l = 0; l < opposite.Length; l++)
                if (opposite[l].Price == takes[k].Price) opposite[l] = opposite[l] with { Quantity = opposite[l].Quantity - takes[k].Quantity };
            _core.Fill(order, takes[k].Quantity, takes[k].Price, Kst);
        }
        if (order.Remaining == 0) return;
        _core.Rest(order, order.Buy ? instrument.Bids.AsSpan(0, instrument.BidCount) : instrument.Asks.AsSpan(0, instrument.AskCount), Kst);
    }

    /// <summary>The venue clock as the core's events carry it: KST.</summary>
    private DateTime Kst => _now.ToOffset(KoreaTime.Offset).DateTime;

    /// <summary>
    /// The core's events (under the lock): each one notice for the strategy (<see cref="BacktestNotices"/>: the one
    /// notice writer's records); a fill also a row of the day's fill file, with the ledger's cash and position after it.
    /// </summary>
    void IVenueEvents.OnOrderEvent(VenueOrder order, in OrderEvent e, decimal commission, decimal tax)
    {
        if (e.Kind == OrderEventKind.Filled)
            // Futures/options prices are held in hundredths; the file shows points.
            _fills.Add(new BacktestFillRow(++_fillSequence, _now, order.Number, order.Code, order.Buy ? OrderSide.Buy : OrderSide.Sell,
                e.Quantity, order.Derivative ? BacktestPrices.Points(e.Price) : e.Price, commission, tax, Liquidity(e.Liquidity), _account.Ledger.Cash,
                _account.Ledger.Positions[order.Code].Quantity));
        BacktestNotices.Write(_notices, e, _options.HtsId, order.Derivative ? _derivativeAccount : _stockAccount);
    }

    /// <summary>The fill file's liquidity column: what the core says the fill took.</summary>
    private static string Liquidity(FillLiquidity liquidity) => liquidity switch
    {
        FillLiquidity.Taker => "taker",
        FillLiquidity.Auction => "auction",
        _ => "maker",
    };

    /// <summary>The notices written since the last take (under the lock): valid until the next take, which is the
    /// driver's thread's own next call, so it is handed out before then.</summary>
    private BacktestNoticeBatch TakeNotices()
    {
        (_notices, _handedOut) = (_handedOut, _notices);
        _notices.Clear();
        return _handedOut;
    }
}
