using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Kis.Realtime.Cli.Commands;
using Kis.Realtime.Gateway.PostgreSql;
using Kis.Realtime.Gateway.Wire;
using Kis.Realtime.Gateway;
using Kis.Realtime.Tests.Cli;
using Npgsql;
using RabbitMQ.Client;
using static Kis.Realtime.Tests.Cli.CliTestKit;
using static Kis.Realtime.Tests.Client.ClientTestKit;

namespace Kis.Realtime.Tests.Gateway;

/// <summary>
/// History without invisible holes: the PostgreSQL writer reads the gateway's streams with its own offsets (stored with
/// the rows), so a database outage loses nothing, a record published twice is stored once, and what cannot be stored is
/// a row in <c>gaps</c>. Real RabbitMQ and PostgreSQL; outages made by a proxy in front of PostgreSQL.
/// </summary>
public partial class GatewayHistoryTests
{
    private const string Tr = "H0UPCNT0";

    [GeneratedRegex(@"received (\d+), confirmed (\d+),.*pg committed (\d+), lag (\d+), dropped (\d+), retries (\d+)")]
    private static partial Regex StatusPattern();

    [GeneratedRegex(@"PostgreSQL run [0-9a-f-]+: gateway received (\d+), committed (\d+), dropped (\d+), failed (\d+), not committed (\d+), retries (\d+), " +
        @"gaps (\d+), duplicates skipped (\d+)")]
    private static partial Regex SummaryPattern();

    private static long N(Match m, int group) => long.Parse(m.Groups[group].Value, CultureInfo.InvariantCulture);

