using System.Runtime.InteropServices;
using Kis.Realtime.PostgreSql.Internal;
using Kis.Realtime.Protocol;
using Kis.Realtime.Retry;
using Npgsql;

namespace Kis.Realtime.Gateway.PostgreSql.Internal;

/// <summary>
/// The database side's loop: reads the stored offset (waiting for the database if need be), lets the broker side attach
/// one past it, then writes batches. A batch is built once and retried as it is, every
/// <see cref="KisPostgresStreamWriterOptions.RetryDelay"/>, until it commits: rows, gaps and the new offset in one
/// transaction, so what is committed and where to go on from never disagree. A batch the database keeps rejecting (not a
/// lost connection) becomes a gap after a few attempts.
/// </summary>
internal sealed partial class StreamHistoryFeed
{
    private const int RejectionsBeforeGap = 3;

    /// <summary>The writer's connection and the batch it is building or retrying; only the writer's task touches it.</summary>
    private sealed class WriterState
    {
        public readonly PostgresSchema Schema;
        public readonly HashSet<string> Temps = new(StringComparer.Ordinal);
        public readonly Dictionary<int, FrameDecoder> Decoders = []; // unused: every row is a record with its own header
        public readonly PostgresBatch Batch = new();
        public readonly List<StreamGap> Gaps = [];
        public readonly StreamKeyTracker Keys = new();

        /// <summary>
        /// Per gateway run, the records of the batch: once it commits every one is in the table, inserted now or found
        /// there (another writer, e.g. a stopping active's beside its successor's, stored it first). Counted so, a run's
        /// figure is what the table holds of it; counted by rows inserted, a successor waited for records the other
        /// writer had stored.
        /// </summary>
        public readonly Dictionary<string, long> BatchRuns = new(StringComparer.Ordinal);

        public NpgsqlConnection? Connection;
        public long FirstOffset = -1, LastOffset = -1, DecodeErrors;
        public long? Expected;
        public DateTimeOffset? LastTime;
        public int Messages, Rejections;

        /// <summary>The last commit's answer was lost with its connection: it may be in the table.</summary>
        public bool MayBeCommitted;

        public WriterState(string schema) => Schema = new PostgresSchema(schema);

        /// <summary>The batch is stored (or given up as a gap): the next one starts empty.</summary>
        public void Clear()
        {
            Batch.Clear();
            BatchRuns.Clear();
            Gaps.Clear();
            Messages = 0;
            FirstOffset = -1;
            MayBeCommitted = false;
            Rejections = 0;
        }
    }

