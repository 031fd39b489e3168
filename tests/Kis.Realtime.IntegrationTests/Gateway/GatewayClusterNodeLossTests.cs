using Kis.Realtime.Gateway;
using Kis.Realtime.Simulator;
using Xunit.Abstractions;
using static Kis.Realtime.Tests.Client.ClientTestKit;

namespace Kis.Realtime.Tests.Gateway.Cluster;

/// <summary>
/// Issue 30 (5): what losing the node the gateway's election is connected to costs, measured on the three-node cluster
/// of scripts/rabbitmq-cluster.sh. The run stops (its lock went with the node), a new one starts through another node,
/// and a consumer sees one marked gap per key: how long it is is the figure docs/gateway-cluster.md states.
/// </summary>
[Collection(nameof(GatewayClusterTests))]
public class GatewayClusterNodeLossTests(ITestOutputHelper output)
{
    [ClusterFact]
    public async Task Losing_the_elections_node_costs_one_marked_gap_per_key_and_records_flow_again()
    {
        await ClusterScript.RunAsync("start");
        var endpoint = KisGatewayEndpoint.Default with
        {
            AmqpUri = new Uri(ClusterScript.Uri(1)),
            ClusterNodes = [ClusterScript.HostPort(2), ClusterScript.HostPort(3)],
            Namespace = "nodeloss-" + Guid.NewGuid().ToString("N")[..12],
        };
        await using var broker = RabbitTestBroker.At(endpoint);
        await using var sim = await StartSimAsync(o => o with { Pace = MarketPace.PerSecond(200) });
        var service = new KisGatewayService(KisGatewayOptions.Default with
        {
            Client = Options(sim),
            Endpoint = endpoint,
            StreamReplicas = 3,
            ElectionRetryInterval = TimeSpan.FromMilliseconds(500),
            BrokerReconnectMinDelay = TimeSpan.FromMilliseconds(100),
            BrokerReconnectMaxDelay = TimeSpan.FromSeconds(1),
            StreamMaxSegmentSizeBytes = 1024 * 1024,
            StreamMaxLengthBytes = 64L * 1024 * 1024,
        });
        await service.StartAsync(CancellationToken.None);
        try
        {
            await UntilAsync(() => service.Gateway is not null, "the gateway active", TimeSpan.FromSeconds(60));
            // The consumer reads through node 2: it is not the one that goes.
            var consumerEndpoint = endpoint
                with { AmqpUri = new Uri(ClusterScript.Uri(2)), ClusterNodes = [ClusterScript.HostPort(3), ClusterScript.HostPort(1)] };
            await using var consumer = new KisGatewayClient(KisGatewayClientOptions.Default
                with { Endpoint = consumerEndpoint, ConsumerId = "node-loss", RequestTimeout = TimeSpan.FromSeconds(20) });
            var gaps = new List<GatewayGap>();
            consumer.RunGapDetected += (_, gap) => { lock (gaps) gaps.Add(gap); };
            var received = 0;
            using var stopReading = new CancellationTokenSource(TimeSpan.FromMinutes(3));
            var reading = Task.Run(async () =>
            {
                await foreach (var _ in consumer.SubscribeRecordsAsync(KisTrs.IndexTicks, "0001", stopReading.Token)) Interlocked.Increment(ref received);
            });
            await UntilAsync(() => Volatile.Read(ref received) >= 200, "records before the loss", TimeSpan.FromSeconds(60));
            var firstTerm = service.Terms;

            var clock = System.Diagnostics.Stopwatch.StartNew();
            await ClusterScript.RunAsync("kill-node", "1");
            await UntilAsync(() => { lock (gaps) return gaps.Count > 0; }, "the consumer's gap marker", TimeSpan.FromSeconds(120));
            var noticed = clock.Elapsed;
            var afterGap = Volatile.Read(ref received);
            await UntilAsync(() => Volatile.Read(ref received) >= afterGap + 200, "records of the new run", TimeSpan.FromSeconds(60));

            GatewayGap gap;
            lock (gaps) gap = Assert.Single(gaps);
            var hole = gap.FirstReceivedAt - gap.LastReceivedAt;
            output.WriteLine($"node 1 killed: new term {service.Terms} (was {firstTerm}); gap marker after {noticed.TotalSeconds:0.0} s; " +
                             $"hole between the runs' records {hole.TotalSeconds:0.000} s, missed volume {gap.MissedVolume?.ToString() ?? "n/a"}, announced " +
                             $"{gap.Announced}");
            Assert.True(service.Terms > firstTerm, "a new run took over");
            Assert.True(hole < TimeSpan.FromSeconds(30), $"hole {hole}");
            stopReading.Cancel();
            await Record.ExceptionAsync(() => reading);
        }
        finally
        {
            await service.StopAsync(CancellationToken.None);
            await ClusterScript.RunAsync("start"); // node 1 back for the next test
        }
    }
}
