namespace Kis.Realtime.Samples;

/// <summary>
/// The sample strategy of docs/library.md, the same code over a recording (<c>KisBacktest</c>, <c>kisrt backtest</c>),
/// against <c>kisrt sim</c> and against KIS: data from an <see cref="IKisRealtimeClient"/>, orders to an
/// <see cref="IKisOrderVenue"/>, fills from the notices the venue's <see cref="KisOrderBook"/> follows.
/// <para>
/// A mean reversion on one stock's KRX trades: after <see cref="Window"/> trades, a trade more than
/// <see cref="Threshold"/> under their mean buys <see cref="Quantity"/> shares at that trade's price (a limit order,
/// so on the tick grid), one more than <see cref="Threshold"/> over it sells what it holds of them, at most one order
/// every <see cref="Cooldown"/> trades (a signal, whether it sent an order or not).
/// </para>
/// <para>
/// Every order goes through a <see cref="KisRiskGuard"/> with <see cref="MaxPosition"/> (and <see cref="Limits"/>):
/// the position is the one the venue's notices report, with the orders still working, never a running total of what
/// the strategy asked for: a refused or unfilled sell must not make room for another buy. Its signals
/// (<see cref="Signals"/>) depend on the trades alone; what it sends depends on what it holds.
/// </para>
/// </summary>
public sealed class MeanReversionStrategy
{
    /// <summary>The stock traded.</summary>
    public string Code { get; init; } = "005930";
    /// <summary>Trades in the mean.</summary>
    public int Window { get; init; } = 20;
    /// <summary>How far from the mean (a fraction) a trade must be to act.</summary>
    public decimal Threshold { get; init; } = 0.002m;
    /// <summary>Shares an order.</summary>
    public long Quantity { get; init; } = 1;
    /// <summary>Shares held, with the buys still working, at most (the risk guard's <see cref="KisRiskLimits.MaxPosition"/>).</summary>
    public long MaxPosition { get; init; } = 5;
    /// <summary>More pre-trade limits; its <see cref="KisRiskLimits.MaxPosition"/> is replaced by <see cref="MaxPosition"/>.</summary>
    public KisRiskLimits Limits { get; init; } = new();
    /// <summary>Trades between two orders, at least.</summary>
    public int Cooldown { get; init; } = 10;

    private readonly List<KisOrderRequest> _sent = [];
    private readonly List<(long Trade, OrderSide Side, decimal Price)> _signals = [];
    private readonly List<KisOrderResult> _results = [];
    private long _tradesSeen;

    /// <summary>The orders sent, in order.</summary>
    public IReadOnlyList<KisOrderRequest> Sent
    {
        get
        {
            lock (_sent) return [.. _sent];
        }
    }

    /// <summary>Each trade (its number, from 1) at which the strategy wanted to act, the side and the price: the trades' alone.</summary>
    public IReadOnlyList<(long Trade, OrderSide Side, decimal Price)> Signals
    {
        get
        {
            lock (_sent) return [.. _signals];
        }
    }

    /// <summary>The risk guard of the last run (its refusals: <see cref="KisRiskGuard.Refused"/>).</summary>
    public KisRiskGuard? Guard { get; private set; }

    /// <summary>The venue's answers (the guard's refusals included), in order.</summary>
    public IReadOnlyList<KisOrderResult> Results
    {
        get
        {
            lock (_sent) return [.. _results];
        }
    }

    /// <summary>Trades read so far (a live run's test waits on it).</summary>
    public long TradesSeen => Interlocked.Read(ref _tradesSeen);

    /// <summary>Runs until the trade subscription ends (a recording's end) or <paramref name="cancellationToken"/> fires.</summary>
    public async Task RunAsync(IKisRealtimeClient data, IKisOrderVenue orders, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(orders);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var guard = Guard = new KisRiskGuard(orders, Limits with { MaxPosition = MaxPosition });
        // Followed before the first order: a notice subscription reports what happens after it starts.
        var following = orders.Book.FollowAsync(data.SubscribeStockNoticesAsync(cancellationToken: stop.Token), stop.Token);
        var window = new Queue<decimal>();
        decimal sum = 0;
        long sinceLast = Cooldown;
        decimal under = 1 - Threshold, over = 1 + Threshold; // once, not at every trade: decimal arithmetic is not free
        try
        {
            await foreach (var trade in data.SubscribeStockTradesAsync(Code, cancellationToken: cancellationToken))
            {
                var seen = Interlocked.Increment(ref _tradesSeen);
                guard.OnTrade(Code, trade.Price);
                sinceLast++;
                window.Enqueue(trade.Price);
                sum += trade.Price;
                if (window.Count > Window) sum -= window.Dequeue();
                if (window.Count < Window || sinceLast < Cooldown) continue;
                var mean = sum / Window;
                OrderSide? side = trade.Price < mean * under ? OrderSide.Buy : trade.Price > mean * over ? OrderSide.Sell : null;
                if (side is not { } s) continue;
                lock (_sent) _signals.Add((seen, s, trade.Price));
                sinceLast = 0; // at every signal, sent or not: the signals stay the trades' alone
                // A sell sells what the notices say is held (a long-only strategy); a buy is the guard's to refuse.
                var quantity = s == OrderSide.Buy ? Quantity : Math.Min(Quantity, guard.Position(Code));
                if (quantity <= 0) continue;
                var order = KisOrderRequest.Stock(Code, s, quantity, trade.Price);
                lock (_sent) _sent.Add(order);
                var result = await guard.PlaceAsync(order, cancellationToken);
                lock (_sent) _results.Add(result);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopped from outside (a live run): what was sent is in Sent.
        }
        finally
        {
            // Cancel, not CancelAsync: the notice loop ends on this thread (a backtest's one queue), not the thread pool's.
            stop.Cancel();
            await following;
        }
    }
}
