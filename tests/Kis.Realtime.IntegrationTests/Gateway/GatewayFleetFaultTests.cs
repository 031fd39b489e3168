using Kis.Realtime.Gateway;
using Kis.Realtime.Simulator;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Kis.Realtime.Tests.Client;
using static Kis.Realtime.Tests.Client.ClientTestKit;

namespace Kis.Realtime.Tests.Gateway;

/// <summary>
/// The fleet's faults from the review of issue 61: a shard that cannot be served is released, not held idle; a universe
/// key is never registered by two gateways (a shard's own request queue, a previous run's claim); a consumer's claims on
/// universe keys survive renewals without being claimed again; processes on different plans see each other.
/// </summary>
[Collection(FleetProcessCollection.Name)] // one fleet at a time, beside the tests that wait
public class GatewayFleetFaultTests
{
    private static readonly List<SimulatorCredential> Keys = [.. Enumerable.Range(0, 2)
        .Select(i => new SimulatorCredential(("PSsimFleetFault" + i).PadRight(36, '0'), SimulatorOptions.DefaultAppSecret, SimulatorOptions.DefaultHtsId))];

    // Three index keys: shard 0 on the first app key, the second app key the claims shard.
    private static readonly List<FleetRegistration> Universe = [.. new[] { "0001", "0002", "0003" }.Select(k => new FleetRegistration(KisTrs.IndexTicks, k))];

    private static KisGatewayFleetOptions FleetOptions(KisGatewayEndpoint endpoint, KisSimulator sim, IEnumerable<KisCredential> credentials, string name)
        => KisGatewayFleetOptions.Default with
        {
            Gateway = KisGatewayOptions.Default with
            {
                Endpoint = endpoint,
                Client = Options(sim, [.. credentials]) with { MaxRegistrationsPerSession = 5 },
                ElectionRetryInterval = TimeSpan.FromMilliseconds(100),
                CheckpointInterval = TimeSpan.FromMilliseconds(100),
                ElectionHeartbeat = TimeSpan.FromSeconds(1),
                Lease = TimeSpan.FromSeconds(1.5),
            },
            Universe = Universe,
            RebalanceInterval = TimeSpan.FromMilliseconds(200),
            Name = name,
        };

    private static IEnumerable<KisCredential> Good => Keys.Select(k => new KisCredential(k.AppKey, k.AppSecret));

    private static bool Serves(KisGatewayFleet fleet, string shard, string key) => fleet.Status().Shards.Any(s => s.Shard == shard
        && s.Role == GatewayRole.Active && s.Gateway is { } g && g.Registrations.Any(r => r.Key == key && r.State == "active"));

    [RabbitFact]
    public async Task A_shard_this_process_cannot_serve_is_released_to_a_process_that_can()
    {
        await using var broker = await RabbitTestBroker.CreateAsync();
        await using var sim = await StartSimAsync(o => o with { Credentials = Keys, Pace = MarketPace.PerSecond(50) });
        // The first process's copy of shard 0's secret is wrong (a key rotated, its file not yet): KIS refuses the approval.
        var wrongSecret = new string([.. Keys[0].AppSecret.Reverse()]);
        var wrong = Good.Select((c, i) => i == 0 ? new KisCredential(c.AppKey, wrongSecret) : c).ToList();
        await using var stale = KisGatewayFleet.Start(FleetOptions(broker.Endpoint, sim, wrong, "stale"));
        await UntilAsync(() => stale.Status().Shards.Any(s => s.Shard == "0" && s.Failure is not null), "the stale process's failure on shard 0");
        var check = new KisGatewayFleetHealthCheck(stale);
        var health = await check.CheckHealthAsync(new HealthCheckContext { Registration = new HealthCheckRegistration("fleet", check, null, null) });
        Assert.Equal(HealthStatus.Unhealthy, health.Status);
        Assert.Contains("Shard 0", health.Description, StringComparison.Ordinal);
        Assert.DoesNotContain(wrongSecret, health.Description, StringComparison.Ordinal);

        // Before the fix the stale process kept shard 0's lock with no gateway, for good: the good one never got it.
        await using var good = KisGatewayFleet.Start(FleetOptions(broker.Endpoint, sim, Good, "good"));
        await UntilAsync(() => Universe.All(u => Serves(good, "0", u.Key)), "shard 0 served by the process whose secret KIS accepts", TimeSpan.FromSeconds(30));
        Assert.NotEqual(GatewayRole.Active, stale.Status().Shards.Single(s => s.Shard == "0").Role);
        Assert.Equal(stale.PlanFingerprint, good.PlanFingerprint); // a secret is not part of the plan
    }

