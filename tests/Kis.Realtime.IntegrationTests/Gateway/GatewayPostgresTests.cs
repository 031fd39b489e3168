using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Kis.Realtime.Cli.Commands;
using Kis.Realtime.PostgreSql.Internal;
using Kis.Realtime.Gateway;
using Kis.Realtime.Tests.Cli;
using static Kis.Realtime.Tests.Cli.CliTestKit;
using static Kis.Realtime.Tests.Client.ClientTestKit;

namespace Kis.Realtime.Tests.Gateway;

/// <summary><c>kisrt gateway --postgres</c>: simulator → gateway → real RabbitMQ and real PostgreSQL.</summary>
public partial class GatewayPostgresTests
{
    [GeneratedRegex(@"received (\d+), confirmed (\d+),.*pg committed (\d+), lag (\d+), dropped (\d+), retries (\d+)")]
    private static partial Regex StatusPattern();

    [GeneratedRegex(@"PostgreSQL run [0-9a-f-]+: gateway received (\d+), committed (\d+), dropped (\d+), failed (\d+), not committed (\d+), retries (\d+)")]
    private static partial Regex SummaryPattern();

    private static long N(Match m, int group) => long.Parse(m.Groups[group].Value, CultureInfo.InvariantCulture);

    [RabbitFact]
    public async Task The_database_holds_exactly_the_records_the_gateway_received_and_published()
    {
        await using var broker = await RabbitTestBroker.CreateAsync();
        await using var db = await PostgresTestDatabase.CreateAsync();
        var status = new RecordPostgresTests.SynchronizedWriter();
        using var stop = new CancellationTokenSource();
        var options = KisGatewayOptions.Default with { Endpoint = broker.Endpoint };
        var run = GatewayCommand.RunAsync(FastSimulator("index:0001", "stock:005930", "program:005930"), options, TimeSpan.FromMilliseconds(100), null,
            Env(), status, stop.Token, new GatewayPostgresSettings(db.ConnectionString, db.Schema));

        // Records flow and some are committed while the gateway runs: the status line shows the database's figures.
        await UntilAsync(() => run.IsCompleted || StatusPattern().Matches(status.ToString()) is { Count: > 0 } lines
                               && N(lines[^1], 1) >= 1500 && N(lines[^1], 3) > 0, "records received and committed");
        Assert.False(run.IsCompleted, status.ToString());
        var live = StatusPattern().Matches(status.ToString())[^1];
        Assert.Equal(0, N(live, 5));
        stop.Cancel();
        Assert.Equal(0, await run.WaitAsync(CliTimeout));

        var summary = SummaryPattern().Match(status.ToString());
        Assert.True(summary.Success, status.ToString());
        var received = N(summary, 1);
        Assert.Equal(received, N(summary, 2));
        Assert.Equal((0L, 0L, 0L), (N(summary, 3), N(summary, 4), N(summary, 5)));

        // Per TR: the raw table and the TR's typed table hold the same count; together, what the gateway received.
        var perTr = (await db.RowsAsync("SELECT tr_id, count(*) FROM {schema}.raw_messages GROUP BY tr_id ORDER BY tr_id"))
            .ToDictionary(r => (string)r[0]!, r => (long)r[1]!);
        Assert.Equal(["H0STCNT0", "H0UNPGM0", "H0UPCNT0"], perTr.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(received, perTr.Values.Sum());
        foreach (var (trId, count) in perTr)
            Assert.Equal(count, await db.ScalarAsync<long>($"SELECT count(*) FROM {{schema}}.{trId.ToLowerInvariant()}"));

        foreach (var (trId, count) in perTr)
        {
            // The stream holds the same records: per key seq 1..n without a gap, the same bodies in the same order.
            var stream = await broker.ReadStreamAsync(trId, (int)count);
            Assert.Equal(count, stream.Count);
            var raw = await db.RowsAsync($"SELECT t.tr_key, r.message, r.tr_key, r.source_seq, r.source_run FROM {{schema}}.raw_messages r JOIN " +
                $"{{schema}}.{trId.ToLowerInvariant()} t USING (trading_day, run_id, seq) ORDER BY r.seq");
            foreach (var key in stream.Select(s => s.Key).Distinct())
            {
                var ofKey = stream.Where(s => s.Key == key).ToList();
                Assert.Equal(Enumerable.Range(1, ofKey.Count).Select(i => (long)i), ofKey.Select(s => s.Seq));
                // Stored from the record's own values: the body as published, its key, and the gateway's run and seq.
                var fromDb = raw.Where(r => (string)r[0]! == key).ToList();
                Assert.Equal(ofKey.Select(s => s.Body), fromDb.Select(r => (byte[])r[1]!));
                Assert.All(fromDb, r => Assert.Equal(key, (string)r[2]!));
                Assert.Equal(ofKey.Select(s => s.Seq), fromDb.Select(r => (long)r[3]!));
                Assert.Single(fromDb.Select(r => (string)r[4]!).Distinct());
            }

            // A sampled typed row equals `kisrt decode` of its raw row.
            var tr = KisTrs.All.Single(t => t.Id == trId);
            var sample = count / 2 + 1;
            var message = await db.RowsAsync($"SELECT received_at, message FROM {{schema}}.raw_messages WHERE seq = (SELECT seq FROM {{schema}}.raw_messages " +
                $"WHERE tr_id = '{trId}' ORDER BY seq OFFSET {sample - 1} LIMIT 1)");
            var line = Encoding.ASCII.GetBytes(((DateTime)message[0][0]!).ToString("O", CultureInfo.InvariantCulture)
                + $"\t0|{trId}|001|").Concat((byte[])message[0][1]!).Append((byte)'\n').ToArray();
            using var output = new MemoryStream();
            Assert.Equal(0, DecodeCommand.Run(new MemoryStream(line), output, new StringWriter()));
            // `kisrt decode` has no subscription to name the key: it is the one this TR was held for.
            var decoded = System.Text.Json.Nodes.JsonNode.Parse(Assert.Single(JsonLines(Encoding.UTF8.GetString(output.ToArray()))).GetRawText())!;
            decoded["tr_key"] = trId == "H0UPCNT0" ? "0001" : "005930";
            var columns = string.Join(", ", tr.Fields.Select(f => PostgresSchema.Quote(f.Name)));
            var typed = await db.RowsAsync($"SELECT tr_key, {columns} FROM {{schema}}.{trId.ToLowerInvariant()} ORDER BY seq OFFSET {sample - 1} LIMIT 1");
            RecordPostgresTests.AssertSameRecord(tr, System.Text.Json.JsonDocument.Parse(decoded.ToJsonString()).RootElement, Assert.Single(typed));
        }
    }

    [RabbitFact]
    public async Task A_database_restart_while_records_flow_loses_and_repeats_nothing_and_the_gateway_goes_on()
    {
        await using var broker = await RabbitTestBroker.CreateAsync();
        await using var db = await PostgresTestDatabase.CreateAsync();
        var applicationName = new Npgsql.NpgsqlConnectionStringBuilder(db.ConnectionString).ApplicationName!;
        var status = new RecordPostgresTests.SynchronizedWriter();
        using var stop = new CancellationTokenSource();
        var options = KisGatewayOptions.Default with { Endpoint = broker.Endpoint };
        var run = GatewayCommand.RunAsync(FastSimulator("index:0001", "stock:005930"), options, TimeSpan.FromMilliseconds(100), null,
            Env(), status, stop.Token, new GatewayPostgresSettings(db.ConnectionString, db.Schema));

        Match Latest() => StatusPattern().Matches(status.ToString()) is { Count: > 0 } lines ? lines[^1] : Match.Empty;
        await UntilAsync(() => run.IsCompleted || Latest() is { Success: true } m && N(m, 3) >= 500, "records committed before the restart");
        Assert.False(run.IsCompleted, status.ToString());
        // What a database restart does to the gateway's writer: the server ends its connection, mid-batch or idle.
        Assert.True(await db.TerminateConnectionsAsync(applicationName) >= 1);
        var before = N(Latest(), 3);
        await UntilAsync(() => run.IsCompleted || Latest() is { Success: true } m && N(m, 3) >= before + 1_000 && N(m, 6) >= 1,
            "records committed after the restart, with the retry visible on the status line");
        Assert.False(run.IsCompleted, status.ToString());
        stop.Cancel();
        Assert.Equal(0, await run.WaitAsync(CliTimeout));

        var summary = SummaryPattern().Match(status.ToString());
        Assert.True(summary.Success, status.ToString());
        var received = N(summary, 1);
        Assert.Equal(received, N(summary, 2)); // every record the gateway received is committed
        Assert.Equal((0L, 0L, 0L), (N(summary, 3), N(summary, 4), N(summary, 5)));
        Assert.True(N(summary, 6) >= 1, status.ToString());
        // Nothing twice (a batch that was in flight when the connection ended is written once), nothing missing per key.
        Assert.Equal(received, await db.ScalarAsync<long>("SELECT count(*) FROM {schema}.raw_messages"));
        Assert.Equal(received, await db.ScalarAsync<long>("SELECT count(DISTINCT (run_id, seq)) FROM {schema}.raw_messages"));
        Assert.Equal(received, await db.ScalarAsync<long>("SELECT count(*) FROM {schema}.h0upcnt0")
            + await db.ScalarAsync<long>("SELECT count(*) FROM {schema}.h0stcnt0"));
        // The writer numbers what it writes 1, 2, 3 … within its run: no gap, so nothing went missing in the retry.
        Assert.Equal(1L, await db.ScalarAsync<long>("SELECT min(seq) FROM {schema}.raw_messages"));
        Assert.Equal(received, await db.ScalarAsync<long>("SELECT max(seq) FROM {schema}.raw_messages"));
    }
}
