using System.Text.RegularExpressions;
using System.Threading.Channels;
using Kis.Realtime.Cli.Configuration;
using Npgsql;

namespace Kis.Realtime.Cli.Output;

/// <summary>
/// <c>kisrt bars --postgres</c>: closed bars stored beside the recorded history, one table per interval
/// (<c>bars_1m</c>, <c>bars_5m</c>, <c>bars_1d</c> …) keyed by (<c>tr_id</c>, <c>key</c>, <c>open_time</c>), created on
/// first use. A bar written again (a later run over the same day, the full bar after an <c>end_of_stream</c> one)
/// replaces the row: storing is idempotent. Written by a background task from a bounded queue, so a slow database holds
/// the bars back (the pumps wait) rather than dropping any; a failure ends the command with its message.
/// </summary>
internal sealed partial class PostgresBarStore : IAsyncDisposable
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly string _table;
    private readonly Channel<(string TrId, Bar Bar)> _queue = Channel.CreateBounded<(string, Bar)>(new BoundedChannelOptions(10_000)
    {
        SingleReader = true, FullMode = BoundedChannelFullMode.Wait,
    });
    private readonly Task _writer;
    private long _written;

    private PostgresBarStore(NpgsqlDataSource dataSource, string table)
    {
        _dataSource = dataSource;
        _table = table;
        _writer = Task.Run(WriteAsync);
    }

    /// <summary>Rows written (inserted or replaced).</summary>
    public long Written => Interlocked.Read(ref _written);

    /// <summary>The table of one interval's bars: <c>bars_</c> + the interval as <see cref="BarSpec.ToString"/> writes it.</summary>
    public static string TableOf(BarSpec spec) => "bars_" + spec.ToString().ToLowerInvariant();

    [GeneratedRegex("^[a-z_][a-z0-9_]{0,62}$")]
    private static partial Regex SchemaName();

    public static async Task<PostgresBarStore> OpenAsync(string connectionString, string schema, BarSpec spec, TextWriter status, CancellationToken ct)
    {
        if (spec.Kind is not (BarKind.Time or BarKind.Day))
            throw new CliUsageException($"--postgres stores time bars (30s, 1m, 1h, 1d …), keyed by their interval; {spec} bars have none.");
        if (!SchemaName().IsMatch(schema))
            throw new CliUsageException($"--pg-schema: '{schema}' is not a plain lower-case identifier.");
        NpgsqlDataSource dataSource;
        try
        {
            dataSource = NpgsqlDataSource.Create(connectionString);
        }
        catch (ArgumentException e)
        {
            throw new CliUsageException($"--postgres: not an Npgsql connection string ({e.Message}).");
        }
        var table = $"\"{schema}\".\"{TableOf(spec)}\"";
        try
        {
            await using var connection = await dataSource.OpenConnectionAsync(ct);
            await using var create = new NpgsqlCommand($"""
                CREATE SCHEMA IF NOT EXISTS "{schema}";
                CREATE TABLE IF NOT EXISTS {table} (
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
            await create.ExecuteNonQueryAsync(ct);
        }
        catch (Exception e) when (e is NpgsqlException or System.Net.Sockets.SocketException or TimeoutException)
        {
            await dataSource.DisposeAsync();
            // Npgsql's messages never carry the password; the connection string is not echoed.
            throw new CliRunException($"could not prepare {table} in PostgreSQL: {e.Message}", e);
        }
        await status.WriteLineAsync($"kisrt: storing closed bars in PostgreSQL table {table}");
        return new PostgresBarStore(dataSource, table);
    }

    /// <summary>Queues a closed bar; waits (blocking the pump) while the queue is full.</summary>
    public void Add(string trId, in Bar bar)
    {
        // Full: the database is behind. Waiting holds the trades back (counted by the client as usual) instead of losing a
        // bar. A failed writer completes the queue: nothing more is taken, and CompleteAsync reports why.
        while (!_queue.Writer.TryWrite((trId, bar)))
            if (!_queue.Writer.WaitToWriteAsync().AsTask().GetAwaiter().GetResult()) return;
    }

    /// <summary>Writes what is queued and ends the writer; throws the writer's failure.</summary>
    public async Task CompleteAsync()
    {
        _queue.Writer.TryComplete();
        try
        {
            await _writer;
        }
        catch (Exception e) when (e is NpgsqlException or System.Net.Sockets.SocketException or TimeoutException or InvalidOperationException)
        {
            throw new CliRunException($"storing bars in {_table} failed after {Written:N0} rows: {e.Message}", e);
        }
    }

    private async Task WriteAsync()
    {
        try
        {
            await WriteQueuedAsync();
        }
        finally
        {
            _queue.Writer.TryComplete(); // a failure stops the intake (Add returns) instead of filling the queue for nobody
        }
    }

    private async Task WriteQueuedAsync()
    {
        await using var connection = await _dataSource.OpenConnectionAsync();
        await using var upsert = new NpgsqlCommand($"""
            INSERT INTO {_table} (tr_id, key, open_time, close_time, open, high, low, close, volume, value, trade_count, vwap, flags)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
            ON CONFLICT (tr_id, key, open_time) DO UPDATE SET close_time = EXCLUDED.close_time, open = EXCLUDED.open,
                high = EXCLUDED.high, low = EXCLUDED.low, close = EXCLUDED.close, volume = EXCLUDED.volume, value = EXCLUDED.value,
                trade_count = EXCLUDED.trade_count, vwap = EXCLUDED.vwap, flags = EXCLUDED.flags
            """, connection);
        for (var i = 0; i < 13; i++) upsert.Parameters.Add(new NpgsqlParameter());
        await foreach (var (trId, bar) in _queue.Reader.ReadAllAsync())
        {
            object[] values =
            [
                trId, bar.Key, bar.OpenTime.ToUniversalTime(), bar.CloseTime.ToUniversalTime(), bar.Open, bar.High, bar.Low, bar.Close,
                bar.Volume, bar.Value, bar.TradeCount, bar.Vwap, BarWriter.FlagNames(bar.Flags).ToArray(),
            ];
            for (var i = 0; i < values.Length; i++) upsert.Parameters[i].Value = values[i];
            await upsert.ExecuteNonQueryAsync();
            Interlocked.Increment(ref _written);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        try
        {
            await _writer;
        }
        catch (Exception)
        {
            // Reported by CompleteAsync on the normal path; disposal after a failure only releases the connections.
        }
        await _dataSource.DisposeAsync();
    }
}