    [RabbitFact]
    public async Task A_database_outage_while_records_flow_loses_nothing_and_the_writer_resumes_within_seconds()
    {
        await using var broker = await RabbitTestBroker.CreateAsync();
        await using var db = await PostgresTestDatabase.CreateAsync();
        var direct = new NpgsqlConnectionStringBuilder(db.ConnectionString);
        await using var proxy = new CuttableProxy(new Uri($"tcp://{direct.Host}:{direct.Port}"));
        var throughProxy = new NpgsqlConnectionStringBuilder(db.ConnectionString) { Host = "127.0.0.1", Port = proxy.Port, Timeout = 3 }.ConnectionString;
        var status = new RecordPostgresTests.SynchronizedWriter();
        using var stop = new CancellationTokenSource();
        var options = KisGatewayOptions.Default with { Endpoint = broker.Endpoint };
        var run = GatewayCommand.RunAsync(FastSimulator("index:0001", "stock:005930"), options, TimeSpan.FromMilliseconds(100), null,
            Env(), status, stop.Token, new GatewayPostgresSettings(throughProxy, db.Schema));

        Match Latest() => StatusPattern().Matches(status.ToString()) is { Count: > 0 } lines ? lines[^1] : Match.Empty;
        await UntilAsync(() => run.IsCompleted || Latest() is { Success: true } m && N(m, 3) >= 300, "records committed before the outage");
        Assert.False(run.IsCompleted, status.ToString());

        // The database goes away (every connection reset, new ones refused) while the gateway goes on receiving.
        await proxy.CutAsync();
        var atCut = Latest();
        await UntilAsync(() => run.IsCompleted || Latest() is { Success: true } m && N(m, 1) >= N(atCut, 1) + 1_000 && N(m, 6) >= N(atCut, 6) + 2,
            "records received during the outage, with failed attempts retried", TimeSpan.FromSeconds(60));
        Assert.False(run.IsCompleted, status.ToString());
        var committedInOutage = N(Latest(), 3);
        Assert.True(committedInOutage < N(Latest(), 1), status.ToString()); // the outage is real: the writer is behind

        // Back: the writer commits again within a second or two (a fixed 1 s retry, not a wait grown to 16 s).
        var receivedAtResume = N(Latest(), 1);
        proxy.Resume();
        var back = Stopwatch.StartNew();
        await UntilAsync(() => run.IsCompleted || Latest() is { Success: true } m && N(m, 3) > committedInOutage, "a commit after the database is back");
        var resumedAfter = back.Elapsed;
        // Under the 16 s a grown backoff would wait, with room for a loaded machine.
        Assert.True(resumedAfter < TimeSpan.FromSeconds(10), $"resumed {resumedAfter.TotalSeconds:0.0} s after the database came back");
        // Caught up: everything received up to the database's return is stored (while records go on arriving, a
        // starved machine keeps a steady lag of a few hundred: the records of one commit's latency).
        await Within(() => run.IsCompleted || Latest() is { Success: true } m && N(m, 3) >= receivedAtResume && N(m, 1) > N(atCut, 1) + 1_500,
            () => "caught up: " + string.Join('\n', status.ToString().Split('\n').TakeLast(12)), TimeSpan.FromSeconds(30));
        stop.Cancel();
        var exit = await run.WaitAsync(CliTimeout);
        Assert.True(exit == 0, $"exit {exit}: " + string.Join('\n', status.ToString().Split('\n').TakeLast(12)));

        var summary = SummaryPattern().Match(status.ToString());
        Assert.True(summary.Success, status.ToString());
        var received = N(summary, 1);
        Assert.Equal(received, N(summary, 2));
        Assert.Equal((0L, 0L, 0L, 0L), (N(summary, 3), N(summary, 4), N(summary, 5), N(summary, 7)));

        // The table's (run, key, seq) set equals the stream's, record for record, and no gap was needed.
        Assert.Equal(0L, await db.ScalarAsync<long>("SELECT count(*) FROM {schema}.gaps"));
        var stored = 0L;
        foreach (var trId in new[] { "H0UPCNT0", "H0STCNT0" })
        {
            var rows = await db.RowsAsync($"SELECT source_run, tr_key, source_seq, message FROM {{schema}}.raw_messages WHERE tr_id = '{trId}'");
            var stream = await broker.ReadStreamWithRunsAsync(trId, list => list.Count >= rows.Count);
            Assert.Equal(
                stream.Select(r => (r.Run, r.Key, r.Seq, Encoding.ASCII.GetString(r.Body))).Order().ToList(),
                rows.Select(r => ((string)r[0]!, (string)r[1]!, (long)r[2]!, Encoding.ASCII.GetString((byte[])r[3]!))).Order().ToList());
            Assert.Equal(rows.Count, await db.ScalarAsync<long>($"SELECT count(*) FROM {{schema}}.{trId.ToLowerInvariant()}"));
            stored += rows.Count;
        }
        Assert.Equal(received, stored);
        // The stored offset is where the writer goes on from: the last message of each stream.
        Assert.Equal(2L, await db.ScalarAsync<long>($"SELECT count(*) FROM {{schema}}.stream_offsets WHERE namespace = '{broker.Endpoint.Namespace}'"));
    }

