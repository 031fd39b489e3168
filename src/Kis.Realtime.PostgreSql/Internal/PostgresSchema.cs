using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;
using Kis.Realtime.Protocol;
using Npgsql;
using NpgsqlTypes;

#pragma warning disable CS1591 // Plumbing (KISRT0001) for the sibling packages: the type's summary says what it is for.
namespace Kis.Realtime.PostgreSql.Internal;

/// <summary>
/// The tables of <c>kisrt record --postgres</c>, created on first use and migrated when a TR gains fields:
/// <list type="bullet">
/// <item><c>raw_messages</c>: every message byte for byte (<c>message bytea</c>), with its receive time, KIS session
/// and TR id (null for replies and PINGPONG); a row of a record sink (the gateway's) instead holds one plain record
/// in <c>message</c> with its <c>tr_key</c>, <c>source_run</c> and <c>source_seq</c> (null for messages);</item>
/// <item>one table per TR (<c>h0upcnt0</c> …): one row per record, a column per field of the TR's field table with its
/// SQL type (text/code → text, time → time, integer → bigint, decimal → numeric with implied decimals applied),
/// fields KIS appended after the known ones in <c>extra</c>.</item>
/// </list>
/// All are partitioned by KST trading day (<c>trading_day</c>, one partition per day, created as days arrive) and keyed by
/// (<c>run_id</c>, <c>seq</c>): one recorder run and its message number, which is what makes a retried batch detectable.
/// </summary>
[Experimental("KISRT0001")]
public sealed class PostgresSchema(string schema)
{
    public const string RawTable = "raw_messages";
    public const string StreamOffsetsTable = "stream_offsets";
    public const string GapsTable = "gaps";
    public const string StreamKeysTable = "stream_keys";

    private readonly HashSet<string> _tables = [];
    private readonly HashSet<(string Table, DateOnly Day)> _partitions = [];

    public string Schema => schema;

    /// <summary>A quoted, schema-qualified name.</summary>
    public string Qualified(string table) => $"{Quote(schema)}.{Quote(table)}";

    public static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    public static string TableOf(TrDefinition tr) => tr.Id.ToLowerInvariant();

    /// <summary>The SQL type of a field and how its values are written by COPY.</summary>
    public static (string Sql, NpgsqlDbType Copy) ColumnType(FieldDefinition field) => field.Type switch
    {
        FieldType.Time => ("time", NpgsqlDbType.Time),
        FieldType.Integer when field.ImpliedDecimals == 0 => ("bigint", NpgsqlDbType.Bigint),
        FieldType.Integer or FieldType.Decimal => ("numeric", NpgsqlDbType.Numeric),
        _ => ("text", NpgsqlDbType.Text),
    };

