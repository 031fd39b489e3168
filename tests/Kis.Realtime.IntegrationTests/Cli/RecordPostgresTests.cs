using System.Buffers;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Kis.Realtime.Cli.Commands;
using Kis.Realtime.PostgreSql.Internal;
using Kis.Realtime.Formatting;
using Kis.Realtime.Protocol;
using Npgsql;
using Kis.Realtime.Tests.Client;
using static Kis.Realtime.Tests.Cli.CliTestKit;

namespace Kis.Realtime.Tests.Cli;

/// <summary><c>kisrt record --postgres</c> against the real PostgreSQL started by <c>scripts/services.sh</c>.</summary>
public partial class RecordPostgresTests
{
    [GeneratedRegex(@"committed ([\d,]+) records and ([\d,]+) raw messages to PostgreSQL .* received ([\d,]+) records in ([\d,]+) messages; undecodable " +
        @"(\d+), retries (\d+)")]
    private static partial Regex SummaryPattern();

    private static long Number(Match m, int group) => long.Parse(m.Groups[group].Value.Replace(",", ""), CultureInfo.InvariantCulture);

    [Fact]
    public async Task The_database_holds_the_same_messages_byte_for_byte_and_the_same_records_as_the_files()
    {
        await using var db = await PostgresTestDatabase.CreateAsync();
        var dir = EmptyDirectory();
        var stderr = new StringWriter();
        var exit = await RecordCommand.RunAsync(FastSimulator(), dir, new RecordSettings(Count: 3000, Postgres: db.ConnectionString, PostgresSchema: db.Schema),
            Env(), stderr, default).WaitAsync(CliTimeout);
        Assert.Equal(0, exit);
        var summary = SummaryPattern().Match(stderr.ToString());
        Assert.True(summary.Success, stderr.ToString());

        // Raw: every message of raw.log, in order, byte for byte, numbered 1..N without a gap.
        var day = Assert.Single(Directory.GetDirectories(dir));
        var scratch = new ArrayBufferWriter<byte>();
        var fromFile = File.ReadAllLines(Path.Combine(day, RecordCommand.RawFileName), System.Text.Encoding.Latin1)
            .Select(l => RawMessageLine.Parse(System.Text.Encoding.Latin1.GetBytes(l), scratch, out _).ToArray()).ToList();
        var fromDb = (await db.RowsAsync("SELECT seq, message, tr_id, trading_day FROM {schema}.raw_messages ORDER BY seq")).ToList();
        Assert.Equal(fromFile.Count, fromDb.Count);
        Assert.Equal(Number(summary, 2), fromDb.Count);
        Assert.Equal(Enumerable.Range(1, fromDb.Count).Select(i => (long)i), fromDb.Select(r => (long)r[0]!));
        for (var i = 0; i < fromFile.Count; i++) Assert.True(fromFile[i].AsSpan().SequenceEqual((byte[])fromDb[i][1]!), $"message {i + 1} differs");
        Assert.All(fromDb, r => Assert.Equal(DateOnly.ParseExact(Path.GetFileName(day), "yyyy-MM-dd", CultureInfo.InvariantCulture), (DateOnly)r[3]!));

        // Typed: each TR table holds exactly the records of its JSON Lines file, field by field, in the same order.
        long total = 0;
        foreach (var file in Directory.GetFiles(day, "*.jsonl"))
        {
            var tr = KisTrs.All.Single(t => t.Id == Path.GetFileNameWithoutExtension(file));
            var json = JsonLines(File.ReadAllText(file));
            var columns = string.Join(", ", tr.Fields.Select(f => PostgresSchema.Quote(f.Name)));
            var rows = await db.RowsAsync($"SELECT tr_key, {columns} FROM {{schema}}.{PostgresSchema.TableOf(tr)} ORDER BY seq, record_index");
            Assert.Equal(json.Count, rows.Count);
            for (var i = 0; i < rows.Count; i++) AssertSameRecord(tr, json[i], rows[i]);
            total += rows.Count;
        }
        Assert.Equal(Number(summary, 1), total);
        // --count stops at the message that reaches it: what the session received after it is counted, not recorded.
        var held = HeldPattern().Match(stderr.ToString());
        Assert.True(Number(summary, 3) == total + (held.Success ? Number(held, 1) : 0), stderr.ToString());
    }

