using System.Runtime.CompilerServices;
using System.Threading.Tasks.Sources;

namespace Kis.Realtime.Simulator.Backtest;

/// <summary>How a subscription turns the records of its feed into what it yields (false: not decodable, counted).</summary>
internal interface IBacktestRecordReader<TOut>
{
    /// <summary>The value of <paramref name="record"/> (whose bytes are valid until the consumer asks for the next).</summary>
    static abstract bool TryRead(in BacktestEntry record, string key, out TOut value);

    /// <summary>Whether the values are <see cref="StockTrade"/>s, so a trade decoded ahead (<see cref="BacktestEntry.Trade"/>) serves.</summary>
    static abstract bool TakesDecodedTrades { get; }
}

/// <summary>A typed subscription's values: each record decoded (or its trade decoded ahead, taken as it is).</summary>
internal readonly struct DecodedReader<T> : IBacktestRecordReader<T> where T : struct, IKisRecord<T>
{
    public static bool TryRead(in BacktestEntry record, string key, out T value)
    {
        // typeof(T) is a constant of each instantiation: the test and the cast cost nothing.
        if (typeof(T) == typeof(StockTrade) && record.Trade is { } decoded)
        {
            value = Unsafe.As<StockTrade, T>(ref decoded.Value);
            return true;
        }
        return T.TryDecode(record.Tr, record.Data.Span, out value, out _);
    }

    public static bool TakesDecodedTrades => typeof(T) == typeof(StockTrade);
}

/// <summary>A typed subscription's values with their receive time.</summary>
internal readonly struct ReceivedReader<T> : IBacktestRecordReader<KisReceived<T>> where T : struct, IKisRecord<T>
{
    public static bool TryRead(in BacktestEntry record, string key, out KisReceived<T> value)
    {
        var decoded = DecodedReader<T>.TryRead(record, key, out var item);
        value = decoded ? new KisReceived<T>(item, record.ReceivedAt) : default;
        return decoded;
    }

    public static bool TakesDecodedTrades => DecodedReader<T>.TakesDecodedTrades;
}

/// <summary>Raw records, as they are (a copy of their own: the strategy may keep them).</summary>
internal readonly struct RawReader : IBacktestRecordReader<KisRecord>
{
    public static bool TryRead(in BacktestEntry record, string key, out KisRecord value)
    {
        value = record.ToRecord(key);
        return true;
    }

    public static bool TakesDecodedTrades => false;
}

