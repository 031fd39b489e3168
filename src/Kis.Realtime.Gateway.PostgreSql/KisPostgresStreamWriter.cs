using System.Diagnostics.CodeAnalysis;
using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Kis.Realtime.Gateway.PostgreSql.Internal;
using Kis.Realtime.Gateway.Wire;
using Kis.Realtime.PostgreSql.Internal;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using NpgsqlTypes;

namespace Kis.Realtime.Gateway.PostgreSql;

/// <summary>
/// Stores a gateway's record streams (<c>{ns}.{TR}</c>) in PostgreSQL by reading them as a consumer, with its own place in
/// each stream: the last offset stored is written in the same transaction as the rows (table <c>stream_offsets</c>), so
/// a database outage within the streams' retention loses nothing: the writer resumes where it stopped and catches up
/// (retrying every <see cref="KisPostgresStreamWriterOptions.RetryDelay"/> ±20 %, not with a growing wait). Rows go to the
/// tables of <c>kisrt record --postgres</c> (<c>raw_messages</c> and one typed table per TR), each keyed by the gateway's
/// (<c>source_run</c>, <c>tr_id</c>, <c>tr_key</c>, <c>source_seq</c>) under a unique index: a message the gateway
/// published twice, or a batch written again after a crash, inserts nothing. What cannot be stored (a malformed
/// message, offsets the stream no longer held when the writer got to them, a batch the database keeps rejecting) is a
/// row in <c>gaps</c> with what is known of it, never a silent hole.
/// </summary>
/// <remarks>
/// It also reads the gateway's checkpoints (<c>{ns}.gateway-runs</c>): every TR a checkpoint names is stored too, so the
/// history follows the streams whichever process is active (<c>kisrt gateway --postgres</c> as the active gateway, as a
/// standby, or a process of its own), and <see cref="Lag"/> says how far the stored history is behind what the gateway
/// confirmed. A process of its own may also name TRs in <see cref="KisPostgresStreamWriterOptions.TrIds"/> (and finds every stream it stored before).
/// Registered in a host with <see cref="KisGatewayPostgresServiceCollectionExtensions.AddKisPostgresStreamWriter"/>, it runs as a hosted service.
/// </remarks>
public sealed partial class KisPostgresStreamWriter : IHostedService, IAsyncDisposable
{
    private readonly KisPostgresStreamWriterOptions _options;
    private readonly ILogger _logger;
    private readonly Lock _gate = new(); // guards _feeds and _stopped
    private readonly Dictionary<string, StreamHistoryFeed> _feeds = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _committedPerRun = new(StringComparer.Ordinal);
    private long _seq;
    private bool _started, _stopped;
    private readonly HistoryLag _lag = new(TimeProvider.System);
    private readonly GatewayRunsWatcher _runs;
    private readonly Meter _meter = new(MeterName);
    private readonly TaskCompletionSource<KisConnectionException> _readRefused = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>
    /// Completes (with the error) when the broker refuses this writer's user the read of a stream (403 ACCESS_REFUSED):
    /// the writer then stores nothing of that stream, and a host should stop and report it rather than run on with a
    /// growing lag. Never completes otherwise.
    /// </summary>
    public Task<KisConnectionException> ReadRefusal => _readRefused.Task;

    internal void ReadRefused(string stream, string reason) => _readRefused.TrySetResult(new KisConnectionException(
        new Uri(_options.Endpoint.DisplayUri),
        $"the broker refuses the history writer's user the read of stream {stream} ({reason}): give it read on the streams (docs/gateway-security.md)"));

    /// <summary>A writer (nothing is read or written before <see cref="StartAsync"/>).</summary>
    /// <exception cref="ArgumentException">An option is missing or out of range.</exception>
    public KisPostgresStreamWriter(KisPostgresStreamWriterOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _logger = (options.LoggerFactory ?? NullLoggerFactory.Instance).CreateLogger<KisPostgresStreamWriter>();
        DataSource = NpgsqlDataSource.Create(options.ConnectionString);
        _runs = new GatewayRunsWatcher(this, options, _logger);
        _meter.CreateObservableGauge("kis.history.lag", () => Lag().Records, "{record}", "Records the gateway confirmed that are not stored yet");
        _meter.CreateObservableGauge("kis.history.lag.age", () => Lag().Age.TotalSeconds, "s", "How long the oldest record not stored yet has been owed");
        _meter.CreateObservableGauge("kis.history.behind", () => Lag().Behind ? 1 : 0, "{boolean}",
            "1 while the history is behind (owed longer than BehindAfter)");
    }

