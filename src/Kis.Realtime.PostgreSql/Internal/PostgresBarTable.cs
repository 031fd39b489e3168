using System.Diagnostics.CodeAnalysis;
using Npgsql;

namespace Kis.Realtime.PostgreSql.Internal;

/// <summary>
/// The bars beside the recorded history (<c>kisrt bars --postgres</c>): one table per interval (<c>bars_1m</c>,
/// <c>bars_5m</c>, <c>bars_1d</c> …) keyed by (<c>tr_id</c>, <c>key</c>, <c>open_time</c>), created on first use. A bar
/// written again (a later run over the same day, the full bar after an <c>end_of_stream</c> one) replaces its row, so
/// storing is idempotent. Names are quoted as the history's (<see cref="PostgresSchema.Quote"/>). Internal: kisrt's
/// schema, in the package that owns the database's layout.
/// </summary>
[Experimental("KISRT0001")]
public sealed class PostgresBarTable
{
    /// <summary>The columns of a row, in the order of <see cref="Values"/>.</summary>
    private const string Columns = "tr_id, key, open_time, close_time, open, high, low, close, volume, value, trade_count, vwap, flags";

    private readonly string _schema;

    /// <summary>The table of <paramref name="spec"/>'s bars in <paramref name="schema"/>.</summary>
    /// <exception cref="ArgumentException">The bars are not time bars (ticks, volume or value bars have no interval to key a table).</exception>
    public PostgresBarTable(string schema, BarSpec spec)
    {
        ArgumentException.ThrowIfNullOrEmpty(schema);
        if (spec.Kind is not (BarKind.Time or BarKind.Day))
            throw new ArgumentException($"Only time bars (30s, 1m, 1h, 1d …) are stored, keyed by their interval; {spec} bars have none.", nameof(spec));
        _schema = schema;
        Name = TableOf(spec);
        Qualified = $"{PostgresSchema.Quote(schema)}.{PostgresSchema.Quote(Name)}";
    }

    /// <summary>The table's name, unquoted: <c>bars_</c> and the interval as <see cref="BarSpec.ToString"/> writes it.</summary>
    public string Name { get; }

    /// <summary>The quoted, schema-qualified name, for SQL and messages.</summary>
    public string Qualified { get; }

    /// <summary>The table of one interval's bars: <c>bars_</c> + the interval as <see cref="BarSpec.ToString"/> writes it.</summary>
    public static string TableOf(BarSpec spec) => "bars_" + spec.ToString().ToLowerInvariant();

    /// <summary>Creates the schema and the table unless they exist.</summary>
    public async Task CreateAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var create = new NpgsqlCommand($"""
            CREATE SCHEMA IF NOT EXISTS {PostgresSchema.Quote(_schema)};
            CREATE TABLE IF NOT EXISTS {Qualified} (
                tr_id text NOT NULL,
                key text NOT NULL,
                open_time timestamptz NOT NULL,
                close_time timestamptz NOT NULL,
                open numeric NOT NULL,
                high numeric NOT NULL,
                low numeric NOT NULL,
                close numeric NOT NULL,
                volume bigint NOT NULL,
                value numeric NOT NULL,
                trade_count integer NOT NULL,
                vwap numeric NOT NULL,
                flags text[] NOT NULL,
                PRIMARY KEY (tr_id, key, open_time));
            """, connection);
        await create.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The insert-or-replace of one bar, its parameters in place: set them with <see cref="Bind"/>.</summary>
    public NpgsqlCommand Upsert(NpgsqlConnection connection)
    {
        var upsert = new NpgsqlCommand($"""
            INSERT INTO {Qualified} ({Columns})
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
            ON CONFLICT (tr_id, key, open_time) DO UPDATE SET close_time = EXCLUDED.close_time, open = EXCLUDED.open,
                high = EXCLUDED.high, low = EXCLUDED.low, close = EXCLUDED.close, volume = EXCLUDED.volume, value = EXCLUDED.value,
                trade_count = EXCLUDED.trade_count, vwap = EXCLUDED.vwap, flags = EXCLUDED.flags
            """, connection);
        for (var i = 0; i < 13; i++) upsert.Parameters.Add(new NpgsqlParameter());
        return upsert;
    }

    /// <summary>Sets <paramref name="upsert"/>'s parameters (from <see cref="Upsert"/>) to one bar of <paramref name="trId"/>.</summary>
    /// <param name="upsert">The command.</param>
    /// <param name="trId">The TR the bar was built from.</param>
    /// <param name="bar">The bar.</param>
    /// <param name="flags">The bar's flags by name, as the CLI's other outputs write them.</param>
    public static void Bind(NpgsqlCommand upsert, string trId, in Bar bar, string[] flags)
    {
        var values = Values(trId, bar, flags);
        for (var i = 0; i < values.Length; i++) upsert.Parameters[i].Value = values[i];
    }

    private static object[] Values(string trId, in Bar bar, string[] flags) =>
    [
        trId, bar.Key, bar.OpenTime.ToUniversalTime(), bar.CloseTime.ToUniversalTime(), bar.Open, bar.High, bar.Low, bar.Close,
        bar.Volume, bar.Value, bar.TradeCount, bar.Vwap, flags,
    ];
}
