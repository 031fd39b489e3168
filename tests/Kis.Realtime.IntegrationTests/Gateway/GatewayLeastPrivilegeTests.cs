using System.Globalization;
using System.Text.RegularExpressions;
using Kis.Realtime.Cli.Commands;
using Kis.Realtime.Gateway;
using Kis.Realtime.Tests.Cli;
using static Kis.Realtime.Tests.Cli.CliTestKit;
using static Kis.Realtime.Tests.Client.ClientTestKit;

namespace Kis.Realtime.Tests.Gateway;

/// <summary>
/// Issue 30, item 3: the deployment docs/gateway-security.md describes, followed as a team would: users from
/// scripts/rabbitmq-users.sh, TLS with the private CA, `kisrt gateway --postgres` under the gateway's user and a
/// consumer under its own. The writer stored nothing before (the gateway's user read no stream), silently.
/// </summary>
public sealed partial class GatewayLeastPrivilegeTests(SecureBroker users) : IClassFixture<SecureBroker>
{
    [GeneratedRegex(@"PostgreSQL run [0-9a-f-]+: gateway received (\d+), committed (\d+), dropped (\d+), failed (\d+), not committed (\d+)")]
    private static partial Regex SummaryPattern();

    [RabbitFact]
    public async Task The_documented_least_privilege_deployment_stores_every_record_and_a_restart_adds_no_gap()
    {
        await using var cleanup = RabbitTestBroker.For(users.Namespace);
        await using var db = await PostgresTestDatabase.CreateAsync();
        var options = KisGatewayOptions.Default with { Endpoint = users.TlsEndpointOf(users.GatewayUser) };
        long committed = 0;
        // Twice: a normal restart announces the new run on each key's stream; an announcement is not a gap.
        for (var run = 0; run < 2; run++)
        {
            var status = new RecordPostgresTests.SynchronizedWriter();
            using var stop = new CancellationTokenSource();
            var gateway = GatewayCommand.RunAsync(FastSimulator("index:0001"), options, TimeSpan.FromMilliseconds(100), null,
                Env(), status, stop.Token, new GatewayPostgresSettings(db.ConnectionString, db.Schema));
            await UntilAsync(() => gateway.IsCompleted || status.ToString().Contains("holding H0UPCNT0"), "the gateway holding its key", CliTimeout);
            Assert.False(gateway.IsCompleted, status.ToString());
            await using (var consumer = new KisGatewayClient(KisGatewayClientOptions.Default
                with { Endpoint = users.TlsEndpointOf(users.Alice), ConsumerId = "alice" }))
            {
                var read = 0;
                await foreach (
                    var _ in consumer.SubscribeRecordsAsync(KisTrs.IndexTicks, "0001").WithCancellation(new CancellationTokenSource(TestTimeout * 2).Token))
                    if (++read == 200) break;
            }
            stop.Cancel();
            Assert.True(await gateway.WaitAsync(CliTimeout) == 0, status.ToString());
            var summary = SummaryPattern().Match(status.ToString());
            Assert.True(summary.Success, status.ToString());
            Assert.True(long.Parse(summary.Groups[2].Value, CultureInfo.InvariantCulture) > 0, "pg committed 0: " + status);
            Assert.Equal(summary.Groups[1].Value, summary.Groups[2].Value); // received = committed
            committed += long.Parse(summary.Groups[2].Value, CultureInfo.InvariantCulture);
        }

        // PostgreSQL = the stream: every record of it, no gap of any kind (the announcements included).
        var stream = await cleanup.ReadStreamAsync("H0UPCNT0", list => list.Count >= committed);
        Assert.Equal(stream.Count, await db.ScalarAsync<long>("SELECT count(*) FROM {schema}.raw_messages"));
        Assert.Equal(committed, stream.Count);
        Assert.Equal(0, await db.ScalarAsync<long>("SELECT count(*) FROM {schema}.gaps"));
    }

    [RabbitFact]
    public async Task A_writer_whose_user_may_not_read_the_streams_fails_at_once_with_one_line_and_stops_promptly()
    {
        await using var cleanup = RabbitTestBroker.For(users.Namespace + "x");
        await using var db = await PostgresTestDatabase.CreateAsync();
        // The gateway's permissions as they were (no read on the streams), on a namespace of its own.
        var user = "kisrt-test-noread-" + Guid.NewGuid().ToString("N")[..8];
        var password = Guid.NewGuid().ToString("N");
        var ns = users.Namespace + "x";
        await RabbitCtlAsync("add_user", user, password);
        try
        {
            await RabbitCtlAsync("set_permissions", "-p", "/", user,
                $"^({ns}\\.(records(\\.run-[0-9T-]+-[0-9a-f]+)?|requests|requests-exchange|gateway-(active|standbys|runs))|{ns}\\.[A-Z0-9]+)$",
                $"^({ns}\\.(records(\\.run-[0-9T-]+-[0-9a-f]+)?|requests|gateway-(active|standbys|runs))|{ns}\\.[A-Z0-9]+|amq\\.default)$",
                $"^{ns}\\.(records(\\.run-[0-9T-]+-[0-9a-f]+)?|requests|requests-exchange|gateway-(active|standbys|runs))$");
            var options = KisGatewayOptions.Default with
            {
                Endpoint = KisGatewayEndpoint.Default with { AmqpUri = new Uri($"amqp://{user}:{password}@127.0.0.1:5672/"), Namespace = ns },
            };
            var status = new RecordPostgresTests.SynchronizedWriter();
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var failure = await Record.ExceptionAsync(() => GatewayCommand.RunAsync(FastSimulator("index:0001"), options, TimeSpan.FromMilliseconds(100), null,
                Env(), status, CancellationToken.None, new GatewayPostgresSettings(db.ConnectionString, db.Schema)).WaitAsync(CliTimeout));
            // One line naming the refusal, soon (before: pg committed 0 for ever, the 403 at debug, a 30 s hang at SIGTERM).
            var refused = Assert.IsType<Kis.Realtime.Cli.Configuration.CliRunException>(failure);
            Assert.Contains("ACCESS_REFUSED", refused.Message);
            Assert.Contains("H0UPCNT0", refused.Message);
            Assert.DoesNotContain(password, refused.Message + status);
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(25), $"took {clock.Elapsed.TotalSeconds:0.0} s");
        }
        finally
        {
            await RabbitCtlAsync("delete_user", user);
        }
    }

    private static async Task RabbitCtlAsync(params string[] arguments)
    {
        var result = await ChildProcess.RunAsync("rabbitmqctl", ["-q", .. arguments], TimeSpan.FromSeconds(60));
        Assert.True(result.ExitCode == 0, $"rabbitmqctl {arguments[0]}: {result.Errors}");
    }
}
