using Kis.Realtime.Simulator.Tape;
using Kis.Realtime.Simulator.Trading.Core;
using Kis.Realtime.Simulator.Trading.Engine;
using Kis.Realtime.Simulator.Trading.Ledger;

namespace Kis.Realtime.Simulator.Backtest;

/// <summary>
/// A backtest's <see cref="IKisOrderVenue"/>: KRX stock cash orders (limit and market) matched by the simulator's own
/// engine (<see cref="RestingBook"/>, <see cref="BookWalk"/>) against the recording's books and trades, on simulated
/// time. A call is answered when it reaches the venue, <see cref="KisBacktestOptions.Latency"/> after it was made; its
/// notices go to the strategy's notice subscription (H0STCNI0), so <see cref="Book"/> follows the order as live.
/// Inquiries answer at once from the account's state. One lock (the driver and a strategy that left the pump may both
/// call); notices and answers are handed out after it is released, through the pump.
/// </summary>
internal sealed partial class BacktestVenue : IKisOrderVenue
{
    private readonly Lock _gate = new();
    private readonly KisBacktestOptions _options;
    private readonly TradingCosts _costs; // the paper venue's rule, at the backtest's rates
    private readonly BacktestPump _pump;
    private readonly BacktestClient _client;
    private readonly BacktestCalls _calls = new(); // on their way, and every call of the day as its row

    public BacktestVenue(KisBacktestOptions options, BacktestPump pump, BacktestClient client)
    {
        _options = options;
        _costs = options.Costs;
        _pump = pump;
        _client = client;
        _account = new BacktestAccount(new LedgerAccount(options.StartingCash, _costs), _instruments);
        _core = new VenueCore(this);
        _stockAccount = options.Account.Number + options.Account.ProductCode;
        _derivativeAccount = options.Account.Number + "03"; // the futures/options account's product code
    }

    private readonly string _stockAccount, _derivativeAccount; // as the notices name them

    public KisOrderBook Book { get; } = new();

    /// <summary>Calls waiting to reach the venue.</summary>
    public int InFlight
    {
        get
        {
            lock (_gate) return _calls.InFlight;
        }
    }

    /// <summary>When the next call reaches the venue; null when none is on its way.</summary>
    public DateTimeOffset? NextArrival
    {
        get
        {
            lock (_gate) return _calls.NextArrival;
        }
    }

    public Task<KisOrderResult> PlaceAsync(KisOrderRequest order, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(order);
        order.Validate();
        return Send(new BacktestCall { Place = order },
            new BacktestCallRow { Action = "place", Code = order.Code, Side = order.Side, Kind = order.Kind, Quantity = order.Quantity, Price = order.Price });
    }

    public Task<KisOrderResult> AmendAsync(KisAmendRequest amend, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(amend);
        return Send(new BacktestCall { Amend = amend },
            new BacktestCallRow { Action = "amend", Code = "", Kind = amend.Kind, Quantity = amend.Quantity ?? 0, Price = amend.Price });
    }

    public Task<KisOrderResult> CancelAsync(KisCancelRequest cancel, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(cancel);
        return Send(new BacktestCall { Cancel = cancel }, new BacktestCallRow { Action = "cancel", Code = "", Quantity = cancel.Quantity ?? 0 });
    }

    private Task<KisOrderResult> Send(BacktestCall call, BacktestCallRow row)
    {
        // Taken before the call can arrive: a strategy off the pump may see it answered (and let go) before this returns.
        var answer = call.Task;
        lock (_gate) _calls.Send(call, row, _now, _options.Latency);
        return answer;
    }

    /// <summary>Brings every call due by <paramref name="until"/> to the venue, one at a time (each at its own arrival
    /// time, <paramref name="arrivedAt"/>); the answers and notices are posted to the pump. False when none was due.</summary>
    public bool ArriveDue(DateTimeOffset until, out DateTimeOffset arrivedAt)
    {
        BacktestNoticeBatch notices;
        BacktestCall arrived;
        arrivedAt = default;
        // Most messages meet no call on its way: told without the lock (a call sent from off the pump right now arrives
        // at the next message, as one sent just after the check always did).
        if (_calls.NoneDueBy(until)) return false;
        lock (_gate)
        {
            if (!_calls.TryTakeDue(until, out var call)) return false;
            MoveTo(call.ArrivesAt);
            // The day keeps every call (Calls()) as its row: what it became, not the request and the answer.
            ref var row = ref _calls.Row(call.Index);
            call.Result = call.Place is { } place ? Place(place, ref row) : call.Amend is { } amend ? Amend(amend, ref row) : Cancel(call.Cancel!, ref row);
            (call.Place, call.Amend, call.Cancel) = (null, null, null);
            arrived = call;
            notices = TakeNotices();
        }
        // The answer first (the REST reply), then the notices: the strategy's handle exists before they arrive.
        _pump.Post(static s => ((BacktestCall)s!).Reply(), arrived);
        _client.Notices(notices, arrived.ArrivesAt);
        arrivedAt = arrived.ArrivesAt;
        return true;
    }

    public Task<IReadOnlyList<KisOrderRow>> GetOrdersAsync(KisProduct product, KisOrderFilter filter = KisOrderFilter.All, string? code = null,
        CancellationToken cancellationToken = default)
    {
        lock (_gate) return Task.FromResult(_account.Orders(product, filter, code));
    }

    public Task<KisBalance> GetBalanceAsync(KisProduct product, CancellationToken cancellationToken = default)
    {
        lock (_gate) return Task.FromResult(_account.Balance(product));
    }

    public Task<KisBuyingPower> GetBuyingPowerAsync(KisProduct product, string code, OrderSide side = OrderSide.Buy, decimal price = 0,
        CancellationToken cancellationToken = default)
    {
        // A futures/options code neither venue takes: refused as the order client reports paper's (and KIS's) refusal of the inquiry.
        if (product == KisProduct.FuturesOptions && PreTradeCheck.DerivativeProduct(code) is { } refusal)
            return Task.FromException<KisBuyingPower>(new KisRestException(
                $"Orderable quantity of {code}: HTTP 200, {refusal.Code} {refusal.Message}.", 200, refusal.Code));
        lock (_gate) return Task.FromResult(_account.BuyingPower(product, code, side, price));
    }

    /// <summary>Every call the strategy made, in order, with what became of it: each record made when read.</summary>
    public IReadOnlyList<KisBacktestOrder> Calls()
    {
        lock (_gate) return new ProjectedList<BacktestCallRow, KisBacktestOrder>(_calls.Rows(), Outcome);
    }

    /// <summary>How many calls the venue refused.</summary>
    public int RefusedCalls()
    {
        lock (_gate) return _calls.Refused();
    }

    private KisBacktestOrder Outcome(BacktestCallRow c)
    {
        lock (_gate)
        {
            var order = c.Number > 0 ? _account.Numbered(c.Number) : null;
            var average = order is { Filled: > 0 } ? (decimal)order.FilledValue / order.Filled / (order.Derivative ? 100 : 1) : 0;
            return new KisBacktestOrder(c.Sequence, c.Action, c.SentAt, c.ArrivesAt, c.Number > 0 ? BacktestNotices.Pad(c.Number, 10) : "",
                c.Original > 0 ? BacktestNotices.Pad(c.Original, 10) : "", c.Code, c.Side, c.Kind, c.Quantity, c.Price,
                c.Refusal is null ? (c.Answered ? "accepted" : "not arrived") : "refused", c.Refusal?.ToString() ?? "",
                order?.Filled ?? 0, order?.Cancelled ?? 0, average);
        }
    }
}
