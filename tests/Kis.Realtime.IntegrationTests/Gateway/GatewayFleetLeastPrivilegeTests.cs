using Kis.Realtime.Gateway;
using Kis.Realtime.Simulator;
using Xunit.Abstractions;
using static Kis.Realtime.Tests.Client.ClientTestKit;

namespace Kis.Realtime.Tests.Gateway;

/// <summary>
/// A fleet under the gateway user of scripts/rabbitmq-users.sh (only the permissions docs/gateway-security.md documents)
/// and a consumer under a consumer user: two processes balance the shards, the claims shard answers an ad-hoc claim,
/// <c>status --fleet</c> answers the gateway's user, a stop moves the shards, and the broker logs no refusal of either
/// user on the namespace (every queue, stream and exchange of the fleet within the permissions).
/// </summary>
[Collection(FleetProcessCollection.Name)] // one fleet at a time, beside the tests that wait
public sealed class GatewayFleetLeastPrivilegeTests(SecureBroker users, ITestOutputHelper output) : IClassFixture<SecureBroker>
{
    [RabbitFact]
    public async Task A_fleet_runs_with_the_documented_least_privilege_gateway_user()
    {
        await using var cleanup = RabbitTestBroker.For(users.Namespace);
        var log = BrokerLog.FromNow();
        var keys = Enumerable.Range(0, 3)
            .Select(i => new SimulatorCredential(("PSsimFleetUser" + i).PadRight(36, '0'), SimulatorOptions.DefaultAppSecret, SimulatorOptions.DefaultHtsId))
            .ToList();
        await using var sim = await StartSimAsync(o => o with { Credentials = keys, Pace = MarketPace.PerSecond(100) });
        // Seven index keys, 5 a key: shards 0 and 1, and the third key the claims shard.
        var universe = Enumerable.Range(1, 7)
            .Select(i => new FleetRegistration(KisTrs.IndexTicks, i.ToString("D4", System.Globalization.CultureInfo.InvariantCulture))).ToList();
        var gatewayUser = users.EndpointOf(users.GatewayUser);
        var options = FleetTestOptions.For(gatewayUser, sim, keys, universe);
        var fleets = new List<KisGatewayFleet>();
        try
        {
            foreach (var name in new[] { "a", "b" }) fleets.Add(KisGatewayFleet.Start(options with { Name = name }));
            await UntilAsync(() => EveryShardServedOnce(fleets), "every shard served once by two processes", TimeSpan.FromSeconds(45));
            Assert.All(fleets, f => Assert.True(f.Status().Shards.All(s => s.Failure is null), string.Join(", ", f.Status().Shards.Select(s => s.Failure))));

            // The consumer's user reads a universe key and claims one outside it (the claims shard registers it).
            await using var consumer = new KisGatewayClient(KisGatewayClientOptions.Default with
                { Endpoint = users.EndpointOf(users.Alice), ConsumerId = "alice" });
            // A key of a shard the process about to stop holds: after the stop a record of another run must come.
            var stopping = fleets.First(f => f.Status().Shards.Any(s => s.Role == GatewayRole.Active && s.Registrations > 0));
            var moved = stopping.Status().Shards.First(s => s.Role == GatewayRole.Active && s.Registrations > 0);
            var movedKey = universe[int.Parse(moved.Shard, System.Globalization.CultureInfo.InvariantCulture) * 5].Key;
            await using var universeKey = consumer.SubscribeRecordsAsync(KisTrs.IndexTicks, movedKey).GetAsyncEnumerator();
            Assert.True(await universeKey.MoveNextAsync().AsTask().WaitAsync(TestTimeout));
            await using var adHoc = consumer.SubscribeRecordsAsync(KisTrs.IndexTicks, "0099").GetAsyncEnumerator();
            Assert.True(await adHoc.MoveNextAsync().AsTask().WaitAsync(TestTimeout));

            var statusText = await FleetTestOptions.FleetServedAsync(gatewayUser, t => t.Contains("2 process(es) holding them", StringComparison.Ordinal));
            output.WriteLine(statusText);

            await stopping.DisposeAsync();
            fleets.Remove(stopping);
            await UntilAsync(() => EveryShardServedOnce(fleets), "every shard served by the remaining process", TimeSpan.FromSeconds(20));
            // A record buffered before the stop would satisfy a plain MoveNext: the moved key's records of the new holder's run
            // must reach the stream, and the consumer's user go on reading them.
            var newRun = fleets[0].Status().Shards.Single(s => s.Shard == moved.Shard).Gateway!.Run;
            // The whole stream read back: bounded for a loaded machine, as in GatewayFleetTests (what is published, not how fast).
            await cleanup.ReadStreamWithRunsAsync(KisTrs.IndexTicks.Id, list => list.Any(r => r.Key == movedKey && r.Run == newRun))
                .WaitAsync(TimeSpan.FromSeconds(90));
            Assert.True(await universeKey.MoveNextAsync().AsTask().WaitAsync(TestTimeout));

            var errors = log.ErrorLinesExceptStandbyQueueRaceOf(users.GatewayUser, users.Namespace)
                .Concat(log.ErrorLinesOf(users.Alice, users.Namespace)).ToList();
            Assert.True(errors.Count == 0, string.Join('\n', errors));
        }
        finally
        {
            foreach (var fleet in fleets) await fleet.DisposeAsync();
        }
    }

    /// <summary>Every shard held and published by exactly one of the processes, every process counting them all.</summary>
    private static bool EveryShardServedOnce(IReadOnlyList<KisGatewayFleet> fleets)
    {
        var statuses = fleets.Select(f => f.Status()).ToList();
        if (statuses.Any(s => s.LiveProcesses != fleets.Count)) return false;
        return statuses[0].Shards.Select(s => s.Shard).All(name => statuses.Count(s => s.Shards.Any(x => x.Shard == name
            && x.Role == GatewayRole.Active && x.Gateway is { } g && (name == KisGatewayFleet.ClaimsShardName || g.Confirmed > 0))) == 1);
    }
}