    [GeneratedRegex(@"not recorded: ([\d,]+) records")]
    private static partial Regex HeldPattern();

    internal static void AssertSameRecord(TrDefinition tr, JsonElement json, object?[] row)
    {
        Assert.Equal(json.GetProperty("tr_key").GetString(), row[0]);
        var fields = json.GetProperty("fields");
        for (var i = 0; i < tr.Fields.Count; i++)
        {
            var field = tr.Fields[i];
            var expected = fields.GetProperty(field.Name);
            var actual = row[i + 1];
            if (expected.ValueKind == JsonValueKind.Null || expected.ValueKind == JsonValueKind.String && expected.GetString() == "" && actual is null)
            {
                Assert.True(actual is null || actual is "", $"{tr.Id}.{field.Name}: expected empty, got {actual}");
                continue;
            }
            switch (actual)
            {
                case decimal d: Assert.Equal(expected.GetDecimal(), d); break;
                case long l: Assert.Equal(expected.GetInt64(), l); break;
                case TimeSpan t: Assert.Equal(expected.GetString(), t.ToString("hhmmss", CultureInfo.InvariantCulture)); break;
                case TimeOnly t: Assert.Equal(expected.GetString(), t.ToString("HHmmss", CultureInfo.InvariantCulture)); break;
                default: Assert.Equal(expected.GetString(), actual as string); break;
            }
        }
    }

    [Fact]
    public async Task A_lost_database_connection_is_retried_without_a_gap_or_a_duplicate()
    {
        await using var db = await PostgresTestDatabase.CreateAsync();
        var applicationName = new NpgsqlConnectionStringBuilder(db.ConnectionString).ApplicationName!;
        using var stop = new CancellationTokenSource();
        var stderr = new SynchronizedWriter();
        var run = RecordCommand.RunAsync(FastSimulator(), null, new RecordSettings(Postgres: db.ConnectionString, PostgresSchema: db.Schema), Env(), stderr,
            stop.Token);

        var before = await WaitForRawRowsAsync(db, 200, run);
        // What a database restart does to the writer: its connection is ended by the server, mid-batch or idle.
        Assert.True(await db.TerminateConnectionsAsync(applicationName) >= 1);
        await WaitForRawRowsAsync(db, before + 500, run);
        stop.Cancel();
        Assert.Equal(0, await run.WaitAsync(CliTimeout));

        var summary = SummaryPattern().Match(stderr.ToString());
        Assert.True(summary.Success, stderr.ToString());
        Assert.True(Number(summary, 6) >= 1, "the writer saw the lost connection and retried: " + stderr);
        var messages = Number(summary, 2);
        Assert.Equal(Number(summary, 4), messages); // every message received was committed
        Assert.Equal(Number(summary, 3), Number(summary, 1));
        Assert.Equal(messages, await db.ScalarAsync<long>("SELECT count(*) FROM {schema}.raw_messages"));
        Assert.Equal(messages, await db.ScalarAsync<long>("SELECT max(seq) FROM {schema}.raw_messages"));
        Assert.Equal(1L, await db.ScalarAsync<long>("SELECT count(DISTINCT run_id) FROM {schema}.raw_messages"));
        long records = 0;
        foreach (var tr in KisTrs.All.Where(t => t.IsOfferedOn(KisEnvironment.Real)))
        {
            if (await db.ScalarAsync<bool>($"SELECT to_regclass('{{schema}}.{PostgresSchema.TableOf(tr)}') IS NULL")) continue;
            records += await db.ScalarAsync<long>($"SELECT count(*) FROM {{schema}}.{PostgresSchema.TableOf(tr)}");
        }
        Assert.Equal(Number(summary, 1), records);
    }