    [RabbitFact]
    public async Task A_universe_key_is_registered_once_and_its_claim_survives_renewals()
    {
        await using var broker = await RabbitTestBroker.CreateAsync();
        await using var sim = await StartSimAsync(o => o with { Credentials = Keys, Pace = MarketPace.PerSecond(50) });
        var options = FleetOptions(broker.Endpoint, sim, Good, "one");

        // A previous single gateway's run held a consumer's claims on 0001 (now a universe key) and on 0099; its final
        // checkpoint lists them. The consumer stays (its unsubscribes would release them).
        await using var before = new KisGatewayClient(KisGatewayClientOptions.Default with { Endpoint = broker.Endpoint, ConsumerId = "earlier" });
        await using var first = before.SubscribeRecordsAsync(KisTrs.IndexTicks, "0001").GetAsyncEnumerator();
        await using var second = before.SubscribeRecordsAsync(KisTrs.IndexTicks, "0099").GetAsyncEnumerator();
        await using (var single = await KisGateway.StartAsync(options.Gateway with { Client = options.Gateway.Client with { Credentials = [Good.Last()] } }))
        {
            Assert.True(await first.MoveNextAsync().AsTask().WaitAsync(TestTimeout));
            Assert.True(await second.MoveNextAsync().AsTask().WaitAsync(TestTimeout));
            await UntilAsync(() => single.Status().Registrations.Count(r => r.Key is "0001" or "0099") == 2, "both claims registered");
        }

        await using var fleet = KisGatewayFleet.Start(options);
        await UntilAsync(() => Universe.All(u => Serves(fleet, "0", u.Key)), "shard 0 served");
        GatewayStatus Claims() => fleet.Status().Shards.Single(s => s.Shard == KisGatewayFleet.ClaimsShardName).Gateway
            ?? throw new InvalidOperationException("claims shard not running");
        await UntilAsync(() => fleet.Status().Shards.Any(s => s.Shard == KisGatewayFleet.ClaimsShardName && s.Gateway is { } g
            && g.Registrations.Any(r => r.Key == "0099" && r.State == "active")), "the claims shard restored the claim on 0099");
        // Before the fix the claims shard restored 0001 as well: two runs publishing it.
        Assert.DoesNotContain(Claims().Registrations, r => r.Key == "0001");

        // A universe shard's request queue answers no ad-hoc claim (it would register a key the claims shard may register too).
        await using (var direct = new KisGatewayClient(KisGatewayClientOptions.Default
            with { Endpoint = broker.Endpoint with { Shard = "0" }, ConsumerId = "direct" }))
        {
            await using var adHoc = direct.SubscribeRecordsAsync(KisTrs.IndexTicks, "0098").GetAsyncEnumerator();
            var refused = await Assert.ThrowsAsync<InvalidOperationException>(async () => await adHoc.MoveNextAsync().AsTask().WaitAsync(TestTimeout));
            Assert.Contains("This is fleet shard 0", refused.Message, StringComparison.Ordinal);
        }
        Assert.DoesNotContain(fleet.Status().Shards.Select(s => s.Gateway).OfType<GatewayStatus>().SelectMany(g => g.Registrations), r => r.Key == "0098");

        // A claim on a universe key: the renewals (every lease / 3 = 0.5 s) list it, so it is never claimed again.
        await using var consumer = new KisGatewayClient(KisGatewayClientOptions.Default with { Endpoint = broker.Endpoint, ConsumerId = "desk" });
        await using var universeKey = consumer.SubscribeRecordsAsync(KisTrs.IndexTicks, "0002").GetAsyncEnumerator();
        var until = DateTime.UtcNow + options.Gateway.Lease * 2; // four renewals
        while (DateTime.UtcNow < until) Assert.True(await universeKey.MoveNextAsync().AsTask().WaitAsync(TestTimeout));
        Assert.Equal(0, consumer.ClaimsRenewedAfterLoss);
    }

