using Kis.Realtime.Gateway;
using Kis.Realtime.Simulator;
using Xunit.Abstractions;
using static Kis.Realtime.Tests.Client.ClientTestKit;

namespace Kis.Realtime.Tests.Gateway;

/// <summary>
/// A fleet process cut off from the broker by a partition that heals (its bytes delayed, not lost) while it holds a
/// shard: the broker moves the shard to the other process when the holder's election heartbeats stop, and when the
/// held bytes flow again nothing of the old term may reach the stream after the new holder's first record (the two runs
/// of a key never interleave). Before the fence the old term's publisher, its connection still open at the broker, sent
/// its records after the new holder's when the partition healed.
/// </summary>
[Collection(FleetProcessCollection.Name)] // one fleet at a time, beside the tests that wait
public class GatewayFleetFenceTests(ITestOutputHelper output)
{
    [RabbitFact]
    public async Task A_holder_whose_partition_heals_after_the_shard_moved_publishes_nothing_after_the_new_holder()
    {
        await using var broker = await RabbitTestBroker.CreateAsync();
        var key = new SimulatorCredential("PSsimFleetHeal".PadRight(36, '0'), SimulatorOptions.DefaultAppSecret, SimulatorOptions.DefaultHtsId);
        await using var sim = await StartSimAsync(o => o with { Credentials = [key], Pace = MarketPace.PerSecond(50) });
        var proxy = new CuttableProxy(broker.Endpoint.AmqpUri);
        KisGatewayFleetOptions Fleet(KisGatewayEndpoint endpoint, string name) => KisGatewayFleetOptions.Default with
        {
            Gateway = KisGatewayOptions.Default with
            {
                Endpoint = endpoint,
                Client = Options(sim, new KisCredential(key.AppKey, key.AppSecret)) with { MaxRegistrationsPerSession = 5 },
                ElectionRetryInterval = TimeSpan.FromMilliseconds(100),
                CheckpointInterval = TimeSpan.FromMilliseconds(100),
                ElectionHeartbeat = TimeSpan.FromSeconds(2), // the default: the publisher's heartbeat is half of it
            },
            Universe = [.. new[] { "0001", "0002", "0003" }.Select(k => new FleetRegistration(KisTrs.IndexTicks, k))],
            RebalanceInterval = TimeSpan.FromMilliseconds(200),
            Name = name,
        };
        static GatewayStatus? Serving(KisGatewayFleet fleet) =>
            fleet.Status().Shards.Single(s => s.Shard == "0") is { Role: GatewayRole.Active, Gateway: { Confirmed: > 0 } g } ? g : null;

        var cutOff = KisGatewayFleet.Start(Fleet(broker.Endpoint with { AmqpUri = proxy.Rewrite(broker.Endpoint.AmqpUri) }, "cut-off"));
        KisGatewayFleet? survivor = null;
        try
        {
            await UntilAsync(() => Serving(cutOff) is not null, "the first process publishing shard 0");
            survivor = KisGatewayFleet.Start(Fleet(broker.Endpoint, "survivor"));
            await UntilAsync(() => survivor.LiveProcesses == 2 && cutOff.LiveProcesses == 2, "both processes counted");
            var oldRun = Serving(cutOff)!.Run;

            proxy.Delay(); // every byte either way held, connections open: a partition that will heal
            await UntilAsync(() => Serving(survivor) is not null, "the survivor publishing shard 0", TimeSpan.FromSeconds(90));
            var newRun = Serving(survivor)!.Run;
            var atHeal = Serving(survivor)!.Confirmed;
            proxy.Heal(); // what the cut-off process sent during the partition reaches the broker now, if its connection lives
            // Its term over (gateway gone) and the survivor well past the heal: whatever the old term could still publish is in.
            await UntilAsync(() => cutOff.Status().Shards.Single().Gateway is null && Serving(survivor) is { } s && s.Confirmed >= atHeal + 100,
                "the old term ended and the survivor publishing on", TimeSpan.FromSeconds(60));
            var confirmed = Serving(survivor)!.Confirmed;
            var records = await broker.ReadStreamWithRunsAsync(KisTrs.IndexTicks.Id, list => list.Count(r => r.Run == newRun) >= confirmed);
            var firstNew = records.FindIndex(r => r.Run == newRun);
            var lateOld = records.Skip(firstNew).Count(r => r.Run == oldRun);
            var shard = cutOff.Status().Shards.Single();
            output.WriteLine($"old run {records.Count(r => r.Run == oldRun)} records, new run from index {firstNew}; " +
                             $"old records after it: {lateOld}; fenced {shard.Fenced}");
            Assert.True(lateOld == 0, $"{lateOld} records of the old term's run reached the stream after the new holder's first record");
            // What the old term held when its lock went is dropped, counted and shown, never published late.
            Assert.True(shard.Fenced > 0, "the cut-off shard's status shows no fenced records");
        }
        finally
        {
            if (survivor is not null) await survivor.DisposeAsync();
            await proxy.CutAsync();
            await cutOff.DisposeAsync();
            await proxy.DisposeAsync();
        }
    }
}