    private static async Task<long> WaitForRawRowsAsync(PostgresTestDatabase db, long atLeast, Task run)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(50));
        var deadline = DateTime.UtcNow + CliTimeout;
        while (true)
        {
            Assert.False(run.IsCompleted, "the recorder stopped early");
            var rows = await db.ScalarAsync<bool>("SELECT to_regclass('{schema}.raw_messages') IS NULL")
                ? 0 : await db.ScalarAsync<long>("SELECT count(*) FROM {schema}.raw_messages");
            if (rows >= atLeast) return rows;
            Assert.True(DateTime.UtcNow < deadline, $"only {rows} rows after {CliTimeout}");
            await timer.WaitForNextTickAsync();
        }
    }

    [Fact]
    public async Task A_tr_table_made_before_the_tr_gained_fields_gets_the_new_columns()
    {
        await using var db = await PostgresTestDatabase.CreateAsync();
        var full = KisTrs.All.First(t => t.Id == "H0UPCNT0");
        var older = new TrDefinition(full.Id, full.Description, full.KeyFormat, full.Environments, full.Fields.Take(3).ToList());
        await using var connection = new NpgsqlConnection(db.ConnectionString);
        await connection.OpenAsync();
        await new PostgresSchema(db.Schema).EnsureRawAsync(connection, default);
        await new PostgresSchema(db.Schema).EnsureTrAsync(connection, older, default);
        Assert.Equal(3 + 7, await ColumnCount());

        await new PostgresSchema(db.Schema).EnsureTrAsync(connection, full, default);
        Assert.Equal(full.Fields.Count + 7, await ColumnCount());
        var types = await db.RowsAsync(
            $"SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = '{db.Schema}' AND table_name = 'h0upcnt0'");
        var byName = types.ToDictionary(r => (string)r[0]!, r => (string)r[1]!);
        foreach (var field in full.Fields) Assert.Equal(PostgresSchema.ColumnType(field).Sql == "time" ? "time without time zone"
            : PostgresSchema.ColumnType(field).Sql, byName[field.Name]);

        Task<long> ColumnCount()
            => db.ScalarAsync<long>($"SELECT count(*) FROM information_schema.columns WHERE table_schema = '{db.Schema}' AND table_name = 'h0upcnt0'");
    }

    [Fact]
    public async Task An_unreachable_database_fails_the_run_at_start_without_showing_the_password()
    {
        using var closed = new RefusingPort();
        var port = closed.Port;
        var connection = $"Host=127.0.0.1;Port={port};Username=kisrt;Password=secret-password-123;Database=kisrt;Timeout=5";
        var stderr = new StringWriter();
        var e = await Assert.ThrowsAsync<Kis.Realtime.Cli.Configuration.CliRunException>(() =>
            RecordCommand.RunAsync(FastSimulator(), null, new RecordSettings(Postgres: connection), Env(), stderr, default).WaitAsync(CliTimeout));
        Assert.Contains("--postgres", e.Message); // names the option and where it pointed, so the user knows what to fix
        Assert.Contains($"127.0.0.1:{port}/kisrt", e.Message);
        Assert.IsAssignableFrom<NpgsqlException>(e.InnerException);
        Assert.DoesNotContain("secret-password-123", e.ToString());
        Assert.DoesNotContain("secret-password-123", stderr.ToString());

        await Assert.ThrowsAsync<Kis.Realtime.Cli.Configuration.CliUsageException>(() =>
            RecordCommand.RunAsync(FastSimulator(), null, new RecordSettings(), Env(), stderr, default));
    }

    /// <summary>stderr shared by the status loop and the writers: StringWriter is not thread-safe.</summary>
    internal sealed class SynchronizedWriter : StringWriter
    {
        private readonly Lock _gate = new();
        public override void Write(char value) { lock (_gate) base.Write(value); }
        public override void Write(string? value) { lock (_gate) base.Write(value); }
        public override void WriteLine(string? value) { lock (_gate) base.WriteLine(value); }
        public override Task WriteLineAsync(string? value) { WriteLine(value); return Task.CompletedTask; }
        public override Task WriteAsync(string? value) { Write(value); return Task.CompletedTask; }
        public override string ToString() { lock (_gate) return base.ToString(); }
    }
}
