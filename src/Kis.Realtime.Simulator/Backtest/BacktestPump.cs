namespace Kis.Realtime.Simulator.Backtest;

/// <summary>
/// The strategy's one thread of simulated time: every continuation of the strategy (its awaits captured this context)
/// and every answer, record and notice the backtest hands it is queued here, and the driver runs the queue dry before
/// the clock moves on. So the strategy sees the recording in order, one step at a time, and the same inputs give the
/// same calls in the same order: no wall clock, no thread pool race. Items posted from another thread (a strategy that
/// escaped to the thread pool) still run here, in order of arrival.
/// </summary>
internal sealed class BacktestPump : SynchronizationContext
{
    private QueueGate _gate = new(); // not read-only: a mutable struct
    private readonly Queue<(SendOrPostCallback Callback, object? State)> _work = new();
    private int _queued; // _work.Count, written under the lock, read without it by RunUntilIdle's first check

    /// <summary>Work items run so far.</summary>
    public long ItemsRun { get; private set; }

    private TaskCompletionSource _posted = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public override void Post(SendOrPostCallback d, object? state)
    {
        TaskCompletionSource posted;
        using (_gate.Enter())
        {
            _work.Enqueue((d, state));
            Volatile.Write(ref _queued, _work.Count);
            posted = _posted;
        }
        posted.TrySetResult();
    }

    /// <summary>
    /// Waits until an item is posted or <paramref name="done"/> completes, at most <paramref name="timeout"/>: how the end
    /// of a run waits for a strategy whose last steps went through the thread pool (a CancelAsync's callbacks). False on
    /// timeout.
    /// </summary>
    public async Task<bool> WaitForWorkAsync(Task done, TimeSpan timeout)
    {
        Task posted;
        using (_gate.Enter())
        {
            if (_work.Count > 0) return true;
            if (_posted.Task.IsCompleted) _posted = new(TaskCreationOptions.RunContinuationsAsynchronously);
            posted = _posted.Task;
        }
        try
        {
            await Task.WhenAny(posted, done).WaitAsync(timeout).ConfigureAwait(false);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    public override void Send(SendOrPostCallback d, object? state) =>
        throw new NotSupportedException("A backtest runs the strategy on one queue: Send would block it.");

    public override SynchronizationContext CreateCopy() => this;

    /// <summary>Runs <paramref name="start"/> as the first item (the strategy's entry), then the queue dry.</summary>
    public T Start<T>(Func<T> start)
    {
        var previous = Current;
        SetSynchronizationContext(this);
        try
        {
            return start();
        }
        finally
        {
            SetSynchronizationContext(previous);
        }
    }

    /// <summary>Runs queued items on this thread until none is left (what they post runs too); returns how many ran.</summary>
    public int RunUntilIdle()
    {
        // Most steps (a book nobody subscribes to) post nothing: no lock and no context switch for them. An item posted
        // from another thread right now is run at the next call, as one posted just after the last check always was.
        if (Volatile.Read(ref _queued) == 0) return 0;
        var ran = 0;
        var previous = Current;
        SetSynchronizationContext(this);
        try
        {
            while (true)
            {
                // Most items (a trade for the strategy) post nothing: the queue is told empty without the lock, as above.
                if (Volatile.Read(ref _queued) == 0) return ran;
                (SendOrPostCallback Callback, object? State) item;
                using (_gate.Enter())
                {
                    if (!_work.TryDequeue(out item)) return ran;
                    Volatile.Write(ref _queued, _work.Count);
                }
                item.Callback(item.State);
                ran++;
                ItemsRun++;
            }
        }
        finally
        {
            SetSynchronizationContext(previous);
        }
    }
}
