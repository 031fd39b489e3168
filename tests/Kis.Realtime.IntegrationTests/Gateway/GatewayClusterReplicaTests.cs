using Kis.Realtime.Gateway;
using Kis.Realtime.Simulator;
using static Kis.Realtime.Tests.Client.ClientTestKit;

namespace Kis.Realtime.Tests.Gateway.Cluster;

/// <summary>
/// A consumer on a broker node that holds no replica of the stream yet. In a cluster the gateway's stream declare
/// returns before every replica has started, and a consumer connected to another node could arrive first: RabbitMQ
/// refuses its consume (406, "does not have a replica on the local node"), and the subscription failed for good (a
/// CI run: refused 2 ms before the replica started). Here the gap is made wide: the stream has one replica (node 1) and
/// a second is added on the consumer's node only once the consumer is waiting for it.
/// </summary>
[Collection(nameof(GatewayClusterTests))]
public class GatewayClusterReplicaTests
{
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(120);

    [ClusterFact]
    public async Task A_consumer_whose_node_has_no_replica_yet_waits_for_it_and_reads_from_the_first_record()
    {
        await ClusterScript.RunAsync("start");
        var endpoint = KisGatewayEndpoint.Default with
        {
            AmqpUri = new Uri(ClusterScript.Uri(1)),
            Namespace = "replica-" + Guid.NewGuid().ToString("N")[..12],
        };
        await using var broker = RabbitTestBroker.At(endpoint);
        await using var sim = await StartSimAsync(o => o with { Pace = MarketPace.PerSecond(100) });
        await using var gateway = await KisGateway.StartAsync(KisGatewayOptions.Default with
        {
            Client = Options(sim),
            Endpoint = endpoint,
            StreamReplicas = 1, // on node 1, where the gateway declares it
        });
        await using var consumer = new KisGatewayClient(KisGatewayClientOptions.Default with
        {
            Endpoint = endpoint with { AmqpUri = new Uri(ClusterScript.Uri(2)) },
            Start = GatewayStart.First,
            RequestTimeout = TimeSpan.FromSeconds(60),
        });
        var stream = endpoint.StreamFor("H0UPCNT0");
        using var stop = new CancellationTokenSource(Long);
        var received = new List<KisRecord>();
        var reading = Task.Run(async () =>
        {
            await foreach (var record in consumer.SubscribeRecordsAsync(KisTrs.IndexTicks, "0001", stop.Token))
            {
                lock (received) received.Add(record);
                if (received.Count == 20) return;
            }
        });

        // The subscription's claim makes the gateway declare the stream; the consumer's node has no replica of it.
        await UntilAsync(() => StreamExists(stream) || reading.IsCompleted, "the gateway declaring the stream", Long);
        Assert.False(reading.IsCompleted, $"the subscription ended before its node had a replica: {reading.Exception?.InnerException?.Message}");
        await ClusterScript.AddReplicaAsync(stream, 2);

        await reading.WaitAsync(Long);
        Assert.Equal(20, received.Count);
    }

    private static bool StreamExists(string stream)
    {
        try
        {
            return ClusterScript.StreamAsync(stream).GetAwaiter().GetResult().Members.Count > 0;
        }
        catch (InvalidOperationException)
        {
            return false; // not declared yet
        }
    }
}
