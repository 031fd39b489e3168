using System.Text;
using System.Text.RegularExpressions;
using Kis.Realtime.Gateway.Wire;
using Kis.Realtime.Simulator;
using Kis.Realtime.Tests.Cli;
using RabbitMQ.Client;
using static Kis.Realtime.Tests.Cli.CliTestKit;
using static Kis.Realtime.Tests.Client.ClientTestKit;

namespace Kis.Realtime.Tests.Gateway;

/// <summary>
/// History follows the streams whichever process is active (issue 45, item 1): a hot standby started with
/// <c>--postgres</c> stores what an active gateway started without it publishes, also a TR only that one publishes,
/// across kills of either; at the end the table holds exactly the streams' records.
/// </summary>
[Collection(KisrtProcessCollection.Name)] // one kisrt process test at a time, beside the tests that wait
public partial class GatewayStandbyHistoryTests
{
    [GeneratedRegex(@"received (?=\d+, confirmed (\d+))(\d+)")]
    private static partial Regex ConfirmedPattern();

    [GeneratedRegex(@"kisrt gateway: run (\S+),")]
    private static partial Regex RunPattern();

    private const string Standby = "kisrt gateway: standby:";

    // As in the issue's finding (odd: the --postgres process is active at the end), the plain and the --postgres one in turn.
    private const int Kills = 5;

    [RabbitFact]
    public async Task A_postgres_standby_stores_what_the_active_publishes_and_after_kills_the_table_equals_the_streams()
    {
        await using var broker = await RabbitTestBroker.CreateAsync();
        await using var db = await PostgresTestDatabase.CreateAsync();
        var credential = new SimulatorCredential("PSsimGatewayStandbyPgAppKey".PadRight(36, '0'), SimulatorOptions.DefaultAppSecret,
            SimulatorOptions.DefaultHtsId);
        await using var sim = await KisSimulator.StartAsync(SimulatorOptions.Default with { Credentials = [credential], Pace = MarketPace.PerSecond(500) });
        string[] common = ["--amqp", broker.Endpoint.AmqpUri.ToString(), "--namespace", broker.Endpoint.Namespace];
        // Without --postgres: holds a TR (H0STCNT0) the --postgres processes never publish themselves.
        string[] plain = [.. common, "--sub", "index:0001", "--sub", "stock:005930"];
        string[] storing = [.. common, "--sub", "index:0001", "--postgres", db.ConnectionString, "--pg-schema", db.Schema];
        RecordKillTests.RecorderProcess Start(string[] arguments)
            => RecordKillTests.RecorderProcess.StartCommand("gateway", sim, credential, ConfirmedPattern(), arguments);
        async Task<long> Rows(string where) => await db.ScalarAsync<long>($"SELECT count(*) FROM {{schema}}.raw_messages WHERE {where}");
        string run4; // the last run: the --postgres process's, active at the end
        long confirmed4;

        var started = new List<RecordKillTests.RecorderProcess>();
        RecordKillTests.RecorderProcess Started(string[] arguments)
        {
            var process = Start(arguments);
            started.Add(process);
            return process;
        }
        try
        {
            // Active without --postgres, then a --postgres standby: the standby stores the active's records of both TRs.
            var active = Started(plain);
            await active.WaitUntilWrittenAsync(300).WaitAsync(CliTimeout);
            var standby = Started(storing);
            await UntilAsync(() => standby.Stderr.Contains(Standby, StringComparison.Ordinal), "the --postgres process waiting as standby", CliTimeout);
            var run1 = RunPattern().Match(active.Stderr).Groups[1].Value;
            await UntilDatabaseAsync(async () => await Rows($"source_run = '{run1}' AND tr_id = 'H0STCNT0'") >= 300
                && await Rows($"source_run = '{run1}' AND tr_id = 'H0UPCNT0'") >= 100,
                "the standby storing the active's records of both TRs", standby);

            // The active dies mid-write (SIGKILL); the standby takes over and a process of the killed one's kind comes back
            // as its standby: the --postgres process is active and standby in turn.
            var activeStores = false;
            for (var kill = 1; kill <= Kills; kill++)
            {
                active.Kill();
                await active.WaitForExitAsync().WaitAsync(CliTimeout);
                await standby.WaitUntilWrittenAsync(300).WaitAsync(CliTimeout);
                (active, standby, activeStores) = (standby, Started(activeStores ? storing : plain), !activeStores);
                await UntilAsync(() => standby.Stderr.Contains(Standby, StringComparison.Ordinal), $"kill {kill}: the new process waiting as standby",
                    CliTimeout);
                if (activeStores) continue;
                // A --postgres standby stores what the plain active publishes, the TR only that one publishes too, and says
                // how far its history is: a status line of its own while it waits.
                var run = RunPattern().Match(active.Stderr).Groups[1].Value;
                await UntilDatabaseAsync(async () => await Rows($"source_run = '{run}' AND tr_id = 'H0STCNT0'") >= 300,
                    $"kill {kill}: the new standby storing the new active's records", standby);
                await UntilAsync(() => standby.Stderr.Contains("kisrt gateway: standby, pg committed", StringComparison.Ordinal),
                    "the standby's history status line", CliTimeout);
            }
            Assert.True(activeStores); // Kills is odd: the --postgres process is active, the plain one its standby

            // The standby stops (SIGTERM). End markers (a record of a key of their own) published then: the active's writer
            // has read H0STCNT0 to its end, and H0UPCNT0 up to its own run's records, once they are stored.
            await standby.TerminateAsync();
            Assert.Equal(0, await standby.WaitForExitAsync().WaitAsync(CliTimeout));
            foreach (var tr in new[] { "H0STCNT0", "H0UPCNT0" }) await PublishEndMarkerAsync(broker, tr);
            await UntilDatabaseAsync(async () => await Rows("tr_key = 'END'") == 2, "the active storing up to the end markers", active);
            await active.WaitUntilWrittenAsync(100).WaitAsync(CliTimeout);
            // Stopped as the active gateway, it waits for its writer to store its whole run: exit code 0 says it did.
            await active.TerminateAsync();
            Assert.Equal(0, await active.WaitForExitAsync().WaitAsync(CliTimeout));
            run4 = RunPattern().Matches(active.Stderr)[^1].Groups[1].Value;
            confirmed4 = active.LastReported.Records;
        }
        finally
        {
            foreach (var process in started) await process.DisposeAsync();
        }

        // The table equals the streams: every record of every run once, with its body; nothing more.
        foreach (var tr in new[] { "H0STCNT0", "H0UPCNT0" })
        {
            var last = tr == "H0UPCNT0" ? confirmed4 : 0; // the last run published only H0UPCNT0
            var stream = (await broker.ReadStreamWithRunsAsync(tr, list => list.Any(r => r.Key == "END")
                && list.Where(r => r.Run == run4).Select(r => r.Seq).Distinct().Count() >= last))
                .Select(r => (r.Run, r.Key, r.Seq, Body: Encoding.ASCII.GetString(r.Body))).Distinct().Order().ToList();
            var rows = (await db.RowsAsync($"SELECT source_run, tr_key, source_seq, message FROM {{schema}}.raw_messages WHERE tr_id = '{tr}'"))
                .Select(r => (Run: (string)r[0]!, Key: (string)r[1]!, Seq: (long)r[2]!, Body: Encoding.ASCII.GetString((byte[])r[3]!))).Order().ToList();
            Assert.True(stream.Select(s => s.Run).Distinct().Count() >= 3, $"{tr}: records of at least two runs and the end marker");
            string PerRun(IEnumerable<(string Run, string Key, long Seq, string Body)> records) => string.Join("; ", records.GroupBy(r => (r.Run, r.Key))
                .Select(g => $"{g.Key.Run} {g.Key.Key}: {g.Count()} seq {g.Min(r => r.Seq)}-{g.Max(r => r.Seq)}"));
            Assert.True(stream.Count == rows.Count, $"{tr}: stream {PerRun(stream)} | table {PerRun(rows)}");
            Assert.Equal(stream, rows);
        }
        Assert.Equal(0L, await db.ScalarAsync<long>("SELECT count(*) FROM {schema}.gaps"));
    }

