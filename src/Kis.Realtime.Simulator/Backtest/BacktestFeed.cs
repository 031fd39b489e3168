using System.Threading.Tasks.Sources;
using Kis.Realtime.Protocol;

namespace Kis.Realtime.Simulator.Backtest;

/// <summary>
/// One subscription of a backtest's strategy: the records routed to it, queued until the strategy asks. A waiting
/// <c>MoveNextAsync</c> continues on the <see cref="BacktestPump"/> whatever its awaiter asked
/// (<c>ConfigureAwait(false)</c> included), so the strategy's loop never runs beside the driver. One consumer; the
/// driver and the consumer both run on the pump, the lock only guards against a strategy that left it.
/// </summary>
internal sealed class BacktestFeed : IValueTaskSource<bool>
{
    private readonly Lock _gate = new();
    private readonly Queue<KisRecord> _queue = new();
    private readonly BacktestPump _pump;
    private Action<object?>? _continuation;
    private object? _continuationState;
    private short _version;
    private bool _waiting, _ended, _signalled;
    private Exception? _error;

    public BacktestFeed(BacktestPump pump, TrDefinition tr, string key, IReadOnlySet<string> trIds)
    {
        _pump = pump;
        Tr = tr;
        Key = key;
        TrIds = trIds;
        KeyBytes = System.Text.Encoding.UTF8.GetBytes(key);
        IgnoresKeyCase = tr.KeyFormat == TrKeyFormat.HtsId;
    }

    /// <summary>The TR subscribed (what its records are decoded as).</summary>
    public TrDefinition Tr { get; }

    /// <summary>The TR ids this feed takes (the TR's real and paper ids: a recording holds either).</summary>
    public IReadOnlySet<string> TrIds { get; }

    public string Key { get; }

    public byte[] KeyBytes { get; }

    /// <summary>This subscription's gap checks (per recorded TR id), as a replay's.</summary>
    public Kis.Realtime.GapChecks? GapChecks { get; set; }

    /// <summary>HTS IDs route regardless of case, as in a live session.</summary>
    public bool IgnoresKeyCase { get; }

    /// <summary>Records waiting for the strategy.</summary>
    public int Pending
    {
        get
        {
            lock (_gate) return _queue.Count;
        }
    }

    /// <summary>Queues a record (the driver's copy) and wakes a waiting consumer.</summary>
    public void Enqueue(KisRecord record)
    {
        lock (_gate)
        {
            if (_ended) return;
            _queue.Enqueue(record);
        }
        Wake();
    }

    /// <summary>No more records: a waiting consumer's loop ends after what is queued.</summary>
    public void End(Exception? error = null)
    {
        lock (_gate)
        {
            if (_ended) return;
            _ended = true;
            _error = error;
        }
        Wake();
    }

    /// <summary>The next record, or false at the end. Completes synchronously when one is queued.</summary>
    public ValueTask<bool> WaitAsync()
    {
        lock (_gate)
        {
            if (_queue.Count > 0) return new ValueTask<bool>(true);
            if (_ended) return _error is null ? new ValueTask<bool>(false) : ValueTask.FromException<bool>(_error);
            _waiting = true;
            _signalled = false;
            _continuation = null;
            return new ValueTask<bool>(this, _version);
        }
    }

    /// <summary>Takes the next record (after <see cref="WaitAsync"/> said there is one).</summary>
    public KisRecord Take()
    {
        lock (_gate) return _queue.Dequeue();
    }

    private void Wake()
    {
        Action<object?>? continuation;
        object? state;
        lock (_gate)
        {
            if (!_waiting) return;
            _waiting = false;
            _signalled = true;
            continuation = _continuation;
            state = _continuationState;
            _continuation = null;
        }
        // Always through the pump: never inline in the driver's call, never on the thread pool.
        if (continuation is not null) _pump.Post(static s => { var (c, st) = ((Action<object?>, object?))s!; c(st); }, (continuation, state));
    }

    public bool GetResult(short token)
    {
        lock (_gate)
        {
            if (token != _version) throw new InvalidOperationException("A backtest feed's wait was awaited twice.");
            _version++;
            if (_queue.Count > 0) return true;
            if (_error is not null) throw _error;
            return false;
        }
    }

    public ValueTaskSourceStatus GetStatus(short token)
    {
        lock (_gate)
        {
            if (token != _version) return ValueTaskSourceStatus.Succeeded;
            if (!_signalled) return ValueTaskSourceStatus.Pending;
            return _queue.Count == 0 && _error is not null ? ValueTaskSourceStatus.Faulted : ValueTaskSourceStatus.Succeeded;
        }
    }

    public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags)
    {
        bool now;
        lock (_gate)
        {
            now = _signalled;
            if (!now)
            {
                _continuation = continuation;
                _continuationState = state;
            }
        }
        if (now) _pump.Post(static s => { var (c, st) = ((Action<object?>, object?))s!; c(st); }, (continuation, state));
    }
}
