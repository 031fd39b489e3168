using System.Runtime.CompilerServices;

namespace Kis.Realtime.Simulator.Backtest;

/// <summary>
/// One subscription of a backtest's strategy: the records routed to it, queued until the strategy asks. A waiting
/// consumer (<see cref="BacktestSubscription{TOut, TReader}"/>) is called back on the <see cref="BacktestPump"/>, never
/// inline in the driver's call, so the strategy's loop never runs beside the driver. One consumer; the driver and the
/// consumer both run on the pump, the lock only guards against a strategy that left it.
/// </summary>
internal sealed class BacktestFeed
{
    private QueueGate _gate = new(); // not read-only: a mutable struct
    // Queued as values: a typed subscription decodes a record's bytes and never needs a KisRecord object (one a trade).
    private readonly Queue<BacktestEntry> _queue = new();
    private readonly BacktestPump _pump;
    // The waiting consumer's callback (TryTake found nothing): posted to the pump, once, when a record or the end comes.
    private SendOrPostCallback? _waiter;
    private object? _waiterState;
    private bool _ended;
    private Exception? _error;

    // A transient feed's copies of the records (Transient): one buffer, written in queue order, started over whenever
    // nothing is queued and the consumer holds no record; a full one is replaced (the records queued keep it alive).
    private const int ArenaSize = 16 * 1024;
    private byte[]? _arena;
    private int _arenaUsed;
    private bool _holding;

    // A typed StockTrade subscription's trades decoded ahead (PreparedBlock), each in a box of its own while queued or
    // held by the consumer; boxes go round (no allocation a trade).
    private readonly Stack<StrongBox<StockTrade>> _freeTrades = new();
    private StrongBox<StockTrade>? _heldTrade;