    /// <summary>A well-formed record of key <c>END</c> (a copy of the stream's first record's fields) at the stream's end.</summary>
    private static async Task PublishEndMarkerAsync(RabbitTestBroker broker, string tr)
    {
        var first = (await broker.ReadStreamWithRunsAsync(tr, list => list.Count > 0))[0];
        await using var connection = await broker.Endpoint.CreateFactory("kisrt-tests-end-marker").CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync(
            new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true));
        var properties = new BasicProperties
        {
            Headers = new Dictionary<string, object?>
            {
                [GatewayWire.TrIdHeader] = tr, [GatewayWire.TrKeyHeader] = "END", [GatewayWire.RunHeader] = "end-marker",
                [GatewayWire.SequenceHeader] = 1L, [GatewayWire.ReceivedAtHeader] = GatewayWire.ToUnixMicroseconds(DateTimeOffset.UtcNow),
                    [GatewayWire.SessionHeader] = 0L,
            },
        };
        await channel.BasicPublishAsync("", broker.Endpoint.StreamFor(tr), mandatory: false, properties, first.Body);
    }

    /// <summary>Polls the database until <paramref name="condition"/> holds; fails with the process's output otherwise.</summary>
    private static async Task UntilDatabaseAsync(Func<Task<bool>> condition, string what, RecordKillTests.RecorderProcess process)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(200));
        var deadline = DateTime.UtcNow + CliTimeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) Assert.Fail($"timed out waiting for {what}: {process.Stderr}");
            await timer.WaitForNextTickAsync();
        }
    }
}
