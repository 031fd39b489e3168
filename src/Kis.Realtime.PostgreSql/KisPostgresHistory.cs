using System.Runtime.CompilerServices;
using Kis.Realtime.PostgreSql.Internal;
using Npgsql;
using NpgsqlTypes;

namespace Kis.Realtime.PostgreSql;

/// <summary>Where <see cref="KisPostgresHistory"/> reads. Start from <see cref="Default"/>:
/// <c>KisPostgresHistoryOptions.Default with { ConnectionString = … }</c>.</summary>
public sealed record KisPostgresHistoryOptions
{
    /// <summary>Schema <c>kis</c>, pages of 5,000 rows, every run.</summary>
    public static KisPostgresHistoryOptions Default { get; } = new();

    /// <summary>The Npgsql connection string (never shown in messages: <see cref="KisPostgresHistory.Description"/> names host and database only).</summary>
    public string ConnectionString { get; init; } = "";

    /// <summary>The schema of the tables (<c>kisrt record --pg-schema</c>, <c>kisrt gateway --pg-schema</c>).</summary>
    public string Schema { get; init; } = "kis";

    /// <summary>Rows fetched per query: what a cursor holds in memory at most.</summary>
    public int PageSize { get; init; } = 5_000;

    /// <summary>
    /// Only this writer run (the <c>run</c> printed by <c>kisrt record --postgres</c> and <c>kisrt gateway --postgres</c>);
    /// null: every run (two writers storing the same day at once would then replay it twice).
    /// </summary>
    public Guid? RunId { get; init; }

    /// <summary>The settings without the connection string's credentials (a record would print the password).</summary>
    public override string ToString() =>
        $"KisPostgresHistoryOptions {{ Database = {(string.IsNullOrWhiteSpace(ConnectionString) ? "(none)" : PostgresRecorder.Describe(ConnectionString))}, " +
        $"Schema = {Schema}, PageSize = {PageSize}, RunId = {RunId} }}";

    /// <summary>Throws when a setting is out of range.</summary>
    /// <exception cref="ArgumentException">No connection string, no schema or a page size below 1.</exception>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(ConnectionString)) throw new ArgumentException("KisPostgresHistoryOptions.ConnectionString is required.",
            nameof(ConnectionString));
        PostgresRecorder.CheckConnectionString(ConnectionString);
        if (string.IsNullOrWhiteSpace(Schema)) throw new ArgumentException("KisPostgresHistoryOptions.Schema is required.", nameof(Schema));
        if (PageSize < 1) throw new ArgumentException("KisPostgresHistoryOptions.PageSize must be at least 1.", nameof(PageSize));
    }
}

/// <summary>
/// The PostgreSQL raw table (<c>raw_messages</c>, written by <c>kisrt record --postgres</c> and by the gateway's sink) as
/// a recording to replay with <see cref="KisReplayClient"/>. Rows come in received order (<c>received_at</c>, then
/// the writer's run and number), in pages of <see cref="KisPostgresHistoryOptions.PageSize"/> rows read by keyset
/// (no transaction or cursor is held open between pages, however slowly a paced replay reads). A recorder's rows are
/// KIS messages as received; a gateway's rows are plain records with their key: both replay alike.
/// </summary>
/// <remarks>
/// PostgreSQL keeps times to the microsecond: a record's <see cref="KisRecord.ReceivedAt"/> is its receive time to the
/// microsecond (a file recording keeps 100 ns).
/// </remarks>
public sealed class KisPostgresHistory : KisRecordingSource
{
    private readonly KisPostgresHistoryOptions _options;
    private readonly PostgresSchema _schema;

    /// <summary>A history reader.</summary>
    /// <exception cref="ArgumentException">An option is missing or out of range.</exception>
    public KisPostgresHistory(KisPostgresHistoryOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _schema = new PostgresSchema(options.Schema);
    }

    /// <inheritdoc/>
    public override string Description => $"PostgreSQL {PostgresRecorder.Describe(_options.ConnectionString)}, schema {_options.Schema}";

    /// <inheritdoc/>
    public override async Task CheckAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = new NpgsqlConnection(_options.ConnectionString);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand($"SELECT 1 FROM {_schema.Qualified(PostgresSchema.RawTable)} LIMIT 1", connection);
        await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false); // a missing table or schema fails here
    }

    /// <inheritdoc/>
    public override async IAsyncEnumerable<RecordedMessage> ReadAsync(ReplayQuery query, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        await using var connection = new NpgsqlConnection(_options.ConnectionString);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand(Sql(query), connection);
        // Whole trading days (a notice key is in a reply that may come long before From); time filtering is the reader's.
        command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Date, Value = query.From is { } f ? KoreaTime.DateOf(f) : DateOnly.MinValue });
        command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Date, Value = query.To is { } t ? KoreaTime.DateOf(t) : DateOnly.MaxValue });
        var afterTime = command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.TimestampTz, Value = DateTime.MinValue.ToUniversalTime() });
        var afterRun = command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Uuid, Value = Guid.Empty });
        var afterSeq = command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Bigint, Value = 0L });
        command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Integer, Value = _options.PageSize });
        command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text, Value = query.TrIds?.ToArray() ?? [] });
        command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Uuid, Value = _options.RunId is { } run ? run : DBNull.Value });

        while (true)
        {
            var rows = 0;
            await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    rows++;
                    var receivedAt = reader.GetFieldValue<DateTime>(0);
                    afterTime.Value = receivedAt;
                    afterRun.Value = reader.GetGuid(1);
                    afterSeq.Value = reader.GetInt64(2);
                    yield return new RecordedMessage(new DateTimeOffset(receivedAt, TimeSpan.Zero), reader.GetInt32(3), reader.GetFieldValue<byte[]>(6),
                        reader.IsDBNull(4) ? null : reader.GetString(4), reader.IsDBNull(5) ? null : reader.GetString(5));
                }
            }
            if (rows < _options.PageSize) yield break;
        }
    }

    /// <summary>One keyset page: rows after the last one read, in received order.</summary>
    private string Sql(ReplayQuery query) => $"""
        SELECT received_at, run_id, seq, kis_session, tr_id, tr_key, message
        FROM {_schema.Qualified(PostgresSchema.RawTable)}
        WHERE trading_day BETWEEN $1 AND $2
          AND (received_at, run_id, seq) > ($3, $4, $5)
          {(query.TrIds is null ? "" : "AND (tr_id IS NULL OR tr_id = ANY($7))")}
          AND ($8::uuid IS NULL OR run_id = $8)
        ORDER BY received_at, run_id, seq
        LIMIT $6
        """;
}