/// <summary>
/// One subscription of a backtest's strategy (<see cref="BacktestClient"/>'s SubscribeAsync and the others): what the
/// async iterators over the feed did, without their layers. A record already queued is read at once (the
/// <c>MoveNextAsync</c> completes synchronously); otherwise the wait is the feed's, whose continuation the feed posts
/// to the <see cref="BacktestPump"/>, and that one step takes and reads the record and resumes the strategy where it
/// stands, on the pump: one queue round a record, as the strategy's own await alone took before, and no state machine
/// of ours. The subscription starts at the first <c>MoveNextAsync</c> and ends (unregisters) when its records end, it
/// fails, or it is disposed, as the iterator did.
/// </summary>
internal sealed class BacktestSubscription<TOut, TReader>(BacktestClient client, TrDefinition tr, string key, bool transient,
    CancellationToken cancellationToken) : IAsyncEnumerable<TOut>
    where TReader : IBacktestRecordReader<TOut>
{
    public IAsyncEnumerator<TOut> GetAsyncEnumerator(CancellationToken enumeratorToken = default) =>
        new Enumerator(client, tr, key, transient, cancellationToken, enumeratorToken);

    private sealed class Enumerator(BacktestClient client, TrDefinition tr, string key, bool transient,
        CancellationToken cancellationToken, CancellationToken enumeratorToken) : IAsyncEnumerator<TOut>, IValueTaskSource<bool>
    {
        // Posted by the feed when a record (or the end) comes to a waiting subscription; no allocation a record.
        private static readonly SendOrPostCallback Ready = static state => ((Enumerator)state!).FeedReady();
        // The continuation slot once the wait completed: whoever comes second (the strategy's OnCompleted or FeedReady)
        // resumes the strategy.
        private static readonly Action<object?> Completed = static _ => throw new InvalidOperationException("not a continuation");

        private BacktestFeed? _feed;
        private CancellationTokenSource? _linked;
        private CancellationTokenRegistration _registration;
        private bool _finished;
        private TOut _current = default!;
        // The wait in flight (MoveNextAsync returned pending).
        private Action<object?>? _continuation;
        private object? _continuationState;
        private short _version;
        private bool _result;
        private Exception? _error;

        public TOut Current => _current;

        public ValueTask<bool> MoveNextAsync()
        {
            if (_finished) return new ValueTask<bool>(false);
            try
            {
                _feed ??= Start();
                _continuation = null;
                _error = null;
                while (true)
                {
                    switch (_feed.TryTake(Ready, this, out var record))
                    {
                        case BacktestFeed.Read.Waiting:
                            return new ValueTask<bool>(this, _version);
                        case BacktestFeed.Read.End:
                            return new ValueTask<bool>(Finish(false));
                        default:
                            if (TryRead(record)) return new ValueTask<bool>(true);
                            break; // not decodable (counted): the next one
                    }
                }
            }
            catch (Exception e)
            {
                Finish(false);
                return ValueTask.FromException<bool>(e);
            }
        }

        /// <summary>Reads a record taken into <see cref="Current"/>; false when it does not decode (counted).</summary>
        private bool TryRead(in BacktestEntry record)
        {
            client.Counters.Delivered();
            // Decoded straight into Current: a typed record (a StockTrade is about 500 bytes) is not copied once more. A
            // record that does not decode leaves Current at its default, read by nobody: the loop goes on to the next.
            if (TReader.TryRead(record, key, out _current)) return true;
            client.Counters.DecodeError();
            return false;
        }

        private BacktestFeed Start()
        {
            var feed = client.Open(tr, key, transient, TReader.TakesDecodedTrades);
            _linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, enumeratorToken, client.Disposed);
            // Already cancelled: the callback runs now, and the first wait ends with it (after what is queued, as any).
            _registration = _linked.Token.Register(static (state, cancelled) => ((BacktestFeed)state!).End(new OperationCanceledException(cancelled)), feed);
            return feed;
        }

        /// <summary>The subscription is over: unregistered (once); returns <paramref name="result"/>.</summary>
        private bool Finish(bool result)
        {
            if (_finished) return result;
            _finished = true;
            _registration.Dispose();
            _linked?.Dispose();
            if (_feed is not null) client.Close(_feed);
            return result;
        }

        /// <summary>The feed has a record, its end or its error: runs on the pump (the feed posted it).</summary>
        private void FeedReady()
        {
            try
            {
                while (true)
                {
                    switch (_feed!.TryTake(Ready, this, out var record))
                    {
                        case BacktestFeed.Read.Waiting:
                            return; // the records that came did not decode: posted again at the next
                        case BacktestFeed.Read.End:
                            Complete(Finish(false), null);
                            return;
                        default:
                            if (TryRead(record))
                            {
                                Complete(true, null);
                                return;
                            }
                            break;
                    }
                }
            }
            catch (Exception e)
            {
                Finish(false);
                Complete(false, e);
            }
        }

        private void Complete(bool result, Exception? error)
        {
            _result = result;
            _error = error;
            var continuation = Interlocked.Exchange(ref _continuation, Completed);
            // On the pump already: the strategy resumes here, no second queue round. Not yet asked for (a strategy off
            // the pump between its MoveNextAsync and its await): OnCompleted posts it.
            continuation?.Invoke(_continuationState);
        }

        public ValueTaskSourceStatus GetStatus(short token)
        {
            if (token != _version) return ValueTaskSourceStatus.Succeeded;
            if (!ReferenceEquals(Volatile.Read(ref _continuation), Completed)) return ValueTaskSourceStatus.Pending;
            return _error is null ? ValueTaskSourceStatus.Succeeded
                : _error is OperationCanceledException ? ValueTaskSourceStatus.Canceled : ValueTaskSourceStatus.Faulted;
        }

        public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags)
        {
            if (token != _version) throw new InvalidOperationException("A backtest subscription's wait was awaited twice.");
            _continuationState = state;
            var previous = Interlocked.CompareExchange(ref _continuation, continuation, null);
            if (previous is null) return;
            if (!ReferenceEquals(previous, Completed)) throw new InvalidOperationException("A backtest subscription's wait was awaited twice.");
            // Completed before the strategy (off the pump) asked: it still resumes on the pump.
            PostToPump(client.Pump, continuation, state);
        }

        // A method of its own: a lambda over OnCompleted's parameters had the compiler allocate their closure at the
        // method's entry, at every wait of the strategy (32 B a trade), though it is needed only here.
        private static void PostToPump(BacktestPump pump, Action<object?> continuation, object? state) =>
            pump.Post(static s => ((Action)s!)(), () => continuation(state));

        public bool GetResult(short token)
        {
            if (token != _version || !ReferenceEquals(_continuation, Completed))
                throw new InvalidOperationException("A backtest subscription's wait was read before it completed, or twice.");
            _version++;
            _continuation = null;
            if (_error is { } error)
            {
                _error = null;
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(error);
            }
            return _result;
        }

        public ValueTask DisposeAsync()
        {
            Finish(false);
            return ValueTask.CompletedTask;
        }
    }
}