    [RabbitFact]
    public async Task A_commit_whose_answer_is_lost_counts_its_records_once_and_is_not_written_again()
    {
        await using var broker = await RabbitTestBroker.CreateAsync();
        await using var db = await PostgresTestDatabase.CreateAsync();
        await RabbitTestBroker.DeclareStreamAsync(KisGatewayOptions.Default with { Endpoint = broker.Endpoint }, Tr);
        await using var publisher = await StreamPublisher.CreateAsync(broker.Endpoint);
        var direct = new NpgsqlConnectionStringBuilder(db.ConnectionString);
        await using var proxy = new CuttableProxy(new Uri($"tcp://{direct.Host}:{direct.Port}"));
        // Unencrypted, so that the proxy can see the COMMIT go by.
        var throughProxy = new NpgsqlConnectionStringBuilder(db.ConnectionString) { Host = "127.0.0.1", Port = proxy.Port, Timeout = 3,
            SslMode = SslMode.Disable }.ConnectionString;
        var options = KisPostgresStreamWriterOptions.Default with
        {
            Endpoint = broker.Endpoint, ConnectionString = throughProxy, Schema = db.Schema, TrIds = [Tr], RetryDelay = TimeSpan.FromMilliseconds(200),
        };
        await using var writer = new KisPostgresStreamWriter(options);
        await writer.StartAsync(CancellationToken.None);
        await publisher.PublishAsync(Tr, "run-c", "0001", 1, 20);
        await Within(() => writer.Status() is [{ CommittedRecords: 20 }], () => $"the first 20 stored: {string.Join("; ", writer.Status())}");

        // The next batch's COMMIT reaches PostgreSQL; its answer is held, then the connection is cut: committed, unknown to the writer.
        var held = proxy.HoldRepliesAfterClientSends("Q\0\0\0\u000bCOMMIT\0"u8.ToArray()); // the simple-query message Npgsql commits with
        await publisher.PublishAsync(Tr, "run-c", "0001", 21, 10);
        await held.WaitAsync(TestTimeout);
        await proxy.CutAsync();
        proxy.Resume();

        // The writer finds the batch committed (its stored offset) and counts it: the gateway's figure is what the table holds.
        await Within(() => writer.Status() is [{ CommittedOffset: 29, Retries: > 0 }] && writer.CommittedRecordsOf("run-c") == 30,
            () => $"the batch counted: {string.Join("; ", writer.Status())}, run-c {writer.CommittedRecordsOf("run-c")}");
        Assert.Equal(30L, writer.Status()[0].CommittedRecords);
        Assert.Equal(0L, writer.Status()[0].Duplicates);
        Assert.Equal(30L, await db.ScalarAsync<long>("SELECT count(*) FROM {schema}.raw_messages WHERE source_run = 'run-c'"));
    }

