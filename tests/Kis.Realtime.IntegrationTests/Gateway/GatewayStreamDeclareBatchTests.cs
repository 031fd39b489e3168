using Kis.Realtime.Gateway;
using Kis.Realtime.Gateway.Internal;
using Microsoft.Extensions.Logging.Abstractions;
using RabbitMQ.Client;

namespace Kis.Realtime.Tests.Gateway;

/// <summary>
/// Issue 72, finding 10: "No turn to declare streams … within 30 s", 65 times in a whole-market run. Each shard took a
/// fleet-wide turn of its own for each stream (44 shards a process, each with its TRs, all at the open), so the queue of
/// waiters outgrew the turn's patience. A process's shards now share one turn that declares every stream of the plan.
/// </summary>
public sealed class GatewayStreamDeclareBatchTests
{
    private const int Shards = 12;

    [RabbitFact]
    public async Task A_process_s_shards_declare_every_stream_of_the_plan_in_one_turn()
    {
        await using var broker = await RabbitTestBroker.CreateAsync();
        await using var takeovers = new FleetTakeovers(broker.Endpoint, NullLogger.Instance);
        var universe = new HashSet<string>(["H0STCNT0 005930", "H0STASP0 005930", "H0UPCNT0 0001"], StringComparer.Ordinal);
        var topologies = Enumerable.Range(0, Shards).Select(i => new StreamTopology(KisGatewayOptions.Default with
        {
            Endpoint = broker.Endpoint with { Shard = i.ToString(System.Globalization.CultureInfo.InvariantCulture) },
            FleetTakeovers = takeovers,
            FleetUniverse = universe,
        })).ToList();
        var connections = new List<IConnection>();
        var channels = new List<IChannel>();
        try
        {
            for (var i = 0; i < Shards; i++)
            {
                connections.Add(await broker.Endpoint.CreateFactory("kisrt-tests-declare").CreateConnectionAsync());
                channels.Add(await connections[i].CreateChannelAsync());
            }
            // Every shard at once, as at the open: all of them need the trades stream.
            await Task.WhenAll(topologies.Select((t, i) => t.DeclareStreamAsync(connections[i], channels[i], "H0STCNT0", CancellationToken.None)))
                .WaitAsync(TimeSpan.FromMinutes(3));
            Assert.Equal(1, topologies.Sum(t => t.TurnsTaken));
            // The plan's other streams came with that turn: declaring one later takes none.
            await topologies[Shards - 1].DeclareStreamAsync(connections[^1], channels[^1], "H0STASP0", CancellationToken.None)
                .WaitAsync(TimeSpan.FromMinutes(3));
            Assert.Equal(1, topologies.Sum(t => t.TurnsTaken));
            Assert.Equal(0, topologies.Sum(t => t.DeclaredWithoutTurn));
            await using var check = await connections[0].CreateChannelAsync();
            foreach (var tr in new[] { "H0STCNT0", "H0STASP0", "H0UPCNT0" }) await check.QueueDeclarePassiveAsync(broker.Endpoint.StreamFor(tr));
        }
        finally
        {
            foreach (var connection in connections) await connection.DisposeAsync();
        }
    }
}
