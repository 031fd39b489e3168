using Kis.Realtime.Gateway;
using Kis.Realtime.Simulator;
using static Kis.Realtime.Tests.Client.ClientTestKit;

namespace Kis.Realtime.Tests.Gateway.Cluster;

/// <summary>
/// The gateway and two consumers against the three-node RabbitMQ cluster of <c>scripts/rabbitmq-cluster.sh</c>, streams
/// replicated on all three (<see cref="KisGatewayOptions.StreamReplicas"/> 3), while records flow: one node is stopped,
/// and nothing the gateway had confirmed is lost, the gateway goes on through another node, and both consumers read
/// every record once, in order. Once the node the gateway (and the stream's leader) is on, killed with SIGKILL; once a
/// node holding only a replica, stopped as an operator would. Each test starts its node again before it ends.
/// </summary>
[Collection(nameof(GatewayClusterTests))]
public class GatewayClusterTests
{
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(120);
    private const string Tr = "H0UPCNT0";

    [ClusterFact]
    public async Task Killing_the_node_the_gateway_and_the_stream_leader_are_on_loses_nothing_confirmed_and_consumers_resume()
    {
        await using var cluster = await StartAsync();
        Assert.Equal(Node(1), await ClusterScript.ConnectionNodeAsync("kisrt-gateway-publisher", cluster.Namespace));
        Assert.Equal(Node(1), (await ClusterScript.StreamAsync(cluster.Endpoint.StreamFor(Tr))).Leader);

        await cluster.FailNodeWhileRecordsFlowAsync(1, "kill-node");

        // Records confirmed since the kill prove the gateway reconnected; the cluster may list the dead node's
        // connection a while longer, so wait for the listing to catch up rather than read it once.
        Assert.NotEqual(Node(1), await ClusterScript.ConnectionMovedOffAsync("kisrt-gateway-publisher", Node(1), Long));
        await cluster.AssertNothingLostAsync();
    }

    [ClusterFact]
    public async Task Stopping_a_node_holding_only_a_replica_loses_nothing_confirmed_and_consumers_resume()
    {
        await using var cluster = await StartAsync();
        var stream = await ClusterScript.StreamAsync(cluster.Endpoint.StreamFor(Tr));
        Assert.Equal(3, stream.Members.Count);
        // Node 3: neither the stream's leader (node 1, where the gateway declared it) nor where the gateway is connected.
        Assert.NotEqual(Node(3), stream.Leader);
        Assert.NotEqual(Node(3), await ClusterScript.ConnectionNodeAsync("kisrt-gateway-publisher", cluster.Namespace));

        await cluster.FailNodeWhileRecordsFlowAsync(3, "stop-node");

        await cluster.AssertNothingLostAsync();
    }

    private static string Node(int n) => $"kisrt-c{n}@localhost";

    private static async Task<ClusterRun> StartAsync()
    {
        await ClusterScript.RunAsync("start"); // idempotent: brings back a node an earlier run left down
        return await ClusterRun.StartAsync();
    }

    /// <summary>A simulator, a gateway on node 1 (nodes 2 and 3 next), and two consumers reading index 0001 from the
    /// stream's first record: one connected in the gateway's order, one to node 2 first.</summary>
    private sealed class ClusterRun : IAsyncDisposable
    {
        private readonly List<KisRecord>[] _received = [[], []];
        private readonly CancellationTokenSource _stopReading = new(Long * 3);
        private KisSimulator _sim = null!;
        private KisGateway _gateway = null!;
        private KisGatewayClient[] _consumers = [];
        private Task[] _reading = [];
        private RabbitTestBroker _broker = null!;
        private int _stoppedNode;

        public KisGatewayEndpoint Endpoint { get; private set; } = null!;
        public string Namespace => Endpoint.Namespace;