    /// <summary>The writer's <see cref="Meter"/>: gauges <c>kis.history.lag</c> (records), <c>kis.history.lag.age</c> (seconds) and
    /// <c>kis.history.behind</c> (1 while behind): alert on the last.</summary>
    public const string MeterName = "Kis.Realtime.Gateway.PostgreSql";

    /// <summary>
    /// How far the stored history is behind what the gateway confirmed (per the active gateway's checkpoints), and whether
    /// that is <see cref="KisPostgresWriterLag.Behind"/>: a record owed for <see cref="KisPostgresStreamWriterOptions.BehindAfter"/> or longer.
    /// </summary>
    public KisPostgresWriterLag Lag() => _lag.Snapshot(_options.BehindAfter);

    internal void Observed(GatewayCheckpoint checkpoint) => _lag.Observe(checkpoint);

    internal void Stored(string trId, string key, string run, long seq) => _lag.Stored(trId, key, run, seq);

    /// <summary>This writer run: the <c>run_id</c> of the rows it inserts (their <c>seq</c> numbers them 1, 2, 3 … across its streams).</summary>
    public Guid RunId { get; } = Guid.CreateVersion7();

    internal NpgsqlDataSource DataSource { get; }

    /// <summary>
    /// Connects to the database and creates the tables (a wrong address, password or permission fails here), then starts
    /// reading every stream of this namespace with a stored offset and every TR of <see cref="KisPostgresStreamWriterOptions.TrIds"/>.
    /// With <see cref="KisPostgresStreamWriterOptions.WaitForDatabase"/> a database that cannot be reached (down, restarting)
    /// does not fail the start: the writer logs it, retries every <see cref="KisPostgresStreamWriterOptions.RetryDelay"/> and
    /// then stores everything from the streams, as after an outage while running.
    /// </summary>
    /// <exception cref="NpgsqlException">The database is unreachable (without WaitForDatabase) or refuses.</exception>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        List<string> stored;
        try
        {
            stored = await ReadStoredStreamsAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (_options.WaitForDatabase && IsUnreachable(e) && !cancellationToken.IsCancellationRequested)
        {
            Log.DatabaseDownAtStart(_logger, DatabaseName(), e.Message, _options.RetryDelay.TotalSeconds);
            _runs.Start(); // the checkpoints meanwhile: the lag says what the history owes
            _waitingForDatabase = Task.Run(() => StartWhenReachableAsync(_stopWaiting.Token), CancellationToken.None);
            return;
        }
        _runs.Start();
        Begin(stored);
    }

    /// <summary>Completes once the database was reached and the streams are being stored (at once unless the start waited for it).</summary>
    [Experimental("KISRT0001")]
    public Task DatabaseReached => _databaseReached.Task;

