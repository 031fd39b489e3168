using Kis.Realtime;

namespace Kis.Realtime.Samples;

/// <summary>
/// The sample strategy of docs/library.md, the same code over a recording (<c>KisBacktest</c>, <c>kisrt backtest</c>),
/// against <c>kisrt sim</c> and against KIS: data from an <see cref="IKisRealtimeClient"/>, orders to an
/// <see cref="IKisOrderVenue"/>, fills from the notices the venue's <see cref="KisOrderBook"/> follows.
/// <para>
/// A mean reversion on one stock's KRX trades: after <see cref="Window"/> trades, a trade more than
/// <see cref="Threshold"/> under their mean buys <see cref="Quantity"/> shares at that trade's price (a limit order,
/// so on the tick grid), one more than <see cref="Threshold"/> over it sells them, at most one order every
/// <see cref="Cooldown"/> trades and at most <see cref="MaxPosition"/> shares asked for. Its decisions depend on the
/// trades alone (what it asked for, not what filled), so a venue that fills differently still sees the same orders.
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
    /// <summary>Shares bought and not yet sold, as asked for, at most.</summary>
    public long MaxPosition { get; init; } = 5;
    /// <summary>Trades between two orders, at least.</summary>
    public int Cooldown { get; init; } = 10;

    private readonly List<KisOrderRequest> _sent = [];
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

    /// <summary>The venue's answers, in order.</summary>
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
        // Followed before the first order: a notice subscription reports what happens after it starts.
        var following = orders.Book.FollowAsync(data.SubscribeStockNoticesAsync(cancellationToken: stop.Token), stop.Token);
        var window = new Queue<decimal>();
        decimal sum = 0;
        long asked = 0, sinceLast = Cooldown;
        try
        {
            await foreach (var trade in data.SubscribeStockTradesAsync(Code, cancellationToken: cancellationToken))
            {
                Interlocked.Increment(ref _tradesSeen);
                sinceLast++;
                window.Enqueue(trade.Price);
                sum += trade.Price;
                if (window.Count > Window) sum -= window.Dequeue();
                if (window.Count < Window || sinceLast < Cooldown) continue;
                var mean = sum / Window;
                OrderSide? side = trade.Price < mean * (1 - Threshold) && asked + Quantity <= MaxPosition ? OrderSide.Buy
                    : trade.Price > mean * (1 + Threshold) && asked >= Quantity ? OrderSide.Sell
                    : null;
                if (side is not { } s) continue;
                var order = KisOrderRequest.Stock(Code, s, Quantity, trade.Price);
                asked += s == OrderSide.Buy ? Quantity : -Quantity;
                sinceLast = 0;
                lock (_sent) _sent.Add(order);
                var result = await orders.PlaceAsync(order, cancellationToken);
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
