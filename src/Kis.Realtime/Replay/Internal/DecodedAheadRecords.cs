namespace Kis.Realtime.Internal;

/// <summary>
/// An unpaced subscription's records, decoded ahead of the subscriber's loop (on one task, <see cref="DecodedBatches{T}"/>,
/// or on parallel workers, <see cref="ParallelDecodedBatches{T,TDecoder}"/>), so reading, decoding and the subscriber's
/// own work run side by side.
/// <para>
/// Written by hand rather than as an async iterator: <see cref="IAsyncEnumerator{T}.Current"/> reads the record
/// straight from its batch, where an iterator copies every record into its state (a view of several hundred bytes,
/// with the GC's write barrier), and a record already decoded is handed out without an await.
/// </para>
/// </summary>
internal sealed class DecodedAheadRecords<TOut, TDecoder>(KisReplayClient client, IReadOnlySet<string> trIds, string key, TDecoder decoder,
    CancellationToken subscribeToken) : IAsyncEnumerable<TOut>
    where TDecoder : struct, IReplayDecoder<TOut>
{
    public IAsyncEnumerator<TOut> GetAsyncEnumerator(CancellationToken cancellationToken = default) =>
        new Enumerator(client, trIds, key, decoder, CancellationTokenSource.CreateLinkedTokenSource(subscribeToken, cancellationToken));

    private sealed class Enumerator(KisReplayClient client, IReadOnlySet<string> trIds, string key, TDecoder decoder, CancellationTokenSource callerTokens)
        : IAsyncEnumerator<TOut>
    {
        [System.Diagnostics.CodeAnalysis.SuppressMessage("Usage", "CA2213", Justification = "The replay client that made this enumerator owns it")]
        private readonly KisReplayClient _client = client;
        private CancellationTokenSource? _linked, _stop;
        private CancellationToken _token;
        private IDecodedBatches<TOut>? _batches;
        private Task? _decoding;
        private DecodedBatch<TOut>? _batch;
        private int _index;
        private long _delivered; // handed out and not yet added to the client's counters: a batch at a time, no atomics per record
        private bool _started, _finished;

        public TOut Current => _batch is { } batch ? batch.Items[_index] : default!;

        public ValueTask<bool> MoveNextAsync()
        {
            // A cancelled replay stops at the next record: through NextBatchAsync, so that (as from an async iterator)
            // the failure comes in the ValueTask, once the replay has stopped and its statistics are exact.
            if (_batch is { } batch && _index + 1 < batch.Count && !_token.IsCancellationRequested)
            {
                _index++;
                _delivered++;
                return new ValueTask<bool>(true);
            }
            return NextBatchAsync();
        }

        private async ValueTask<bool> NextBatchAsync()
        {
            if (_finished) return false;
            try
            {
                if (!_started) Start();
                if (_batch is { } done)
                {
                    _batch = null;
                    _batches!.Return(done);
                }
                _client.Counters.Delivered(_delivered);
                _delivered = 0;
                _token.ThrowIfCancellationRequested();
                while (await _batches!.NextAsync(_token).ConfigureAwait(false) is { } batch)
                {
                    if (batch.Count == 0)
                    {
                        _batches.Return(batch);
                        continue;
                    }
                    _token.ThrowIfCancellationRequested();
                    (_batch, _index) = (batch, 0);
                    _delivered++;
                    return true;
                }
            }
            catch
            {
                await FinishAsync().ConfigureAwait(false); // the replay's statistics are exact when the failure is seen
                throw;
            }
            await FinishAsync().ConfigureAwait(false);
            return false;
        }

        private void Start()
        {
            _linked = _client.Link(callerTokens.Token, out _token); // throws if the client is disposed
            _started = true;
            _client.Counters.SubscriptionStarted(); // before anything that may throw: FinishAsync counts it ended
            _stop = CancellationTokenSource.CreateLinkedTokenSource(_token);
            var messages = _client.Source.ReadAsync(new ReplayQuery(_client.Options.From, _client.Options.To, trIds), _stop.Token);
            var router = new ReplayCursor<TOut, TDecoder>(_client, trIds, key, decoder);
            var workers = _client.Options.DecodeWorkers ?? DefaultDecodeWorkers;
            if (workers > 1 && router.DecodesInParallel)
            {
                var parallel = new ParallelDecodedBatches<TOut, TDecoder>(workers, new GapChecks(_client.Gaps, key), _client.Options.DetectGaps);
                var cursors = Enumerable.Range(0, workers).Select(_ => new ReplayCursor<TOut, TDecoder>(_client, trIds, key, decoder)).ToArray();
                (_batches, _decoding) = (parallel, parallel.RunAsync(router, cursors, messages, _stop.Token));
            }
            else
            {
                var batches = new DecodedBatches<TOut>();
                (_batches, _decoding) = (batches, Task.Run(() => batches.DecodeAsync(router, messages, _stop.Token), CancellationToken.None));
            }
        }

        /// <summary>
        /// Stops decoding (done, failed, or left early) and waits for it: the decoding tasks have disposed their cursors
        /// (whose counters are then the client's) and the source's reader before this returns.
        /// </summary>
        private async ValueTask FinishAsync()
        {
            if (_finished) return;
            _finished = true;
            _batch = null;
            if (_started)
            {
                _client.Counters.Delivered(_delivered);
                _delivered = 0;
                await _stop!.CancelAsync().ConfigureAwait(false);
                if (_decoding is not null) await _decoding.ConfigureAwait(false); // never throws: failures reach NextAsync
                _client.Counters.SubscriptionEnded();
                _stop.Dispose();
                _linked!.Dispose();
            }
            callerTokens.Dispose();
        }

        public ValueTask DisposeAsync() => FinishAsync();
    }

    /// <summary>Decoding workers of an unpaced subscription by default: one per core, at most four (past that, reading the source and the subscriber's loop are
    /// the limit).</summary>
    internal static int DefaultDecodeWorkers { get; } = Math.Min(Environment.ProcessorCount, 4);
}
