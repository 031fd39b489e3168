using System.Diagnostics;
using System.Text;
using Kis.Realtime.Gateway.Internal;
using Kis.Realtime.Gateway.Wire;
using Kis.Realtime.Gateway;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Kis.Realtime.Benchmarks;

/// <summary>
/// The yardstick of <see cref="GatewayEndToEndHarness"/>, in the same run: the same rate, keys and record size through
/// the same broker with nothing of the gateway — a minimal RabbitMQ.Client publisher (publisher confirms on, not
/// awaited per message, one record per message, the gateway's headers) to a stream declared as the gateway declares it,
/// and a minimal stream consumer (prefetch and batched acknowledgements as the gateway client's). Latency is from just before the publish to the
/// consumer's callback: what RabbitMQ's stream hop alone costs on this machine.
/// </summary>
internal static class GatewayEndToEndYardstick
{
    private const string IndexRecord = "0001^091240^2624.54^2^32.68^63952^1650684^439^10335^1.26^2615.72^2624.82^2610.00^23.86^2^32.96^2^18.14^2^0.92^1.27^" +
        "0.70^0^670^72^177^0^0^0^19";

    public static async Task<double[]> RunAsync(KisGatewayEndpoint endpoint, double seconds, double rate, int keys, ushort prefetch)
    {
        var options = KisGatewayOptions.Default
            with { Endpoint = endpoint with { Namespace = endpoint.Namespace + "-yardstick" }, StreamReplicas = BenchBroker.StreamReplicas };
        var yardstick = options.Endpoint;
        var topology = new StreamTopology(options);
        await using var connection = await yardstick.CreateFactory("bench-yardstick").CreateConnectionAsync();
        await using var publisher = await connection.CreateChannelAsync(
            new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: false));
        var stream = await topology.DeclareStreamAsync(connection, publisher, "H0UPCNT0", CancellationToken.None);
        try
        {
            await using var consumerConnection = await yardstick.CreateFactory("bench-yardstick-consumer").CreateConnectionAsync();
            await using var consumerChannel = await consumerConnection.CreateChannelAsync();
            await consumerChannel.BasicQosAsync(0, prefetch, false);
            var latencies = new List<double>();
            var warmupEnd = Stopwatch.GetTimestamp() + (3 * Stopwatch.Frequency);
            var consumer = new AsyncEventingBasicConsumer(consumerChannel);
            // Acknowledged as the gateway client does: every quarter of the prefetch, all at once.
            var ackEvery = Math.Max(1, prefetch / 4);
            var unacknowledged = 0;
            consumer.ReceivedAsync += async (_, delivery) =>
            {
                var now = Stopwatch.GetTimestamp();
                var sent = (long)delivery.BasicProperties.Headers!["sent"]!;
                if (sent >= warmupEnd) lock (latencies) latencies.Add(Stopwatch.GetElapsedTime(sent, now).TotalMilliseconds);
                if (++unacknowledged < ackEvery) return;
                unacknowledged = 0;
                await consumerChannel.BasicAckAsync(delivery.DeliveryTag, multiple: true);
            };
            await consumerChannel.BasicConsumeAsync(stream, autoAck: false, "", false, false, new Dictionary<string, object?> { ["x-stream-offset"] = "next" },
                consumer);

            var body = Encoding.UTF8.GetBytes(IndexRecord);
            var total = (long)((seconds + 3) * rate);
            var start = Stopwatch.GetTimestamp();
            var sequences = new long[keys];
            for (long i = 0; i < total; i++)
            {
                // Paced as the simulator paces: record i due at start + i / rate (a burst only after a late wake-up).
                var due = start + (long)(i / rate * Stopwatch.Frequency);
                var ahead = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), due);
                if (ahead > TimeSpan.FromMilliseconds(1)) await Task.Delay(ahead);
                var key = (int)(i % keys);
                var properties = new BasicProperties
                {
                    DeliveryMode = DeliveryModes.Persistent,
                    Headers = new Dictionary<string, object?>(8)
                    {
                        [GatewayWire.TrIdHeader] = "H0UPCNT0",
                        [GatewayWire.TrKeyHeader] = $"{key + 1:D4}",
                        [GatewayWire.ReceivedAtHeader] = 1_700_000_000_000_000L,
                        [GatewayWire.SequenceHeader] = ++sequences[key],
                        [GatewayWire.RunHeader] = "yardstick",
                        [GatewayWire.SessionHeader] = 0,
                        ["sent"] = Stopwatch.GetTimestamp(),
                    },
                };
                await publisher.BasicPublishAsync(yardstick.Exchange, GatewayWire.RoutingKey("H0UPCNT0", $"{key + 1:D4}"), mandatory: false, properties, body);
            }
            // Until the last records are delivered (at most 5 s more), then the figures.
            var deadline = Stopwatch.GetTimestamp() + Stopwatch.Frequency * 5;
            while (Stopwatch.GetTimestamp() < deadline)
            {
                lock (latencies) if (latencies.Count >= (long)(seconds * rate)) break;
                await Task.Delay(20);
            }
            lock (latencies) return [.. latencies.Order()];
        }
        finally
        {
            await publisher.QueueDeleteAsync(stream, false, false);
            await publisher.ExchangeDeleteAsync(yardstick.Exchange, false);
        }
    }
}

/// <summary>The gateway benchmarks on a RabbitMQ cluster (scripts/rabbitmq-cluster.sh): <c>KISRT_BENCH_AMQP</c> one node,
/// <c>KISRT_BENCH_AMQP_NODES</c> the others (<c>127.0.0.1:5682,127.0.0.1:5683</c>), <c>KISRT_BENCH_STREAM_REPLICAS</c> 3.</summary>
internal static class BenchBroker
{
    public static IReadOnlyList<string> ClusterNodes { get; } =
        Environment.GetEnvironmentVariable("KISRT_BENCH_AMQP_NODES")?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? [];

    public static int? StreamReplicas { get; } =
        int.TryParse(Environment.GetEnvironmentVariable("KISRT_BENCH_STREAM_REPLICAS"), out var replicas) ? replicas : null;
}
