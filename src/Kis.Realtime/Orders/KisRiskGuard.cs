using Kis.Realtime.Internal;
using Kis.Realtime.Retry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kis.Realtime;

/// <summary>
/// Pre-trade checks in front of any venue (<see cref="KisOrderClient"/> for KIS and <c>kisrt sim</c>, the paper
/// simulator, a backtest): the same <see cref="IKisOrderVenue"/>, so a strategy keeps its limits from backtest to real
/// money. A new order or amendment that breaches a <see cref="KisRiskLimits"/> is refused here, typed
/// (<see cref="KisOrderOutcome.Refused"/> with <see cref="KisOrderResult.RiskCheck"/>), counted and logged, and never
/// reaches the venue. Positions, open orders and the day's profit come from the venue's <see cref="IKisOrderVenue.Book"/>
/// (feed it the notices) and the orders this guard let through; last trades from <see cref="OnTrade"/>. The kill switch
/// (<see cref="KillAsync"/>) cancels every open order, those in flight once answered, and refuses new ones. An order whose
/// answer was lost (<see cref="KisOrderOutcome.Unknown"/>) counts as working in full until <see cref="ReconcileAsync"/>
/// names it or <see cref="Release"/> gives it up. Cancels always pass. Thread-safe: one lock;
/// checks and the order's reservation are one step, so concurrent orders cannot pass a limit together.
/// </summary>
public sealed partial class KisRiskGuard : IKisOrderVenue
{
    private readonly IKisOrderVenue _venue;
    private readonly KisRiskLimits _limits;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, decimal> _lastTrades = new(StringComparer.Ordinal);
    private readonly RiskGuardOrders _orders = new(); // let through, in flight, unknown: under _gate
    private readonly long[] _refusals = new long[Enum.GetValues<KisRiskCheck>().Length];
    private readonly SlidingWindowLimit? _rate;
    private bool _killed;

    /// <summary>Guards <paramref name="venue"/> with <paramref name="limits"/>.</summary>
    /// <exception cref="ArgumentException">A limit is out of range.</exception>
    public KisRiskGuard(IKisOrderVenue venue, KisRiskLimits limits, ILoggerFactory? loggerFactory = null, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(venue);
        ArgumentNullException.ThrowIfNull(limits);
        limits.Validate();
        (_venue, _limits) = (venue, limits);
        _logger = loggerFactory?.CreateLogger("Kis.Realtime.Risk") ?? NullLogger.Instance;
        if (limits.MaxOrdersPerSecond is { } perSecond) _rate = new SlidingWindowLimit(perSecond, TimeSpan.FromSeconds(1), time ?? TimeProvider.System);
    }

    /// <inheritdoc />
    public KisOrderBook Book => _venue.Book;

    /// <summary>The limits checked.</summary>
    public KisRiskLimits Limits => _limits;

    /// <summary>True while the kill switch is on.</summary>
    public bool IsKilled
    {
        get
        {
            lock (_gate) return _killed;
        }
    }

    /// <summary>Orders let through that the guard still follows itself (those whose notices have not said they are done).</summary>
    internal int LetThroughCount
    {
        get
        {
            lock (_gate) return _orders.LetThroughCount;
        }
    }

    /// <summary>Orders refused by <paramref name="check"/> so far.</summary>
    public long Refused(KisRiskCheck check) => Interlocked.Read(ref _refusals[(int)check]);

    /// <summary>Orders refused by any check so far.</summary>
    public long RefusedTotal => _refusals.Sum(r => Interlocked.Read(ref r));

