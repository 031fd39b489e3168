namespace Kis.Realtime;

/// <summary>
/// The orders of one venue joined with their notices: <see cref="KisOrderTracker"/> underneath, plus waiters, so a
/// <see cref="KisOrderHandle"/> awaits a state ("filled or done") without the caller correlating notices. Feed it every
/// notice of the account, from the moment before the first order (a notice subscription reports what happens after it
/// starts). Thread-safe; waiters are completed outside its lock and continue asynchronously.
/// </summary>
public sealed class KisOrderBook
{
    private readonly Lock _gate = new();
    private readonly List<Waiter> _waiters = [];

    /// <summary>The orders' states from the notices.</summary>
    public KisOrderTracker Tracker { get; } = new();

    /// <summary>Notices applied.</summary>
    public long NoticesApplied => Interlocked.Read(ref _applied);

    private long _applied;

    /// <summary>Applies a stock notice (see <see cref="KisOrderTracker.Apply(in StockNotice)"/>) and wakes the handles it concerns.</summary>
    public KisOrderState Apply(in StockNotice notice)
    {
        var state = Tracker.Apply(notice);
        Applied();
        return state;
    }

    /// <summary>Applies a futures/options notice and wakes the handles it concerns.</summary>
    public KisOrderState Apply(in FuturesOptionsNotice notice)
    {
        var state = Tracker.Apply(notice);
        Applied();
        return state;
    }

    /// <summary>Applies every notice of <paramref name="notices"/> until it ends or <paramref name="cancellationToken"/> fires (then returns).</summary>
    public async Task FollowAsync(IAsyncEnumerable<StockNotice> notices, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(notices);
        try
        {
            await foreach (var notice in notices.WithCancellation(cancellationToken).ConfigureAwait(false)) Apply(notice);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Asked to stop.
        }
    }

    /// <summary>Applies every notice of <paramref name="notices"/> until it ends or <paramref name="cancellationToken"/> fires (then returns).</summary>
    public async Task FollowAsync(IAsyncEnumerable<FuturesOptionsNotice> notices, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(notices);
        try
        {
            await foreach (var notice in notices.WithCancellation(cancellationToken).ConfigureAwait(false)) Apply(notice);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Asked to stop.
        }
    }

    /// <summary>A handle on order <paramref name="orderNumber"/> (whether or not a notice has named it yet).</summary>
    public KisOrderHandle Handle(string orderNumber, KisProduct product)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(orderNumber);
        return new KisOrderHandle(this, orderNumber.Trim(), product);
    }

    /// <summary>Completes when order <paramref name="orderNumber"/>'s state satisfies <paramref name="condition"/> (at once if it already does).</summary>
    internal Task<KisOrderState> WaitAsync(string orderNumber, Func<KisOrderState, bool> condition, CancellationToken cancellationToken)
    {
        var waiter = new Waiter(orderNumber, condition);
        lock (_gate) _waiters.Add(waiter);
        // Checked after registering: a notice applied in between is then seen by one of the two.
        if (Tracker.Find(orderNumber) is { } now && condition(now)) Complete(waiter, now);
        if (!cancellationToken.CanBeCanceled) return waiter.Done.Task;
        var registration = cancellationToken.Register(() =>
        {
            lock (_gate) _waiters.Remove(waiter);
            waiter.Done.TrySetCanceled(cancellationToken);
        });
        _ = waiter.Done.Task.ContinueWith(_ => registration.Dispose(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
        return waiter.Done.Task;
    }

    private void Applied()
    {
        Interlocked.Increment(ref _applied);
        Waiter[] waiting;
        lock (_gate)
        {
            if (_waiters.Count == 0) return;
            waiting = [.. _waiters];
        }
        // Conditions run outside the lock: one notice can change two orders (an amendment replaces its original).
        foreach (var waiter in waiting)
            if (Tracker.Find(waiter.OrderNumber) is { } state && waiter.Condition(state)) Complete(waiter, state);
    }

    private void Complete(Waiter waiter, KisOrderState state)
    {
        lock (_gate) _waiters.Remove(waiter);
        waiter.Done.TrySetResult(state);
    }

    private sealed record Waiter(string OrderNumber, Func<KisOrderState, bool> Condition)
    {
        public readonly TaskCompletionSource<KisOrderState> Done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}

/// <summary>One order followed through its notices: its state now, and awaitable states ("filled or done").</summary>
public sealed class KisOrderHandle
{
    private readonly KisOrderBook _book;

    internal KisOrderHandle(KisOrderBook book, string orderNumber, KisProduct product)
    {
        _book = book;
        OrderNumber = orderNumber;
        Product = product;
    }

    /// <summary>KIS's order number (ODNO).</summary>
    public string OrderNumber { get; }

    /// <summary>Stock or futures/options.</summary>
    public KisProduct Product { get; }

    /// <summary>Its state as the notices so far tell it; null before the first.</summary>
    public KisOrderState? State => _book.Tracker.Find(OrderNumber);

    /// <summary>Completes when nothing of it can fill any more (filled, cancelled, replaced by an amendment, rejected).</summary>
    public Task<KisOrderState> WaitDoneAsync(CancellationToken cancellationToken = default)
        => _book.WaitAsync(OrderNumber, s => s.IsDone, cancellationToken);

    /// <summary>Completes when its state satisfies <paramref name="condition"/> (e.g. <c>s =&gt; s.FilledQuantity &gt; 0</c>).</summary>
    public Task<KisOrderState> WaitAsync(Func<KisOrderState, bool> condition, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(condition);
        return _book.WaitAsync(OrderNumber, condition, cancellationToken);
    }

    /// <summary>"0000012345 Filled 10/10".</summary>
    public override string ToString() => State is { } s ? $"{OrderNumber} {s.Status} {s.FilledQuantity}/{s.Quantity}" : $"{OrderNumber} (no notice yet)";
}
