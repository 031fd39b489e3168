using Npgsql;

namespace Kis.Realtime.Tests.Cli;

/// <summary>
/// The real PostgreSQL that <c>scripts/services.sh</c> starts (CI runs it before the tests; run it once locally), with a
/// schema of its own per test, dropped afterwards. <c>KISRT_TEST_POSTGRES</c> points elsewhere. Unreachable is a
/// failure with instructions, never a silent skip.
/// </summary>
internal sealed class PostgresTestDatabase : IAsyncDisposable
{
    public const string DefaultConnectionString = "Host=127.0.0.1;Port=5432;Username=kisrt;Password=kisrt;Database=kisrt";

    private PostgresTestDatabase(string connectionString, string schema)
    {
        _admin = new NpgsqlConnectionStringBuilder(connectionString) { ApplicationName = "kisrt-tests" }.ConnectionString;
        ConnectionString = connectionString;
        Schema = schema;
    }

    private readonly string _admin; // the test's own queries: never among the connections it terminates

    /// <summary>For the code under test: its application name is the schema's, see <see cref="TerminateConnectionsAsync"/>.</summary>
    public string ConnectionString { get; }
    public string Schema { get; }

    public static async Task<PostgresTestDatabase> CreateAsync()
    {
        var baseConnection = Environment.GetEnvironmentVariable("KISRT_TEST_POSTGRES") is { Length: > 0 } configured ? configured : DefaultConnectionString;
        var schema = "test_" + Guid.NewGuid().ToString("N")[..16];
        var connectionString = new NpgsqlConnectionStringBuilder(baseConnection) { ApplicationName = "kisrt-" + schema }.ConnectionString;
        try
        {
            await using var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync();
        }
        catch (Exception e) when (e is NpgsqlException or System.Net.Sockets.SocketException)
        {
            var builder = new NpgsqlConnectionStringBuilder(baseConnection);
            throw new InvalidOperationException(
                $"PostgreSQL is not reachable at {builder.Host}:{builder.Port}/{builder.Database} as {builder.Username} ({e.Message}). " +
                "Run scripts/services.sh once (it installs and starts PostgreSQL and RabbitMQ on 127.0.0.1; CI runs it before the tests), " +
                "or set KISRT_TEST_POSTGRES to a connection string.", e);
        }
        return new PostgresTestDatabase(connectionString, schema);
    }

    public async Task<T> ScalarAsync<T>(string sql)
    {
        await using var connection = new NpgsqlConnection(_admin);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql.Replace("{schema}", $"\"{Schema}\""), connection);
        return (T)(await command.ExecuteScalarAsync())!;
    }

    public async Task<List<object?[]>> RowsAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(_admin);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql.Replace("{schema}", $"\"{Schema}\""), connection);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<object?[]>();
        while (await reader.ReadAsync())
        {
            var row = new object?[reader.FieldCount];
            for (var i = 0; i < row.Length; i++) row[i] = reader.IsDBNull(i) ? null : reader.GetValue(i);
            rows.Add(row);
        }
        return rows;
    }

    /// <summary>Ends every connection of this test's application name (what a database restart does to a client).</summary>
    public Task<long> TerminateConnectionsAsync(string applicationName) =>
        ScalarAsync<long>(
            $"SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = '{applicationName}' AND pid <> pg_backend_pid()");

    public async ValueTask DisposeAsync()
    {
        try
        {
            await ScalarAsync<int>($"DROP SCHEMA IF EXISTS \"{Schema}\" CASCADE; SELECT 1");
        }
        catch (NpgsqlException)
        {
            // Best effort: a leftover test schema costs disk, not correctness.
        }
    }
}
