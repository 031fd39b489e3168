using System.Globalization;
using Kis.Realtime.Gateway;
using Kis.Realtime.Simulator;
using Xunit.Abstractions;
using static Kis.Realtime.Tests.Cli.CliTestKit;
using static Kis.Realtime.Tests.Client.ClientTestKit;

namespace Kis.Realtime.Tests.Gateway;

/// <summary>
/// Issue 72, finding 9: on any vhost but <c>/</c> RabbitMQ's event exchange is absent (its plugin declares it in one vhost,
/// <c>/</c> unless configured), so binding the deleted-user watch to it was refused at every gateway start and takeover
/// (two <c>[error]</c> lines in the broker's log each time) and the watch was silently off ("Cannot watch …" once per
/// shard's gateway). A process on a team's vhost now says once that the watch is off there and what turns it on, and
/// the broker logs no error of its user.
/// </summary>
[Collection(KisrtProcessCollection.Name)] // one kisrt process test at a time, beside the tests that wait
public sealed class GatewayTeamVhostTests(ITestOutputHelper output)
{
    [RabbitFact]
    public async Task A_fleet_process_on_a_team_vhost_says_once_the_user_watch_is_off_and_causes_no_broker_error()
    {
        await using var team = await TeamVhost.CreateAsync();
        var log = BrokerLog.FromNow();
        var keys = Enumerable.Range(0, 3).Select(i => new SimulatorCredential(("PSsimTeamVhost" + i).PadRight(36, '0'),
            SimulatorOptions.DefaultAppSecret, SimulatorOptions.DefaultHtsId)).ToList();
        await using var sim = await KisSimulator.StartAsync(SimulatorOptions.Default with { Credentials = keys, Pace = MarketPace.PerSecond(10) });
        var folder = Directory.CreateTempSubdirectory("kisrt-team-");
        try
        {
            // 42 index keys over two app keys (shards 0 and 1) and the claims shard of the third: three gateways in one process.
            var files = await FleetProcesses.WriteFilesAsync(folder.FullName, keys,
                Enumerable.Range(1, 42).Select(i => "index:" + i.ToString("D4", CultureInfo.InvariantCulture)));
            await using var process = FleetProcesses.Start(sim, keys[0], team.GatewayUri, team.Namespace, "a", files);
            string[] shards = ["0", "1", KisGatewayFleet.ClaimsShardName];
            try
            {
                await UntilAsync(() => FleetProcesses.Covered([process], shards, 1) && process.LastReported.Records > 0,
                    "every shard served and records confirmed", CliTimeout);
            }
            catch (TimeoutException)
            {
                output.WriteLine(FleetProcesses.Tail(process.Stderr));
                throw;
            }
            await process.TerminateAsync();
            var exit = await process.WaitForExitAsync().WaitAsync(CliTimeout);
            var text = process.Stderr;
            Assert.True(exit == 0, $"exit {exit}: {FleetProcesses.Tail(text)}");

            var notice = text.Split('\n').Where(l => l.Contains("Not watching for deleted broker users on vhost " + team.Vhost, StringComparison.Ordinal))
                .ToList();
            output.WriteLine(string.Join('\n', notice));
            Assert.True(notice.Count == 1, $"{notice.Count} notices:\n{FleetProcesses.Tail(text)}");
            Assert.Contains("event_exchange.vhost", notice[0], StringComparison.Ordinal); // the fix it names
            Assert.DoesNotContain("Cannot watch for deleted broker users", text, StringComparison.Ordinal);
            await log.SyncAsync(CliTimeout); // the broker's log is written asynchronously: a late error is in by then
            var errors = log.ErrorLinesOf(team.GatewayUser);
            Assert.True(errors.Count == 0, $"the broker logged errors of {team.GatewayUser}:\n{string.Join('\n', errors)}");
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }
}
