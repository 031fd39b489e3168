using System.Diagnostics.CodeAnalysis;
using Kis.Realtime.Internal;
using Kis.Realtime.Protocol;
using Npgsql;
using NpgsqlTypes;

#pragma warning disable CS1591 // Plumbing (KISRT0001) for the sibling packages: the type's summary says what it is for.
namespace Kis.Realtime.PostgreSql.Internal;

/// <summary>
/// Writes the raw tap into PostgreSQL (<see cref="PostgresSchema"/>) with binary COPY: one transaction per batch holding
/// the batch's raw messages and its records in their TR tables, so a batch is in the database whole or not at all.
/// <para>
/// Counted as committed only after COMMIT returned. A lost connection or a restarting server is retried with backoff
/// (the queue holds the session back meanwhile, as for files); before a retry the writer asks the database for the
/// highest <c>seq</c> of its run, so a batch whose COMMIT succeeded but whose answer was lost is not written twice, and
/// (run_id, seq) is the primary key, so a duplicate could never pass silently. A restarted process is a new run: what it
/// committed before stays, and what the killed process had not committed was never reported as committed.
/// </para>
/// </summary>
[Experimental("KISRT0001")]
public sealed class PostgresRecorder(string connectionString, string schema, long queueLimitBytes, Action<string>? notice = null)
{
    private const int MaxBatchMessages = 5_000;
    private const long MaxBatchBytes = 8L << 20;
    private static readonly TimeSpan MaxRetryDelay = TimeSpan.FromSeconds(30);

    private readonly PostgresSchema _schema = new(schema);
    private long _committedRecords, _committedMessages, _decodeErrors, _retries;

    /// <summary>This run's id: the first half of every row's key.</summary>
    public Guid RunId { get; } = Guid.CreateVersion7();

    public RecordQueue Queue { get; } = new(queueLimitBytes);
    public long CommittedRecords => Interlocked.Read(ref _committedRecords);
    public long CommittedMessages => Interlocked.Read(ref _committedMessages);
    public long DecodeErrors => Interlocked.Read(ref _decodeErrors);
    public long Retries => Interlocked.Read(ref _retries);

    /// <summary>The server and database, without credentials, for messages.</summary>
    public static string Describe(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        return $"{builder.Host}:{builder.Port}/{builder.Database}";
    }

