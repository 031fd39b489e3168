using System.Threading.Tasks.Sources;
using Kis.Realtime.Internal;
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
    // The continuation handed to the pump (one at a time: the next wait starts only once it ran), posted with the
    // feed as its state so that a delivery allocates nothing.
    private Action<object?>? _posted;
    private object? _postedState;
    private static readonly SendOrPostCallback RunPosted = static feed => ((BacktestFeed)feed!).RunContinuation();

    // A transient feed's copies of the records (Transient): one buffer, written in queue order, started over whenever
    // nothing is queued and the consumer holds no record; a full one is replaced (the records queued keep it alive).
    private const int ArenaSize = 16 * 1024;
    private byte[]? _arena;
    private int _arenaUsed;
    private bool _holding;

    public BacktestFeed(BacktestPump pump, TrDefinition tr, string key, IReadOnlySet<string> trIds, bool transient = false)
    {
        _pump = pump;
        Tr = tr;
        Key = key;
        TrIds = trIds;
        Transient = transient;
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
    public Kis.Realtime.Internal.GapChecks? GapChecks { get; set; }

    /// <summary>HTS IDs route regardless of case, as in a live session.</summary>
    public bool IgnoresKeyCase { get; }

    /// <summary>
    /// The consumer reads a record's bytes only until its next <see cref="WaitAsync"/> (a typed subscription decodes
    /// each record at once and never hands out its bytes): its records are copied into a reused buffer, not each into an
    /// array of its own. A subscription of raw records (<see cref="KisRecord"/> handed to the strategy, which may keep
    /// them) is not transient.
    /// </summary>
    public bool Transient { get; }

    /// <summary>Records waiting for the strategy.</summary>
    public int Pending
    {
        get
        {
            lock (_gate) return _queue.Count;
        }
    }

    /// <summary>Queues a record (one the consumer may keep: a venue notice, the driver's copy) and wakes a waiting consumer.</summary>
    public void Enqueue(KisRecord record)
    {
        lock (_gate)
        {
            if (_ended) return;
            _queue.Enqueue(record);
        }
        Wake();
    }

    /// <summary>
    /// Queues a record read from the recording (valid only during the call) and wakes a waiting consumer: a transient
    /// feed copies it into its buffer, any other takes <paramref name="copy"/>, made once for every such feed.
    /// </summary>
    public void Offer(TrDefinition tr, ReadOnlySpan<byte> record, DateTimeOffset at, ref byte[]? copy)
    {
        if (!Transient)
        {
            copy ??= record.ToArray();
            Enqueue(new KisRecord(tr, Key, at, copy));
            return;
        }
        lock (_gate)
        {
            if (_ended) return;
            _queue.Enqueue(new KisRecord(tr, Key, at, Keep(record)));
        }
        Wake();
    }

    /// <summary>A transient record's copy in the buffer (under the lock).</summary>
    private ReadOnlyMemory<byte> Keep(ReadOnlySpan<byte> record)
    {
        if (_queue.Count == 0 && !_holding) _arenaUsed = 0;
        if (_arena is null || _arena.Length - _arenaUsed < record.Length)
        {
            _arena = new byte[Math.Max(ArenaSize, record.Length)];
            _arenaUsed = 0;
        }
        var kept = _arena.AsMemory(_arenaUsed, record.Length);
        record.CopyTo(kept.Span);
        _arenaUsed += record.Length;
        return kept;
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
            _holding = false; // the consumer is done with the record it took last
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
        lock (_gate)
        {
            _holding = true;
            return _queue.Dequeue();
        }
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
        if (continuation is not null) Post(continuation, state);
    }

    private void Post(Action<object?> continuation, object? state)
    {
        lock (_gate)
        {
            _posted = continuation;
            _postedState = state;
        }
        _pump.Post(RunPosted, this);
    }

    private void RunContinuation()
    {
        Action<object?> continuation;
        object? state;
        lock (_gate)
        {
            continuation = _posted!;
            state = _postedState;
            _posted = null;
            _postedState = null;
        }
        continuation(state);
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
        if (now) Post(continuation, state);
    }
}
