using Kis.Realtime.Gateway;
using Kis.Realtime.Gateway.Internal;
using Kis.Realtime.Gateway.Wire;
using RabbitMQ.Client;

namespace Kis.Realtime.Tests.Gateway;

/// <summary>
/// The takeovers a fleet process begins at once (a killed process's shards all go to the next candidate) share one read
/// of each TR stream's tail (<c>PreviousRunTail.Shared.cs</c>), and each still finds where its own previous run's
/// records of every key end: four runs' records interleave on one stream, as four shards' publishers write them, each
/// run ending at its own seq.
/// </summary>
public class GatewayFleetTailReadTests
{
    [RabbitFact]
    public async Task Takeovers_at_once_each_find_their_previous_runs_last_record_of_every_key()
    {
        await using var broker = await RabbitTestBroker.CreateAsync();
        var options = KisGatewayOptions.Default with { Endpoint = broker.Endpoint };
        await RabbitTestBroker.DeclareStreamAsync(options, "H0STCNT0");
        var runs = Enumerable.Range(0, 4).Select(i => $"run-{i}").ToList();
        string[] keys = ["005930", "000660"];
        static int LastOf(int run) => 20 + 3 * run;
        var now = GatewayWire.ToUnixMicroseconds(DateTimeOffset.UtcNow);
        await using (var connection = await broker.Endpoint.CreateFactory("kisrt-tests-publisher").CreateConnectionAsync())
        await using (var channel = await connection.CreateChannelAsync(new CreateChannelOptions(true, true)))
        {
            for (var seq = 1; seq <= LastOf(runs.Count - 1); seq++)
                for (var run = 0; run < runs.Count; run++)
                    foreach (var key in keys.Where(_ => seq <= LastOf(run)))
                    {
                        var properties = new BasicProperties
                        {
                            Headers = new Dictionary<string, object?>
                            {
                                [GatewayWire.RunHeader] = runs[run],
                                [GatewayWire.TrKeyHeader] = key,
                                [GatewayWire.SequenceHeader] = (long)seq,
                                [GatewayWire.ReceivedAtHeader] = now - 1_000_000 + seq,
                            },
                        };
                        await channel.BasicPublishAsync(broker.Endpoint.Exchange, GatewayWire.RoutingKey("H0STCNT0", key), true, properties,
                            "x"u8.ToArray());
                    }
        }

        var checkpointAt = now - 3_000_000;
        GatewayCheckpoint Checkpoint(string run) =>
            new(run, checkpointAt - 10_000_000, checkpointAt, [], [new GatewayCheckpointKey("H0STCNT0", keys[0], 1, checkpointAt)]);
        var found = await Task.WhenAll(runs.Select(run => PreviousRunTail.ReadAsync(options, Checkpoint(run), now, CancellationToken.None)));

        for (var run = 0; run < runs.Count; run++)
            foreach (var key in keys)
                Assert.Equal(LastOf(run), found[run][("H0STCNT0", key)].Seq);
    }
}
