using System.Text.RegularExpressions;
using System.Threading.Channels;
using Kis.Realtime.Cli.Configuration;
using Kis.Realtime.PostgreSql.Internal;
using Npgsql;

namespace Kis.Realtime.Cli.Output;

/// <summary>
/// <c>kisrt bars --postgres</c>: closed bars stored beside the recorded history, in the table of their interval
/// (<see cref="PostgresBarTable"/>, Kis.Realtime.PostgreSql: the schema, its names and the idempotent upsert). Written by
/// a background task from a bounded queue, so a slow database holds the bars back (the pumps wait) rather than dropping
/// any; a failure ends the command with its message.
/// </summary>
internal sealed partial class PostgresBarStore : IAsyncDisposable
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly PostgresBarTable _table;
    private readonly Channel<(string TrId, Bar Bar)> _queue = Channel.CreateBounded<(string, Bar)>(new BoundedChannelOptions(10_000)
    {
        SingleReader = true, FullMode = BoundedChannelFullMode.Wait,
    });
    private readonly Task _writer;
    private long _written;

    private PostgresBarStore(NpgsqlDataSource dataSource, PostgresBarTable table)
    {
        _dataSource = dataSource;
        _table = table;
        _writer = Task.Run(WriteAsync);
    }

    /// <summary>Rows written (inserted or replaced).</summary>
    public long Written => Interlocked.Read(ref _written);

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
        var table = new PostgresBarTable(schema, spec);
        try
        {
            await using var connection = await dataSource.OpenConnectionAsync(ct);
            await table.CreateAsync(connection, ct);
        }
        catch (Exception e) when (e is NpgsqlException or System.Net.Sockets.SocketException or TimeoutException)
        {
            await dataSource.DisposeAsync();
            // Npgsql's messages never carry the password; the connection string is not echoed.
            throw new CliRunException($"could not prepare {table.Qualified} in PostgreSQL: {e.Message}", e);
        }
        await status.WriteLineAsync($"kisrt: storing closed bars in PostgreSQL table {table.Qualified}");
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
            throw new CliRunException($"storing bars in {_table.Qualified} failed after {Written:N0} rows: {e.Message}", e);
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
        await using var upsert = _table.Upsert(connection);
        await foreach (var (trId, bar) in _queue.Reader.ReadAllAsync())
        {
            PostgresBarTable.Bind(upsert, trId, bar, BarWriter.FlagNames(bar.Flags).ToArray());
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
