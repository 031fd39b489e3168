using Kis.Realtime.Gateway;
using Kis.Realtime.Simulator;
using Kis.Realtime.Tests.Client;
using Xunit.Abstractions;
using static Kis.Realtime.Tests.Client.ClientTestKit;

namespace Kis.Realtime.Tests.Gateway;

/// <summary>
/// A dead process's shards arrive at the survivor next in their elections together, and each is decided on (serve, or hand
/// on unstarted to a process under its share) one at a time: seconds at the whole market's burst. Seen at full size: the
/// survivor's rebalancer counted the shards waiting for their decision as held and handed over shards it had served all
/// along (each such move a gap on keys the kill never touched). Here every decision takes 3 s.
/// </summary>
[Collection(FleetProcessCollection.Name)] // one fleet at a time, beside the tests that wait
public class GatewayFleetTakeoverTests(ITestOutputHelper output)
{
    [RabbitFact]
    public async Task A_survivor_deciding_on_a_dead_processes_shards_hands_over_none_of_its_own()
    {
        await using var broker = await RabbitTestBroker.CreateAsync();
        var keys = Enumerable.Range(0, 12)
            .Select(i => new SimulatorCredential(("PSsimTakeKey" + i).PadRight(36, '0'), SimulatorOptions.DefaultAppSecret,
                SimulatorOptions.DefaultHtsId)).ToList();
        await using var sim = await StartSimAsync(o => o with { Credentials = keys, Pace = MarketPace.PerSecond(50) });
        // 50 index keys, 5 an app key: 10 universe shards and the claims shard, 11 in all (the 12th key spare).
        var universe = Enumerable.Range(1, 50)
            .Select(i => new FleetRegistration(KisTrs.IndexTicks, i.ToString("D4", System.Globalization.CultureInfo.InvariantCulture))).ToList();
        var options = FleetTestOptions.For(broker.Endpoint, sim, keys, universe);
        var fleets = new List<KisGatewayFleet>();
        // b's and c's lines: the rebalancer logs each hand-over it makes (a decline is logged apart).
        var capture = new CapturingLoggerProvider();
        using var loggers = new Microsoft.Extensions.Logging.LoggerFactory([capture]);
        var lines = capture.Lines;
        KisGatewayFleetOptions Logged(KisGatewayFleetOptions o) => o with { Gateway = o.Gateway with { LoggerFactory = loggers } };
        try
        {
            // a and b first, c last: in every election c waits behind b, so all of a's shards go to b when a goes.
            fleets.Add(KisGatewayFleet.Start(options with { Name = "a" }));
            fleets.Add(KisGatewayFleet.Start(Logged(options with { Name = "b" })));
            await BalancedAsync(fleets, 6, universe.Count, "a and b balanced");
            fleets.Add(KisGatewayFleet.Start(Logged(options with { Name = "c" })));
            await BalancedAsync(fleets, 4, universe.Count, "a, b and c balanced");
            var (a, b, c) = (fleets[0], fleets[1], fleets[2]);
            var ownBefore = Held(b).Concat(Held(c)).ToDictionary(s => s.Shard, s => s.HandedOver);
            lines.Clear();
            // Each decision on a's shards takes 3 s: they arrive together and wait for theirs, held by the election meanwhile.
            b.Takeovers.DecisionDelay = c.Takeovers.DecisionDelay = TimeSpan.FromSeconds(3);
            output.WriteLine($"before: a [{string.Join(",", Held(a).Select(s => s.Shard))}], b [{string.Join(",", Held(b).Select(s => s.Shard))}], " +
                             $"c [{string.Join(",", Held(c).Select(s => s.Shard))}]");

            await a.DisposeAsync();
            fleets.Remove(a);
            await BalancedAsync(fleets, 6, universe.Count, "a's shards served by b and c");
            output.WriteLine($"after: b [{string.Join(",", Held(b).Select(s => s.Shard))}], c [{string.Join(",", Held(c).Select(s => s.Shard))}]");

            // No rebalancing: a's shards were spread by their decisions (declined ones handed on unstarted), and every shard b
            // and c held before is still held where it was, never handed over meanwhile.
            var rebalanced = lines.Where(l => l.Contains("Fleet: handing over", StringComparison.Ordinal)).ToList();
            Assert.True(rebalanced.Count == 0, string.Join('\n', rebalanced));
            var now = Held(b).Concat(Held(c)).ToDictionary(s => s.Shard, s => s.HandedOver);
            foreach (var (shard, handedOver) in ownBefore)
            {
                Assert.True(now.TryGetValue(shard, out var after), $"shard {shard}, held before a went, is no longer held by the same process");
                Assert.True(after == handedOver, $"shard {shard}: handed over {after - handedOver} time(s) while a's shards were decided on");
            }
        }
        finally
        {
            foreach (var fleet in fleets) await fleet.DisposeAsync();
        }
    }

    private async Task BalancedAsync(List<KisGatewayFleet> fleets, int share, int universe, string what)
    {
        try
        {
            await UntilAsync(() => GatewayFleetTests.Balanced(fleets, share, universe), what, TimeSpan.FromSeconds(90));
        }
        catch (TimeoutException)
        {
            static string Shard(GatewayFleetShardStatus s) => $"{s.Shard} {s.Role}" +
                (s.Gateway is { } g ? $" {g.Registrations.Count(r => r.State == "active")} active" : "") + (s.Failure is { } f ? " failed " + f : "");
            foreach (var fleet in fleets)
                output.WriteLine($"{fleet.Name}: live {fleet.LiveProcesses}, " + string.Join(", ", fleet.Status().Shards.Select(Shard)));
            throw;
        }
    }

    private static IEnumerable<GatewayFleetShardStatus> Held(KisGatewayFleet fleet) =>
        fleet.Status().Shards.Where(s => s.Role == GatewayRole.Active);
}