    /// <summary><paramref name="connectionString"/> when Npgsql can read it .</summary>
    /// <exception cref="ArgumentException">Not a connection string.</exception>
    public static string CheckConnectionString(string connectionString)
    {
        try
        {
            _ = new NpgsqlConnectionStringBuilder(connectionString);
            return connectionString;
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"not a connection string ({e.Message}).", nameof(connectionString), e);
        }
    }

    /// <summary>Connects and creates the schema and raw table: a wrong address, password or permission fails here, at start.</summary>
    public async Task CheckAsync(CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        await _schema.EnsureRawAsync(connection, cancellationToken).ConfigureAwait(false);
        _schema.Forget(); // the writer's own connection checks again, cheaply
    }

    /// <summary>Writes until the queue completes. <paramref name="giveUp"/> ends retrying (e.g. some time after the run stops).</summary>
    public async Task WriteAsync(CancellationToken giveUp)
    {
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        var decoders = new Dictionary<int, FrameDecoder>();
        var batch = new PostgresBatch();
        var reader = Queue.Reader;
        NpgsqlConnection? connection = null;
        long nextSeq = 1;
        var backoff = new Retry.ExponentialBackoff(TimeSpan.FromMilliseconds(250), MaxRetryDelay);
        var mayBeCommitted = false; // the last attempt failed at a point where its COMMIT may have succeeded
        try
        {
            while (true)
            {
                if (batch.Count == 0)
                {
                    if (!await reader.WaitToReadAsync(CancellationToken.None).ConfigureAwait(false)) break;
                    while (batch.Count < MaxBatchMessages && batch.Bytes < MaxBatchBytes && reader.TryRead(out var message))
                        batch.Add(nextSeq++, message, decoders, ref _decodeErrors);
                }
                try
                {
                    connection ??= await dataSource.OpenConnectionAsync(giveUp).ConfigureAwait(false);
                    if (mayBeCommitted && await CommittedUpToAsync(connection, giveUp).ConfigureAwait(false) >= batch.LastSeq)
                        notice?.Invoke(
                            $"PostgreSQL: messages {batch.FirstSeq:N0}–{batch.LastSeq:N0} were committed before the connection was lost; not written again.");
                    else
                        await WriteBatchAsync(connection, batch, giveUp).ConfigureAwait(false);
                }
                catch (Exception e) when (IsTransient(e) && !giveUp.IsCancellationRequested)
                {
                    Interlocked.Increment(ref _retries);
                    notice?.Invoke($"PostgreSQL: {Describe(connectionString)}: {e.Message} — retrying in {backoff.Current.TotalSeconds:0.#} s " +
                        $"({batch.Count:N0} messages waiting in this batch, more in the queue).");
                    if (connection is not null) await connection.DisposeAsync().ConfigureAwait(false);
                    connection = null;
                    _schema.Forget();
                    mayBeCommitted = true;
                    await Task.Delay(backoff.Current, giveUp).ConfigureAwait(false);
                    backoff.Grow();
                    continue;
                }
                Interlocked.Add(ref _committedMessages, batch.Count);
                Interlocked.Add(ref _committedRecords, batch.RecordCount);
                Queue.Release(batch.Bytes);
                batch.Clear();
                mayBeCommitted = false;
                backoff.Reset();
            }
            await reader.Completion.ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (giveUp.IsCancellationRequested)
        {
            // Reported like a failing disk (exit code 3), with what is missing: never a silent loss.
            throw new IOException($"PostgreSQL {Describe(connectionString)} stayed unreachable after the run stopped: {batch.Count + Queue.Reader.Count:N0} " +
                $"messages from message {(batch.Count > 0 ? batch.FirstSeq : nextSeq):N0} on were not committed (run {RunId}).");
        }
        finally
        {
            Queue.Release(0, all: true);
            if (connection is not null) await connection.DisposeAsync().ConfigureAwait(false);
            foreach (var d in decoders.Values) d.Dispose();
        }
    }

    private static bool IsTransient(Exception e) => e switch
    {
        PostgresException p => p.SqlState.StartsWith("08", StringComparison.Ordinal) // connection exceptions
                               || p.SqlState.StartsWith("57P", StringComparison.Ordinal) // shutting down, cannot connect now
                               || p.SqlState == PostgresErrorCodes.TooManyConnections,
        NpgsqlException or System.IO.IOException or System.Net.Sockets.SocketException or TimeoutException => true,
        _ => false,
    };

    private async Task<long> CommittedUpToAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await _schema.EnsureRawAsync(connection, cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand($"SELECT coalesce(max(seq), 0) FROM {_schema.Qualified(PostgresSchema.RawTable)} WHERE run_id = $1",
            connection);
        command.Parameters.Add(new NpgsqlParameter { Value = RunId, NpgsqlDbType = NpgsqlDbType.Uuid });
        return (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    private async Task WriteBatchAsync(NpgsqlConnection connection, PostgresBatch batch, CancellationToken cancellationToken)
    {
        // Tables and partitions first, outside the transaction (cached: a round trip only for a new TR or day).
        await PostgresCopy.EnsureTablesAsync(_schema, connection, batch, cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await PostgresCopy.CopyRawAsync(connection, _schema.Qualified(PostgresSchema.RawTable), RunId, batch, cancellationToken).ConfigureAwait(false);
        foreach (var (tr, rows) in batch.Records)
        {
            if (rows.Count > 0)
                await PostgresCopy.CopyRecordsAsync(connection, _schema.Qualified(PostgresSchema.TableOf(tr)), RunId, tr, rows, batch.RecordBytes.WrittenMemory,
                    cancellationToken).ConfigureAwait(false);
        }
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }
}