    [RabbitFact]
    public async Task A_retention_overrun_is_a_gap_row_with_offsets_and_time_window_not_a_silent_hole()
    {
        await using var broker = await RabbitTestBroker.CreateAsync();
        await using var db = await PostgresTestDatabase.CreateAsync();
        // A tiny stream: 20 kB kept, in 2 kB segments (retention drops whole segments as new ones start).
        var gateway = KisGatewayOptions.Default with { Endpoint = broker.Endpoint, StreamMaxLengthBytes = 20_000, StreamMaxSegmentSizeBytes = 2_000 };
        await RabbitTestBroker.DeclareStreamAsync(gateway, Tr);
        await using var publisher = await StreamPublisher.CreateAsync(broker.Endpoint);
        await publisher.PublishAsync(Tr, "run-a", "0001", 1, 20);

        var options = KisPostgresStreamWriterOptions.Default
            with { Endpoint = broker.Endpoint, ConnectionString = db.ConnectionString, Schema = db.Schema, TrIds = [Tr] };
        long storedOffset;
        await using (var first = new KisPostgresStreamWriter(options))
        {
            await first.StartAsync(CancellationToken.None);
            await Within(() => first.Status() is [{ CommittedRecords: 20 }], () => $"the first 20 records stored: {string.Join("; ", first.Status())}");
            storedOffset = first.Status()[0].CommittedOffset;
        }

        // While no writer runs, far more than the stream keeps is published: its first records are gone.
        await publisher.PublishAsync(Tr, "run-a", "0001", 21, 3_000);
        await using var second = new KisPostgresStreamWriter(options);
        await second.StartAsync(CancellationToken.None);
        var deadline = DateTime.UtcNow + TestTimeout;
        while (await db.ScalarAsync<long?>("SELECT max(source_seq) FROM {schema}.raw_messages") != 3_020)
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"the writer at the end of the stream: {string.Join("; ", second.Status())}");
            await Task.Delay(20);
        }

        // One row says what is missing: the key's seq range, the offsets the stream no longer held, the time window.
        var gap = Assert.Single(
            await db.RowsAsync("SELECT from_offset, to_offset, reason, first_seq, last_seq, from_time, to_time, run, tr_key FROM {schema}.gaps"));
        Assert.Equal(("retention", "run-a", "0001"), ((string)gap[2]!, (string)gap[7]!, (string)gap[8]!));
        Assert.Equal(storedOffset + 1, (long)gap[0]!);
        Assert.True((long)gap[1]! > storedOffset + 1, $"the gap ends at offset {gap[1]}");
        Assert.Equal(21L, (long)gap[3]!);
        var lastMissing = (long)gap[4]!;
        Assert.True(lastMissing > 21, $"the gap ends at seq {lastMissing}");
        // Exactly the records the table lacks are inside the gap: stored ∪ gap = 1 … 3,020, nothing twice.
        var seqs = (await db.RowsAsync("SELECT source_seq FROM {schema}.raw_messages ORDER BY source_seq")).Select(r => (long)r[0]!).ToList();
        Assert.Equal(Enumerable.Range(1, 20).Select(i => (long)i).Concat(Enumerable.Range((int)lastMissing + 1, 3_020 - (int)lastMissing).Select(i => (long)i)),
            seqs);
        var times = await db.RowsAsync($"SELECT source_seq, received_at FROM {{schema}}.raw_messages WHERE source_seq IN (20, {lastMissing + 1})");
        Assert.Equal(times.Single(t => (long)t[0]! == 20)[1], gap[5]);
        Assert.Equal(times.Single(t => (long)t[0]! == lastMissing + 1)[1], gap[6]);
        Assert.Equal(1, second.Status()[0].Gaps);
    }

    [RabbitFact]
    public async Task A_repeat_is_stored_once_a_malformed_message_is_a_gap_and_a_new_writer_goes_on_from_the_stored_offset()
    {
        await using var broker = await RabbitTestBroker.CreateAsync();
        await using var db = await PostgresTestDatabase.CreateAsync();
        await RabbitTestBroker.DeclareStreamAsync(KisGatewayOptions.Default with { Endpoint = broker.Endpoint }, Tr);
        await using var publisher = await StreamPublisher.CreateAsync(broker.Endpoint);
        await publisher.PublishAsync(Tr, "run-b", "0001", 1, 5);                                        // offsets 0–4
        await publisher.PublishAsync(Tr, "run-b", "0001", 6, 1, h => h.Remove(GatewayWire.SequenceHeader)); // 5: no seq
        await publisher.PublishAsync(Tr, "run-b", "0001", 6, 5, perMessage: 5);                         // 6: seq 6–10 in one message
        await publisher.PublishAsync(Tr, "run-b", "0001", 3, 3);                                        // 7–9: seq 3–5 again (a resend)

        var options = KisPostgresStreamWriterOptions.Default
            with { Endpoint = broker.Endpoint, ConnectionString = db.ConnectionString, Schema = db.Schema, TrIds = [Tr] };
        await using (var writer = new KisPostgresStreamWriter(options))
        {
            await writer.StartAsync(CancellationToken.None);
            await UntilAsync(() => writer.Status() is [{ CommittedOffset: 9 }], "every message read");
            var s = writer.Status()[0];
            Assert.Equal((10L, 3L, 1L), (s.CommittedRecords, s.Duplicates, s.Gaps));
        }
        Assert.Equal(Enumerable.Range(1, 10).Select(i => (long)i),
            (await db.RowsAsync("SELECT source_seq FROM {schema}.raw_messages ORDER BY source_seq")).Select(r => (long)r[0]!));
        Assert.Equal(10L, await db.ScalarAsync<long>("SELECT count(*) FROM {schema}.h0upcnt0"));
        var gap = Assert.Single(await db.RowsAsync("SELECT from_offset, to_offset, reason, detail, run, tr_key FROM {schema}.gaps"));
        Assert.Equal((5L, 5L, "malformed", "run-b", "0001"), ((long)gap[0]!, (long)gap[1]!, (string)gap[2]!, (string)gap[4]!, (string)gap[5]!));
        Assert.Contains("seq", (string)gap[3]!);

        // A new writer run starts past the stored offset: only what came since, nothing twice.
        await publisher.PublishAsync(Tr, "run-b", "0001", 11, 5);
        await using var next = new KisPostgresStreamWriter(options with { TrIds = [] }); // the stream is found from its stored offset
        await next.StartAsync(CancellationToken.None);
        await UntilAsync(() => next.Status() is [{ CommittedOffset: 14 }], "the new records read");
        Assert.Equal((5L, 0L, 0L), (next.Status()[0].CommittedRecords, next.Status()[0].Duplicates, next.Status()[0].Gaps));
        Assert.Equal(15L, await db.ScalarAsync<long>("SELECT count(DISTINCT source_seq) FROM {schema}.raw_messages"));
        Assert.Equal(15L, await db.ScalarAsync<long>("SELECT count(*) FROM {schema}.raw_messages"));
    }

    /// <summary>As UntilAsync, with what the state was when it timed out.</summary>
    private static async Task Within(Func<bool> condition, Func<string> what, TimeSpan? timeout = null)
    {
        try
        {
            await UntilAsync(condition, "the condition", timeout ?? TestTimeout);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException("Timed out waiting for " + what());
        }
    }

    /// <summary>Publishes records in the gateway's format (GatewayWire) with confirms, as the gateway would.</summary>
    internal sealed class StreamPublisher : IAsyncDisposable
    {
        private readonly IConnection _connection;
        private readonly IChannel _channel;
        private readonly KisGatewayEndpoint _endpoint;

        private StreamPublisher(KisGatewayEndpoint endpoint, IConnection connection, IChannel channel)
            => (_endpoint, _connection, _channel) = (endpoint, connection, channel);

        public static async Task<StreamPublisher> CreateAsync(KisGatewayEndpoint endpoint)
        {
            var connection = await endpoint.CreateFactory("kisrt-tests-publisher").CreateConnectionAsync();
            var channel = await connection.CreateChannelAsync(
                new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true));
            return new StreamPublisher(endpoint, connection, channel);
        }

        /// <summary>Records <paramref name="firstSeq"/> … of one key, <paramref name="perMessage"/> to a message.</summary>
        public async Task PublishAsync(string trId, string run, string key, long firstSeq, int count, Action<Dictionary<string, object?>>? tamper = null,
            int perMessage = 1)
        {
            for (var seq = firstSeq; seq < firstSeq + count; seq += perMessage)
            {
                var n = (int)Math.Min(perMessage, firstSeq + count - seq);
                // A valid record: the key, the TR's other fields empty, then its seq as a field KIS appended (column extra).
                var emptyFields = new string('^', Kis.Realtime.KisTrs.All.Single(t => t.Id == trId).Fields.Count);
                var body = string.Join('\n', Enumerable.Range(0, n).Select(i => $"{key}{emptyFields}{seq + i:D6}"));
                var headers = new Dictionary<string, object?>
                {
                    [GatewayWire.TrIdHeader] = trId,
                    [GatewayWire.TrKeyHeader] = key,
                    [GatewayWire.ReceivedAtHeader] = GatewayWire.ToUnixMicroseconds(DateTimeOffset.UtcNow),
                    [GatewayWire.SequenceHeader] = seq,
                    [GatewayWire.RunHeader] = run,
                    [GatewayWire.SessionHeader] = 0,
                };
                if (n > 1) headers[GatewayWire.CountHeader] = n;
                tamper?.Invoke(headers);
                await _channel.BasicPublishAsync(_endpoint.Exchange, GatewayWire.RoutingKey(trId, key), mandatory: false,
                    new BasicProperties { DeliveryMode = DeliveryModes.Persistent, Headers = headers }, Encoding.ASCII.GetBytes(body));
            }
        }

        public async ValueTask DisposeAsync()
        {
            await _channel.DisposeAsync();
            await _connection.DisposeAsync();
        }
    }
}