    /// <summary>The schema and the raw table (idempotent).</summary>
    public async Task EnsureRawAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        if (_tables.Contains(RawTable)) return;
        await ExecuteAsync(connection, $"""
            CREATE SCHEMA IF NOT EXISTS {Quote(schema)};
            CREATE TABLE IF NOT EXISTS {Qualified(RawTable)} (
                trading_day date NOT NULL,
                run_id uuid NOT NULL,
                seq bigint NOT NULL,
                kis_session integer NOT NULL,
                received_at timestamptz NOT NULL,
                tr_id text,
                message bytea NOT NULL,
                PRIMARY KEY (trading_day, run_id, seq)
            ) PARTITION BY RANGE (trading_day);
            -- Migration 2: rows of a record sink (the gateway's) hold one plain record with its own key, run and
            -- number (message is then the record's fields, not a KIS message); replay reads in received order.
            ALTER TABLE {Qualified(RawTable)} ADD COLUMN IF NOT EXISTS tr_key text;
            ALTER TABLE {Qualified(RawTable)} ADD COLUMN IF NOT EXISTS source_run text;
            ALTER TABLE {Qualified(RawTable)} ADD COLUMN IF NOT EXISTS source_seq bigint;
            CREATE INDEX IF NOT EXISTS {Quote(RawTable + "_received")} ON {Qualified(RawTable)} (received_at, run_id, seq);
            """, cancellationToken).ConfigureAwait(false);
        _tables.Add(RawTable);
    }

    /// <summary>
    /// The stream writer's tables (idempotent; migration 3): <c>stream_offsets</c> (where each stream was read up to,
    /// written in the same transaction as the rows), <c>stream_keys</c> (per key the gateway run and last seq stored, to see
    /// records missing), <c>gaps</c> (what could not be stored, with what is known of it) and
    /// the unique index on the gateway's (<c>source_run</c>, <c>tr_id</c>, <c>tr_key</c>, <c>source_seq</c>) that makes a
    /// record stored twice impossible (a republished message or a replayed batch inserts nothing).
    /// </summary>
    public async Task EnsureStreamTablesAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        if (_tables.Contains(StreamOffsetsTable)) return;
        await EnsureRawAsync(connection, cancellationToken).ConfigureAwait(false);
        await ExecuteAsync(connection, $"""
            CREATE TABLE IF NOT EXISTS {Qualified(StreamOffsetsTable)} (
                namespace text NOT NULL,
                stream text NOT NULL,
                last_offset bigint NOT NULL,
                last_received_at timestamptz,
                updated_at timestamptz NOT NULL DEFAULT now(),
                PRIMARY KEY (namespace, stream)
            );
            CREATE TABLE IF NOT EXISTS {Qualified(GapsTable)} (
                id bigserial PRIMARY KEY,
                namespace text NOT NULL,
                stream text NOT NULL,
                from_offset bigint NOT NULL,
                to_offset bigint NOT NULL,
                run text,
                tr_key text,
                first_seq bigint,
                last_seq bigint,
                from_time timestamptz,
                to_time timestamptz,
                reason text NOT NULL,
                detail text,
                recorded_at timestamptz NOT NULL DEFAULT now()
            );
            CREATE UNIQUE INDEX IF NOT EXISTS {Quote(GapsTable + "_once")}
                ON {Qualified(GapsTable)} (namespace, stream, from_offset, reason, coalesce(tr_key, ''));
            CREATE TABLE IF NOT EXISTS {Qualified(StreamKeysTable)} (
                namespace text NOT NULL,
                stream text NOT NULL,
                tr_key text NOT NULL,
                run text NOT NULL,
                last_seq bigint NOT NULL,
                last_offset bigint NOT NULL,
                last_received_at timestamptz,
                PRIMARY KEY (namespace, stream, tr_key)
            );
            CREATE UNIQUE INDEX IF NOT EXISTS {Quote(RawTable + "_source")} ON {Qualified(RawTable)} (trading_day, source_run, tr_id, tr_key, source_seq);
            """, cancellationToken).ConfigureAwait(false);
        _tables.Add(StreamOffsetsTable);
    }

    /// <summary>A TR's table, with a column for every field it has today (added to an older table).</summary>
    public async Task EnsureTrAsync(NpgsqlConnection connection, TrDefinition tr, CancellationToken cancellationToken)
    {
        var table = TableOf(tr);
        if (_tables.Contains(table)) return;
        var sql = new StringBuilder($"""
            CREATE TABLE IF NOT EXISTS {Qualified(table)} (
                trading_day date NOT NULL,
                run_id uuid NOT NULL,
                seq bigint NOT NULL,
                record_index integer NOT NULL,
                received_at timestamptz NOT NULL,
                tr_key text NOT NULL,
                extra text,
                PRIMARY KEY (trading_day, run_id, seq, record_index)
            ) PARTITION BY RANGE (trading_day);
            """);
        // Every field as its own ADD COLUMN IF NOT EXISTS: a table made before the TR gained fields gets them now.
        foreach (var field in tr.Fields)
            sql.Append(CultureInfo.InvariantCulture, $"ALTER TABLE {Qualified(table)} ADD COLUMN IF NOT EXISTS {Quote(field.Name)} {ColumnType(field).Sql};\n");
        await ExecuteAsync(connection, sql.ToString(), cancellationToken).ConfigureAwait(false);
        _tables.Add(table);
    }

    /// <summary>The partition of <paramref name="table"/> for <paramref name="day"/> (idempotent).</summary>
    public async Task EnsurePartitionAsync(NpgsqlConnection connection, string table, DateOnly day, CancellationToken cancellationToken)
    {
        if (_partitions.Contains((table, day))) return;
        var from = day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var to = day.AddDays(1).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var partition = $"{table}_{day:yyyyMMdd}";
        await ExecuteAsync(connection,
            $"CREATE TABLE IF NOT EXISTS {Qualified(partition)} PARTITION OF {Qualified(table)} FOR VALUES FROM ('{from}') TO ('{to}');",
            cancellationToken).ConfigureAwait(false);
        _partitions.Add((table, day));
    }

    /// <summary>Forgets what was ensured (after a lost connection the database may have been rebuilt).</summary>
    public void Forget()
    {
        _tables.Clear();
        _partitions.Clear();
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        // Two recorders creating the same table at once: the loser's IF NOT EXISTS can still collide in the catalog.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await using var command = new NpgsqlCommand(sql, connection);
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (PostgresException e) when (attempt < 3
                && e.SqlState is PostgresErrorCodes.UniqueViolation or PostgresErrorCodes.DuplicateTable or PostgresErrorCodes.DuplicateObject)
            {
            }
        }
    }
}