        public static async Task<ClusterRun> StartAsync()
        {
            var run = new ClusterRun();
            run.Endpoint = KisGatewayEndpoint.Default with
            {
                AmqpUri = new Uri(ClusterScript.Uri(1)),
                ClusterNodes = [ClusterScript.HostPort(2), ClusterScript.HostPort(3)],
                Namespace = "cluster-" + Guid.NewGuid().ToString("N")[..12],
            };
            run._broker = RabbitTestBroker.At(run.Endpoint);
            run._sim = await StartSimAsync(o => o with { Pace = MarketPace.PerSecond(300) });
            run._gateway = await KisGateway.StartAsync(KisGatewayOptions.Default with
            {
                Client = Options(run._sim),
                Endpoint = run.Endpoint,
                StreamReplicas = 3,
                BrokerReconnectMinDelay = TimeSpan.FromMilliseconds(100),
                BrokerReconnectMaxDelay = TimeSpan.FromSeconds(1),
                StreamMaxSegmentSizeBytes = 1024 * 1024,
                StreamMaxLengthBytes = 64L * 1024 * 1024,
            });
            var otherOrder = run.Endpoint
                with { AmqpUri = new Uri(ClusterScript.Uri(2)), ClusterNodes = [ClusterScript.HostPort(3), ClusterScript.HostPort(1)] };
            run._consumers = [Consumer(run.Endpoint, "in-order"), Consumer(otherOrder, "node-2-first")];
            run._reading = run._consumers.Select((consumer, i) => Task.Run(async () =>
            {
                await foreach (var record in consumer.SubscribeRecordsAsync(KisTrs.IndexTicks, "0001", run._stopReading.Token))
                    lock (run._received[i]) run._received[i].Add(record);
            })).ToArray();
            await UntilAsync(() => run.Counts().All(c => c >= 100), "100 records at each consumer", Long);
            return run;
        }

        private static KisGatewayClient Consumer(KisGatewayEndpoint endpoint, string name) => new(KisGatewayClientOptions.Default with
        {
            Endpoint = endpoint,
            Start = GatewayStart.First,
            ConsumerId = name,
            RequestTimeout = TimeSpan.FromSeconds(20),
        });

        private int[] Counts() => _received.Select(list => { lock (list) return list.Count; }).ToArray();

        /// <summary>Stops node <paramref name="node"/> (<c>kill-node</c> or <c>stop-node</c>), then waits for records
        /// received after it to be confirmed (by the nodes left: two of three, a majority) and to reach both consumers.</summary>
        public async Task FailNodeWhileRecordsFlowAsync(int node, string how)
        {
            _stoppedNode = node;
            var before = _gateway.Status();
            await ClusterScript.RunAsync(how, node.ToString(System.Globalization.CultureInfo.InvariantCulture));
            var atStop = _gateway.Status().Received;
            Assert.True(before.Confirmed >= 100, $"only {before.Confirmed} confirmed before the node stopped");
            await UntilAsync(() => _gateway.Status().Confirmed >= atStop + 300, "300 records confirmed by the nodes left", Long);
            await UntilAsync(() => Counts().All(c => c >= atStop + 300), "both consumers reading on past the stop", Long);
        }

        /// <summary>
        /// Everything received confirmed; the stream read by a plain AMQP consumer holds seq 1 … N without a gap (a resend
        /// may repeat one); each consumer saw exactly those N records once, in order.
        /// </summary>
        public async Task AssertNothingLostAsync()
        {
            Assert.True(await _gateway.WaitForConfirmsAsync(Long));
            var status = _gateway.Status();
            Assert.Equal(0, status.Overflowed);
            var target = status.Received;
            var stream = await _broker.ReadStreamAsync(Tr, list => list.Count > 0 && list[^1].Seq >= target);
            var firsts = new List<string>();
            foreach (var (_, seq, body) in stream)
            {
                if (seq <= firsts.Count) continue; // a resend of a record unconfirmed when the node went
                Assert.Equal(firsts.Count + 1, seq);
                firsts.Add(System.Text.Encoding.UTF8.GetString(body));
            }
            Assert.True(firsts.Count >= target);
            await UntilAsync(() => Counts().All(c => c >= target), "both consumers holding every record", Long);
            for (var i = 0; i < _received.Length; i++)
            {
                List<string> texts;
                lock (_received[i]) texts = _received[i].Select(r => System.Text.Encoding.UTF8.GetString(r.Data.Span)).ToList();
                Assert.Equal(firsts.Take((int)target), texts.Take((int)target));
            }
            Assert.Equal(0, _consumers.Sum(c => c.SequenceResets));
        }

        public async ValueTask DisposeAsync()
        {
            await _stopReading.CancelAsync();
            foreach (var reading in _reading)
            {
                try { await reading; } catch (OperationCanceledException) { /* stopped */ }
            }
            foreach (var consumer in _consumers) await consumer.DisposeAsync();
            if (_gateway is not null) await _gateway.DisposeAsync();
            if (_sim is not null) await _sim.DisposeAsync();
            await _broker.DisposeAsync();
            // The cluster whole again for the next test, whatever happened above.
            if (_stoppedNode != 0) await ClusterScript.RunAsync("start-node", _stoppedNode.ToString(System.Globalization.CultureInfo.InvariantCulture));
            _stopReading.Dispose();
        }
    }
}

[CollectionDefinition(nameof(GatewayClusterTests), DisableParallelization = true)]
public sealed class GatewayClusterCollection;