    /// <summary>The last trade of <paramref name="code"/> (the price band, market orders' value, the day's profit at it).</summary>
    public void OnTrade(string code, decimal price)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(code);
        if (price <= 0) throw new ArgumentOutOfRangeException(nameof(price), "A trade's price must be positive.");
        lock (_gate) _lastTrades[code] = price;
    }

    /// <summary>The position in <paramref name="code"/> as the notices tell it: bought less sold.</summary>
    public long Position(string code) => Book.Tracker.PositionOf(code);

    /// <summary>The day's profit (negative: a loss): the fills' cash plus the positions at the last trades.</summary>
    public decimal DayProfit()
    {
        var tracker = Book.Tracker;
        lock (_gate) return DayProfit(tracker.ReadForRisk([], null, withHoldings: true).Holdings);
    }

    /// <inheritdoc />
    public async Task<KisOrderResult> PlaceAsync(KisOrderRequest order, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(order);
        var tracker = Book.Tracker;
        RiskGuardOrders.Flight flight;
        lock (_gate)
        {
            if (Check(order, ReadTotals(tracker, order.Code, order.Side)) is { } breach)
                return Refuse(breach.Check, breach.Why, $"{order.Side} {order.Quantity} {order.Code}");
            flight = Depart(order);
        }
        KisOrderResult result;
        try
        {
            // Not ConfigureAwait(false): the guard continues where its caller awaits, so a backtest's strategy stays on
            // the backtest's one queue (off it, the strategy waited forever for an answer).
            result = await _venue.PlaceAsync(order, cancellationToken);
        }
        catch
        {
            Abandon(flight);
            throw;
        }
        // Until its notices come, an order let through counts as working in full; an unknown one too, as it may be.
        await ArriveAsync(flight, order, result, cancellationToken);
        return result;
    }

    /// <summary>An amendment meets every limit a new order meets, on the terms it leaves working (it replaces the
    /// original's remainder, or the part of it amended: the rest stays working on the original); an amendment of an order
    /// the guard does not know is refused while a limit needs its terms.</summary>
    public async Task<KisOrderResult> AmendAsync(KisAmendRequest amend, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(amend);
        var tracker = Book.Tracker;
        RiskGuardOrders.Flight flight;
        KisOrderRequest? amended;
        bool partial;
        lock (_gate)
        {
            if (CheckAmend(amend, tracker, out amended, out partial) is { } breach)
                return Refuse(breach.Check, breach.Why, $"amendment of {amend.OriginalOrderNumber}");
            flight = Depart(null);
        }
        KisOrderResult result;
        try
        {
            result = await _venue.AmendAsync(amend, cancellationToken);
        }
        catch
        {
            Abandon(flight);
            throw;
        }
        await ArriveAsync(flight, amend, amended, partial, result, cancellationToken);
        return result;
    }

    /// <summary>Cancels always pass: they only reduce risk.</summary>
    public Task<KisOrderResult> CancelAsync(KisCancelRequest cancel, CancellationToken cancellationToken = default)
        => _venue.CancelAsync(cancel, cancellationToken);

    /// <inheritdoc />
    public Task<IReadOnlyList<KisOrderRow>> GetOrdersAsync(KisProduct product, KisOrderFilter filter = KisOrderFilter.All, string? code = null,
        CancellationToken cancellationToken = default) => _venue.GetOrdersAsync(product, filter, code, cancellationToken);

    /// <inheritdoc />
    public Task<KisBalance> GetBalanceAsync(KisProduct product, CancellationToken cancellationToken = default)
        => _venue.GetBalanceAsync(product, cancellationToken);

    /// <inheritdoc />
    public Task<KisBuyingPower> GetBuyingPowerAsync(KisProduct product, string code, OrderSide side = OrderSide.Buy, decimal price = 0,
        CancellationToken cancellationToken = default) => _venue.GetBuyingPowerAsync(product, code, side, price, cancellationToken);

    /// <summary>
    /// The kill switch: refuses every new order from now on, and cancels every order still working: those the notices
    /// show, those let through whose notices have not come yet, those in flight once their answer names them (awaited
    /// here), and unknown ones that one more reconciling finds (an unknown one it cannot find is reported
    /// <see cref="KisOrderOutcome.Unknown"/> and keeps counting). The cancels' results, one per order.
    /// </summary>
    public async Task<IReadOnlyList<KisOrderResult>> KillAsync(CancellationToken cancellationToken = default)
    {
        List<(string Number, KisProduct Product)> open;
        RiskGuardOrders.Flight[] flying;
        KisOrderResult[] unknown;
        var tracker = Book.Tracker;
        lock (_gate)
        {
            _killed = true;
            (flying, unknown) = _orders.Kill();
            open = [.. _orders.Working(tracker, withHoldings: _limits.DailyLossLimit is not null).Select(w => (w.Number, w.Product))];
        }
        LogKilled(_logger, open.Count, flying.Length, unknown.Length);
        var results = new List<KisOrderResult>(open.Count + flying.Length + unknown.Length);
        foreach (var (number, product) in open)
        {
            var cancel = new KisCancelRequest { Product = product, OriginalOrderNumber = number };
            results.Add(await _venue.CancelAsync(cancel, cancellationToken)); // on the caller's context, as PlaceAsync
        }
        foreach (var result in unknown)
            if (await CancelUnknownAsync(result, cancellationToken) is { } cancel) results.Add(cancel);
        // Each call in flight cancels what it placed when its answer comes (it owns that cancel); here its result is awaited.
        foreach (var flight in flying)
            if (await flight.Settled.Task.WaitAsync(cancellationToken) is { } cancel) results.Add(cancel);
        return results;
    }

    /// <summary>Turns the kill switch off: new orders are checked again.</summary>
    public void Resume()
    {
        lock (_gate) _killed = false;
    }

    private KisOrderResult Refuse(KisRiskCheck check, string why, string what)
    {
        Interlocked.Increment(ref _refusals[(int)check]);
        LogRefused(_logger, what, check, why);
        return new KisOrderResult
        {
            Outcome = KisOrderOutcome.Refused, RiskCheck = check, Refusal = new KisRefusal("", $"RISK_{check}", why, 0), Problem = why,
        };
    }

    [LoggerMessage(1141, LogLevel.Warning, "Risk guard refused {What} ({Check}): {Why}; not sent")]
    private static partial void LogRefused(ILogger logger, string what, KisRiskCheck check, string why);

    [LoggerMessage(1142, LogLevel.Warning,
        "Risk guard kill switch on: new orders refused, cancelling {Open} working order(s), {Flying} in flight when answered, {Unknown} unknown once found")]
    private static partial void LogKilled(ILogger logger, int open, int flying, int unknown);
}