    public BacktestFeed(BacktestPump pump, TrDefinition tr, string key, IReadOnlySet<string> trIds, bool transient = false,
        bool takesDecodedTrades = false)
    {
        TakesDecodedTrades = takesDecodedTrades;
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

    /// <summary>The consumer reads <see cref="StockTrade"/>s: a trade decoded ahead is queued with its record.</summary>
    public bool TakesDecodedTrades { get; }

    /// <summary>Records waiting for the strategy.</summary>
    public int Pending
    {
        get
        {
            using (_gate.Enter()) return _queue.Count;
        }
    }

    /// <summary>Queues a record (one the consumer may keep: a venue notice, the driver's copy) and wakes a waiting consumer.</summary>
    public void Enqueue(KisRecord record)
    {
        SendOrPostCallback? waiter;
        object? state;
        using (_gate.Enter())
        {
            if (_ended) return;
            _queue.Enqueue(new BacktestEntry(record.Tr, record.ReceivedAt, record.Data, record));
            waiter = WakeLocked(out state);
        }
        if (waiter is not null) _pump.Post(waiter, state);
    }

    /// <summary>Queues a record (valid only during the call) with no trade decoded ahead: as the overload below.</summary>
    public void Offer(TrDefinition tr, ReadOnlySpan<byte> record, DateTimeOffset at, ref byte[]? copy) =>
        Offer(tr, record, at, ref copy, false, Unsafe.NullRef<StockTrade>()); // read only when decoded

    /// <summary>
    /// Queues a record read from the recording (valid only during the call) and wakes a waiting consumer: a transient
    /// feed copies it into its buffer, any other takes <paramref name="copy"/>, made once for every such feed. A trade
    /// decoded ahead (<paramref name="decoded"/>: <paramref name="trade"/> holds it) goes with it to a feed that <see cref="TakesDecodedTrades"/>.
    /// </summary>
    public void Offer(TrDefinition tr, ReadOnlySpan<byte> record, DateTimeOffset at, ref byte[]? copy, bool decoded, in StockTrade trade)
    {
        if (!Transient)
        {
            copy ??= record.ToArray();
            Enqueue(new KisRecord(tr, Key, at, copy));
            return;
        }
        SendOrPostCallback? waiter;
        object? state;
        using (_gate.Enter())
        {
            if (_ended) return;
            StrongBox<StockTrade>? box = null;
            if (decoded && TakesDecodedTrades)
            {
                box = _freeTrades.TryPop(out var free) ? free : new StrongBox<StockTrade>();
                box.Value = trade;
            }
            _queue.Enqueue(new BacktestEntry(tr, at, Keep(record), null, box));
            waiter = WakeLocked(out state);
        }
        if (waiter is not null) _pump.Post(waiter, state);
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
        SendOrPostCallback? waiter;
        object? state;
        using (_gate.Enter())
        {
            if (_ended) return;
            _ended = true;
            _error = error;
            waiter = WakeLocked(out state);
        }
        if (waiter is not null) _pump.Post(waiter, state);
    }

    /// <summary>What <see cref="TryTake"/> found.</summary>
    public enum Read { Record, End, Waiting }

    /// <summary>
    /// The next record (the one taken before is no longer read); or the end (<see cref="Read.End"/>, throwing the
    /// feed's error if it ended with one) once the queue is empty; or, nothing queued yet, <see cref="Read.Waiting"/>:
    /// <paramref name="ready"/> is then posted to the pump with <paramref name="state"/> once a record or the end comes,
    /// never run inline in the driver's call.
    /// </summary>
    public Read TryTake(SendOrPostCallback ready, object? state, out BacktestEntry record)
    {
        Exception? error;
        using (_gate.Enter())
        {
            _holding = false;
            if (_heldTrade is not null) _freeTrades.Push(_heldTrade); // the consumer is done with the trade it took last
            if (_queue.TryDequeue(out var taken))
            {
                _holding = true;
                _heldTrade = taken.Trade;
                record = taken;
                return Read.Record;
            }
            _heldTrade = null;
            record = default;
            if (!_ended)
            {
                _waiter = ready;
                _waiterState = state;
                return Read.Waiting;
            }
            error = _error;
        }
        if (error is not null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(error);
        return Read.End;
    }

    /// <summary>The waiting consumer's callback, taken (under the lock): it is posted once.</summary>
    private SendOrPostCallback? WakeLocked(out object? state)
    {
        var waiter = _waiter;
        state = _waiterState;
        _waiter = null;
        _waiterState = null;
        return waiter;
    }

    /// <summary>The next record, or false at the end. Completes synchronously when one is queued.</summary>
    public ValueTask<bool> WaitAsync()
    {
        using (_gate.Enter())
        {
            _holding = false; // the consumer is done with the record it took last
            if (_queue.Count > 0) return new ValueTask<bool>(true);
            if (_ended) return _error is null ? new ValueTask<bool>(false) : ValueTask.FromException<bool>(_error);
            // Nothing queued: a task completed on the pump when something comes (the subscriptions use TryTake).
            var waited = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiter = state => Complete((TaskCompletionSource<bool>)state!);
            _waiterState = waited;
            return new ValueTask<bool>(waited.Task);
        }
    }

    private void Complete(TaskCompletionSource<bool> waited)
    {
        bool queued;
        Exception? error;
        using (_gate.Enter()) (queued, error) = (_queue.Count > 0, _error);
        if (queued) waited.TrySetResult(true);
        else if (error is not null) waited.TrySetException(error);
        else waited.TrySetResult(false);
    }

    /// <summary>Takes the next record (after <see cref="WaitAsync"/> said there is one).</summary>
    public KisRecord Take()
    {
        using (_gate.Enter())
        {
            _holding = true;
            return _queue.Dequeue().ToRecord(Key);
        }
    }
}

/// <summary>
/// A queued record: its TR, receive time and bytes (in a transient feed's buffer, or its own), the
/// <see cref="KisRecord"/> it was queued as, if any (a venue notice, a raw subscription's copy), and its
/// <see cref="StockTrade"/> if it was decoded ahead (valid until the consumer takes the next record).
/// </summary>
internal readonly record struct BacktestEntry(TrDefinition Tr, DateTimeOffset ReceivedAt, ReadOnlyMemory<byte> Data, KisRecord? Record,
    StrongBox<StockTrade>? Trade = null)
{
    /// <summary>The record as a <see cref="KisRecord"/> (the one queued, else one made now).</summary>
    public KisRecord ToRecord(string key) => Record ?? new KisRecord(Tr, key, ReceivedAt, Data);
}
