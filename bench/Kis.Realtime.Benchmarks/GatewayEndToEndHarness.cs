using Kis.Realtime.Gateway;
using Kis.Realtime.Simulator;

namespace Kis.Realtime.Benchmarks;

/// <summary>
/// <c>dotnet run -c Release --project bench/Kis.Realtime.Benchmarks -- gateway-e2e [seconds] [records/s] [keys] [linger-ms]</c>: simulator →
/// gateway → the real RabbitMQ of <c>scripts/services.sh</c> (<c>KISRT_BENCH_AMQP</c>) → a <see cref="KisGatewayClient"/>
/// on 10 keys (default) of one TR, at a steady total rate (default 5,000 records/s). The client's live subscriptions of
/// the TR share one reader of its stream (before, each key's reader read the whole stream: k keys, k times the rate). Latency is from the gateway's receive of
/// the frame (the record's <c>received_at</c>) to the consumer's <c>await foreach</c>, same machine, same clock; p50/p99/p99.9
/// after a 3 s warm-up. Broker, gateway, consumer and simulator share the machine. Then, in the same run, the yardstick
/// (<see cref="GatewayEndToEndYardstick"/>): the same rate, keys and record size from a minimal RabbitMQ.Client publisher
/// to a minimal stream consumer on the same broker, publish → callback. <c>linger-ms</c> sets
/// <see cref="KisGatewayOptions.PublishLinger"/> (default: the option's default, 1 ms) and leaves the yardstick out.
/// </summary>
public static class GatewayEndToEndHarness
{
    public static async Task<int> RunAsync(string[] args)
    {
        var seconds = args.Length > 1 && double.TryParse(args[1], out var s) ? s : 20;
        var rate = args.Length > 2 && double.TryParse(args[2], out var r) ? r : 5_000;
        var keys = args.Length > 3 && int.TryParse(args[3], out var k) ? k : 10;
        TimeSpan? linger = args.Length > 4 && double.TryParse(args[4], System.Globalization.CultureInfo.InvariantCulture, out var ms)
            ? TimeSpan.FromMilliseconds(ms) : null;
        var uri = Environment.GetEnvironmentVariable("KISRT_BENCH_AMQP") is { Length: > 0 } configured ? configured : "amqp://guest:guest@127.0.0.1:5672/";
        var endpoint = KisGatewayEndpoint.Default
            with { AmqpUri = new Uri(uri), ClusterNodes = BenchBroker.ClusterNodes, Namespace = "bench-e2e-" + Guid.NewGuid().ToString("N")[..8] };

        await using var sim = await KisSimulator.StartAsync(SimulatorOptions.Default with { Pace = MarketPace.PerSecond(rate / keys) });
        var options = KisGatewayOptions.Default with
        {
            Client = EndToEndHarness.ClientOptions(sim), Endpoint = endpoint, StreamReplicas = BenchBroker.StreamReplicas,
        };
        var gateway = await KisGateway.StartAsync(linger is { } l ? options with { PublishLinger = l } : options);
        var consumer = new KisGatewayClient(KisGatewayClientOptions.Default with { Endpoint = endpoint });
        try
        {
            var latencies = new List<double>[keys];
            var warmupEnd = DateTimeOffset.UtcNow.AddSeconds(3);
            var end = warmupEnd.AddSeconds(seconds);
            using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(seconds + 60));
            var readers = Enumerable.Range(0, keys).Select(k => Task.Run(async () =>
            {
                var list = latencies[k] = new List<double>();
                await foreach (var record in consumer.SubscribeRecordsAsync(KisTrs.IndexTicks, $"{k + 1:D4}", stop.Token))
                {
                    var now = DateTimeOffset.UtcNow;
                    if (now >= end) break;
                    if (now >= warmupEnd) list.Add((now - record.ReceivedAt).TotalMilliseconds);
                }
            })).ToArray();
            await Task.WhenAll(readers);
            var all = latencies.SelectMany(l => l).Order().ToArray();
            double At(double q) => all.Length == 0 ? double.NaN : all[Math.Min(all.Length - 1, (int)(q * all.Length))];
            var status = gateway.Status();
            Console.WriteLine($"gateway e2e: {all.Length / seconds:0} records/s delivered over {seconds:0} s ({keys} keys), receive → await foreach " +
                              $"p50 {At(0.50):0.00} ms, p99 {At(0.99):0.00} ms, p99.9 {At(0.999):0.00} ms, max {all.LastOrDefault():0.00} ms; " +
                              $"gateway confirmed {status.Confirmed}, overflowed {status.Overflowed}, {status.RecordsPerMessage:0.0} records a message, " +
                              $"linger {(linger ?? KisGatewayOptions.Default.PublishLinger).TotalMilliseconds:0.#} ms");
            if (linger is not null) return 0;
            var yard = await GatewayEndToEndYardstick.RunAsync(endpoint, seconds, rate, keys, KisGatewayClientOptions.Default.Prefetch);
            double Yard(double q) => yard.Length == 0 ? double.NaN : yard[Math.Min(yard.Length - 1, (int)(q * yard.Length))];
            Console.WriteLine($"yardstick:   {yard.Length / seconds:0} records/s delivered over {seconds:0} s ({keys} keys), plain publish → consumer " +
                $"callback " +
                              $"p50 {Yard(0.50):0.00} ms, p99 {Yard(0.99):0.00} ms, p99.9 {Yard(0.999):0.00} ms, max {yard.LastOrDefault():0.00} ms");
        }
        finally
        {
            // Both gone before their queues: a running publisher would declare them again.
            await consumer.DisposeAsync();
            await gateway.DisposeAsync();
            await using var connection = await endpoint.CreateFactory("bench-cleanup").CreateConnectionAsync();
            await using var channel = await connection.CreateChannelAsync();
            await channel.QueueDeleteAsync(endpoint.StreamFor("H0UPCNT0"), false, false);
            await channel.QueueDeleteAsync(endpoint.RequestQueue, false, false);
            await channel.ExchangeDeleteAsync(endpoint.Exchange, false);
        }
        return 0;
    }
}