    private async Task WriteAsync(CancellationToken stop)
    {
        var w = new WriterState(_options.Schema);
        try
        {
            var stored = await OpenAtStoredPlaceAsync(w, stop).ConfigureAwait(false);
            Interlocked.Exchange(ref _committedOffset, stored ?? -1);
            w.Expected = stored + 1;
            _startAt.TrySetResult(w.Expected);

            var reader = _buffer.Reader;
            while (!stop.IsCancellationRequested)
            {
                if (w.Messages == 0)
                {
                    if (!await reader.WaitToReadAsync(stop).ConfigureAwait(false)) return;
                    TakeMessages(w, reader);
                    if (w.Messages == 0) continue;
                }
                try
                {
                    await CommitBatchAsync(w, stop).ConfigureAwait(false);
                }
                catch (Exception e) when (!stop.IsCancellationRequested && (IsTransient(e) || e is PostgresException))
                {
                    await OnBatchFailedAsync(w, e, stop).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // Stopped: what is not committed stays in the stream, past the stored offset, for the next run.
        }
        finally
        {
            _startAt.TrySetCanceled(CancellationToken.None);
            if (w.Connection is not null) await w.Connection.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Connects (retrying while the database is away) and reads the stored offset, time and key places.</summary>
    private async Task<long?> OpenAtStoredPlaceAsync(WriterState w, CancellationToken stop)
    {
        while (true)
        {
            try
            {
                w.Connection ??= await _owner.DataSource.OpenConnectionAsync(stop).ConfigureAwait(false);
                await w.Schema.EnsureStreamTablesAsync(w.Connection, stop).ConfigureAwait(false);
                var (stored, lastTime) = await ReadPlaceAsync(w.Connection, stop).ConfigureAwait(false);
                w.LastTime = lastTime;
                var places = await ReadKeysAsync(w.Connection, stop).ConfigureAwait(false);
                w.Keys.Load(places, hadPlace: stored is not null);
                foreach (var (key, place) in places) _owner.Stored(_trId, key, place.Run, place.LastSeq);
                _databaseConnected = true;
                return stored;
            }
            catch (Exception e) when (IsTransient(e) && !stop.IsCancellationRequested)
            {
                w.Connection = await DropAsync(w.Connection, w.Schema, w.Temps).ConfigureAwait(false);
                Interlocked.Increment(ref _retries);
                await Task.Delay(ExponentialBackoff.Jittered(_options.RetryDelay), stop).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Takes what the buffer holds (up to a batch) into the batch: records as rows, problems as gaps.</summary>
    private void TakeMessages(WriterState w, System.Threading.Channels.ChannelReader<StreamMessage> reader)
    {
        while (w.Messages < _options.MaxBatchMessages && reader.TryRead(out var message))
        {
            if (message.Offset >= 0 && message.Offset < w.Expected) continue; // stored already (read again after a reconnect)
            if (message.Offset > w.Expected) w.Keys.Skipped(w.Expected.Value, message.Offset - 1); // a loss only if a key lacks records
            if (message.IsControl)
            {
                // a run announcement: the gateway's word about a key, not a record and not a gap
            }
            else if (message.Problem is null)
            {
                foreach (var part in message.Parts) // runs of one key (several in a message of the keys format)
                {
                    if (w.Keys.Take(part) is { } missing) w.Gaps.Add(missing);
                    var added = Add(w.Batch, part, w.Decoders, ref w.DecodeErrors);
                    CollectionsMarshal.GetValueRefOrAddDefault(w.BatchRuns, part.Run!, out _) += added;
                }
            }
            else w.Gaps.Add(StreamGap.Of(message));
            if (w.FirstOffset < 0) w.FirstOffset = w.Expected ?? message.Offset;
            if (message.Offset >= 0)
            {
                w.LastOffset = message.Offset;
                w.Expected = message.Offset + 1;
            }
            w.LastTime = message.ReceivedAt ?? w.LastTime;
            w.Messages++;
        }
    }

    /// <summary>Commits the batch (or, when its last commit's answer was lost, counts what that commit stored).</summary>
    private async Task CommitBatchAsync(WriterState w, CancellationToken stop)
    {
        w.Connection ??= await _owner.DataSource.OpenConnectionAsync(stop).ConfigureAwait(false);
        if (!_databaseConnected) Log.DatabaseBack(_logger, Stream, w.FirstOffset);
        _databaseConnected = true;
        // Committed before the connection was lost, its answer with it: not written again, but counted from
        // the rows it inserted (else the gateway's "committed" stays short of the table for good).
        var inserted = w.MayBeCommitted && (await ReadPlaceAsync(w.Connection, stop).ConfigureAwait(false)).Offset >= w.LastOffset
            ? await CountCommittedAsync(w.Connection, w.Batch, stop).ConfigureAwait(false)
            : await CommitAsync(w.Connection, w.Schema, w.Temps, w.Batch, w.Gaps, w.Keys, w.LastOffset, w.LastTime, stop).ConfigureAwait(false);
        Interlocked.Add(ref _committedRecords, inserted);
        Interlocked.Add(ref _duplicates, w.Batch.Count - inserted);
        Interlocked.Add(ref _gaps, w.Gaps.Count);
        _owner.Committed(w.BatchRuns);
        foreach (var gap in w.Gaps) Log.Gap(_logger, Stream, gap.FromOffset, gap.ToOffset, gap.Reason, gap.Detail);
        Interlocked.Exchange(ref _committedOffset, w.LastOffset);
        foreach (var (key, place) in w.Keys.Touched()) _owner.Stored(_trId, key, place.Run, place.LastSeq); // the lag against the checkpoints
        w.Keys.Committed();
        w.Clear();
    }

    /// <summary>A lost connection retries the batch as it is; a batch rejected again and again becomes a gap.</summary>
    private async Task OnBatchFailedAsync(WriterState w, Exception e, CancellationToken stop)
    {
        w.Connection = await DropAsync(w.Connection, w.Schema, w.Temps).ConfigureAwait(false);
        Interlocked.Increment(ref _retries);
        if (IsTransient(e))
        {
            w.MayBeCommitted = true;
            if (_databaseConnected) Log.DatabaseRetry(_logger, Stream, e.GetType().Name, w.FirstOffset, w.LastOffset, _options.RetryDelay.TotalSeconds);
            _databaseConnected = false;
        }
        else if (++w.Rejections >= RejectionsBeforeGap)
        {
            // Never a batch that blocks the stream for good: what it held becomes a gap, told, and the writer goes on.
            var sqlState = ((PostgresException)e).SqlState;
            w.Batch.Clear();
            w.BatchRuns.Clear(); // not stored: a gap, not a run's records
            w.Gaps.Clear();
            w.Gaps.Add(new StreamGap(w.FirstOffset, w.LastOffset, StreamGap.Rejected, $"the database rejected the batch (SQLSTATE {sqlState})"));
        }
        else Log.Rejected(_logger, Stream, w.FirstOffset, w.LastOffset, ((PostgresException)e).SqlState, w.Rejections);
        await Task.Delay(ExponentialBackoff.Jittered(_options.RetryDelay), stop).ConfigureAwait(false);
    }
}
