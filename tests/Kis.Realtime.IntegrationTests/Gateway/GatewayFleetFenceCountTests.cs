using Kis.Realtime.Gateway;
using Kis.Realtime.Simulator;
using Kis.Realtime.Tests.Cli;
using Xunit.Abstractions;
using static Kis.Realtime.Tests.Client.ClientTestKit;

namespace Kis.Realtime.Tests.Gateway;

/// <summary>
/// A term that lost its shard's lock while its publisher's connection lived (its election connection lost, the rest
/// not): what it received is confirmed or dropped at its fence, every record counted. The chaos test's SIGTERM summary
/// found "not everything was published: 1955 unconfirmed" (exit 3) after such a loss: the shard counted as fenced only
/// what the fence dropped at once, not the records KIS delivered while the term closed its session, which the fenced
/// publisher dropped too.
/// </summary>
[Collection(nameof(RecordKillTests))] // runs alone: a fleet and its elections
public sealed class GatewayFleetFenceCountTests(ITestOutputHelper output)
{
    [RabbitFact]
    public async Task A_term_whose_election_connection_is_lost_counts_every_record_it_received_as_confirmed_or_fenced()
    {
        await using var broker = await RabbitTestBroker.CreateAsync();
        var key = new SimulatorCredential("PSsimFleetFenceCount".PadRight(36, '0'), SimulatorOptions.DefaultAppSecret, SimulatorOptions.DefaultHtsId);
        await using var sim = await StartSimAsync(o => o with { Credentials = [key], Pace = MarketPace.PerSecond(500) });
        var universe = Enumerable.Range(1, 5)
            .Select(i => new FleetRegistration(KisTrs.IndexTicks, i.ToString("D4", System.Globalization.CultureInfo.InvariantCulture))).ToList();
        await using var proxy = new CuttableProxy(broker.Endpoint.AmqpUri);
        var endpoint = broker.Endpoint with { AmqpUri = proxy.Rewrite(broker.Endpoint.AmqpUri) };
        await using var fleet = KisGatewayFleet.Start(FleetTestOptions.For(endpoint, sim, [key], universe) with { Name = "fenced" });
        GatewayFleetShardStatus Shard() => fleet.Status().Shards.Single();

        await UntilAsync(() => Shard() is { Role: GatewayRole.Active, Gateway.Confirmed: > 200 }, "the shard publishing");
        var cut = proxy.CutNamed("kisrt-gateway-election"); // its publisher's connection stays open: the term must fence it
        Assert.Equal(1, cut);
        await UntilAsync(() => Shard().EndedReceived > 0, "the term that lost the lock ended", TimeSpan.FromSeconds(60));
        var s = Shard();
        output.WriteLine($"ended term: received {s.EndedReceived}, confirmed {s.EndedConfirmed}, fenced {s.Fenced}, overflowed {s.EndedOverflowed}");
        Assert.True(s.Fenced > 0, "nothing dropped at the fence: the test did not cut a publishing term");
        Assert.Equal(s.EndedReceived, s.EndedConfirmed + s.Fenced + s.EndedOverflowed);
        // And the shard is served again, its next term publishing.
        await UntilAsync(() => Shard() is { Role: GatewayRole.Active, Gateway.Confirmed: > 0 }, "the shard served again", TimeSpan.FromSeconds(60));
    }
}