    [RabbitFact]
    public async Task Processes_on_different_plans_report_each_other()
    {
        await using var broker = await RabbitTestBroker.CreateAsync();
        await using var sim = await StartSimAsync(o => o with { Credentials = Keys, Pace = MarketPace.PerSecond(50) });
        var options = FleetOptions(broker.Endpoint, sim, Good, "old");
        await using var old = KisGatewayFleet.Start(options);
        // A universe grown by one line: the same app keys, another plan (the key's shard differs between the two).
        await using var grown = KisGatewayFleet.Start(options
            with { Universe = [.. Universe, new FleetRegistration(KisTrs.IndexTicks, "0004")], Name = "grown" });
        Assert.NotEqual(old.PlanFingerprint, grown.PlanFingerprint);
        await UntilAsync(() => old.OtherPlanProcesses == 1 && grown.OtherPlanProcesses == 1, "each process counting the other as on another plan");
        Assert.Equal(1, old.LiveProcesses); // the fair share counts only the processes that can take this plan's shards
        var check = new KisGatewayFleetHealthCheck(grown);
        var health = await check.CheckHealthAsync(new HealthCheckContext { Registration = new HealthCheckRegistration("fleet", check, null, null) });
        Assert.Equal(HealthStatus.Unhealthy, health.Status);
        Assert.Contains("another fleet plan", health.Description, StringComparison.Ordinal);
    }

    [Fact] // no broker at all: the port refuses every connection
    public async Task A_standby_whose_elections_cannot_reach_the_broker_is_degraded_then_unhealthy_not_a_healthy_standby()
    {
        using var closed = new RefusingPort();
        var port = closed.Port;
        var endpoint = KisGatewayEndpoint.Default with { AmqpUri = new Uri($"amqp://guest:guest@127.0.0.1:{port}/"), Namespace = "unreachable" };
        var options = KisGatewayFleetOptions.Default with
        {
            Gateway = KisGatewayOptions.Default with
            {
                Endpoint = endpoint,
                Client = KisRealtimeOptions.Default with { Credentials = [.. Good], MaxRegistrationsPerSession = 5 },
                ElectionRetryInterval = TimeSpan.FromMilliseconds(100),
                ElectionHeartbeat = TimeSpan.FromSeconds(5), // Unhealthy after 10 s: a broker blip is only Degraded
            },
            Universe = Universe,
            Name = "cut-off",
        };
        await using var fleet = KisGatewayFleet.Start(options);
        await UntilAsync(() => fleet.Status().Shards.All(s => s.BrokerProblem is not null), "every shard's election reporting the broker unreachable");
        var check = new KisGatewayFleetHealthCheck(fleet);
        var context = new HealthCheckContext { Registration = new HealthCheckRegistration("fleet", check, null, null) };
        var health = await check.CheckHealthAsync(context);
        Assert.Equal(HealthStatus.Degraded, health.Status); // was Unhealthy at the first failed connect
        Assert.Contains("not a candidate in its election", health.Description, StringComparison.Ordinal);
        await UntilAsync(() => fleet.Status().Shards.Any(s => s.BrokerProblemPersists), "the problem lasting two heartbeats");
        health = await check.CheckHealthAsync(context);
        Assert.Equal(HealthStatus.Unhealthy, health.Status); // was Healthy before issue 61's review: "Standby: … holding none"
    }
}