    private readonly TaskCompletionSource _databaseReached = new(TaskCreationOptions.RunContinuationsAsynchronously);
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Usage", "CA2213",
        Justification = "Nothing to free (no timer, no wait handle); undisposed, a call racing disposal never meets ObjectDisposedException")]
    private readonly CancellationTokenSource _stopWaiting = new();
    private Task _waitingForDatabase = Task.CompletedTask;

    private async Task StartWhenReachableAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(Retry.ExponentialBackoff.Jittered(_options.RetryDelay), stop).ConfigureAwait(false);
                var stored = await ReadStoredStreamsAsync(stop).ConfigureAwait(false);
                Log.DatabaseReached(_logger, DatabaseName());
                Begin(stored);
                return;
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (IsUnreachable(e) || e is PostgresException)
            {
                // Still down, or up and refusing for now (starting up); a refusal that lasts is in the log at debug each try.
                Log.StillDown(_logger, e.Message);
            }
        }
    }

    /// <summary>"kis at 127.0.0.1:5432": the database and its server, never the credentials.</summary>
    [Experimental("KISRT0001")]
    public string DatabaseName()
    {
        var builder = new NpgsqlConnectionStringBuilder(_options.ConnectionString);
        return $"{builder.Database} at {builder.Host}:{builder.Port}";
    }

    /// <summary>Down or restarting (nothing listens, the connection dropped, the server cannot accept yet), not a refusal of the credentials.</summary>
    private static bool IsUnreachable(Exception e) => e switch
    {
        PostgresException p => p.SqlState.StartsWith("08", StringComparison.Ordinal) || p.SqlState.StartsWith("57P", StringComparison.Ordinal),
        NpgsqlException or IOException or System.Net.Sockets.SocketException or TimeoutException => true,
        _ => false,
    };

    private async Task<List<string>> ReadStoredStreamsAsync(CancellationToken cancellationToken)
    {
        var stored = new List<string>();
        await using var connection = await DataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var schema = new PostgresSchema(_options.Schema);
        await schema.EnsureStreamTablesAsync(connection, cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand(
            $"SELECT stream FROM {schema.Qualified(PostgresSchema.StreamOffsetsTable)} WHERE namespace = $1", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = _options.Endpoint.Namespace, NpgsqlDbType = NpgsqlDbType.Text });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false)) stored.Add(reader.GetString(0));
        return stored;
    }

    /// <summary>The database is there: the streams named so far (by Follow while it was not) start, then the stored ones and TrIds.</summary>
    private void Begin(List<string> stored)
    {
        StreamHistoryFeed[] waiting;
        lock (_gate)
        {
            if (_stopped) return;
            _started = true;
            waiting = [.. _feeds.Values];
        }
        foreach (var feed in waiting) feed.Start();
        var prefix = _options.Endpoint.Namespace + ".";
        foreach (var stream in stored)
        {
            // A row another program may have written: only a plain TR name is followed.
            if (stream.StartsWith(prefix, StringComparison.Ordinal) && stream[prefix.Length..] is { Length: > 0 and <= 16 } trId
                && trId.All(char.IsAsciiLetterOrDigit))
                FollowChecked(trId);
        }
        foreach (var trId in _options.TrIds) Follow(trId);
        _databaseReached.TrySetResult();
    }

    /// <summary>
    /// Stores the stream of <paramref name="trId"/> too, from its stored offset or its first record (idempotent, quick:
    /// the gateway's sink calls it for every record). Before <see cref="StartAsync"/> the TR is remembered and started then.
    /// </summary>
    /// <exception cref="ArgumentException">Not a TR id (1 to 16 ASCII letters and digits).</exception>
    public void Follow(string trId)
    {
        KisPostgresStreamWriterOptions.CheckTrId(trId);
        FollowChecked(trId);
    }

    private void FollowChecked(string trId)
    {
        StreamHistoryFeed feed;
        lock (_gate)
        {
            if (_stopped || _feeds.ContainsKey(trId)) return;
            feed = new StreamHistoryFeed(this, _options, trId, _logger);
            _feeds.Add(trId, feed);
            if (!_started) return; // started by StartAsync
        }
        feed.Start();
    }

    /// <summary>Each stream's figures now: offset committed, records stored, duplicates skipped, gaps, retries, connections.</summary>
    public IReadOnlyList<KisPostgresStreamStatus> Status()
    {
        StreamHistoryFeed[] feeds;
        lock (_gate) feeds = [.. _feeds.Values];
        return [.. feeds.Select(f => f.Status()).OrderBy(s => s.Stream, StringComparer.Ordinal)];
    }

    /// <summary>Records of gateway run <paramref name="gatewayRun"/> (the <c>run</c> header) this writer committed, inserted by it or
    /// found stored by another writer: what the table holds of the run as far as this writer has read.</summary>
    internal long CommittedRecordsOf(string gatewayRun) => _committedPerRun.TryGetValue(gatewayRun, out var count) ? count : 0;

    internal long NextSeq() => Interlocked.Increment(ref _seq);

    internal void Committed(Dictionary<string, long> perRun)
    {
        foreach (var (run, count) in perRun) _committedPerRun.AddOrUpdate(run, count, (_, was) => was + count);
    }

    /// <summary>Stops reading and writing. What was not committed stays in the streams past the stored offsets, for the next run.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        StreamHistoryFeed[] feeds;
        lock (_gate)
        {
            _stopped = true;
            feeds = [.. _feeds.Values];
        }
        if (!_stopWaiting.IsCancellationRequested) await _stopWaiting.CancelAsync().ConfigureAwait(false);
        await _waitingForDatabase.ConfigureAwait(false);
        await _runs.DisposeAsync().ConfigureAwait(false);
        foreach (var feed in feeds) await feed.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>As <see cref="StopAsync"/>, then releases the database connections.</summary>
    public async ValueTask DisposeAsync()
    {
        await StopAsync(CancellationToken.None).ConfigureAwait(false);
        await DataSource.DisposeAsync().ConfigureAwait(false);
        _meter.Dispose();
    }

    private static partial class Log
    {
        [LoggerMessage(76, LogLevel.Warning, "History: PostgreSQL database {Database} (--postgres) is not reachable ({Error}); the gateway publishes " +
                                             "meanwhile, the writer retries every {Seconds:0.0} s and then stores everything from the streams")]
        public static partial void DatabaseDownAtStart(ILogger logger, string database, string error, double seconds);

        [LoggerMessage(77, LogLevel.Warning, "History: PostgreSQL database {Database} reached: storing from the streams' stored offsets")]
        public static partial void DatabaseReached(ILogger logger, string database);

        [LoggerMessage(78, LogLevel.Debug, "History: PostgreSQL still not reachable ({Error})")]
        public static partial void StillDown(ILogger logger, string error);
    }
}
