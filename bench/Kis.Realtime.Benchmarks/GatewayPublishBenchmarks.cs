using System.Text;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using Kis.Realtime.Gateway.Internal;
using Kis.Realtime.Gateway.Wire;
using Kis.Realtime.Gateway;
using Microsoft.Extensions.Logging.Abstractions;
using RabbitMQ.Client;

namespace Kis.Realtime.Benchmarks;

/// <summary>
/// The gateway's publisher against the real RabbitMQ of <c>scripts/services.sh</c> (<c>KISRT_BENCH_AMQP</c> to point
/// elsewhere, <c>KISRT_BENCH_AMQP_NODES</c> and <c>KISRT_BENCH_STREAM_REPLICAS</c> for a cluster: <see cref="BenchBroker"/>): 100,000 H0UPCNT0 records of 20
/// keys, interleaved, each key numbered 1, 2, 3 … as the gateway numbers them, handed over, published to the stream with publisher confirms (one record per
/// AMQP message, or packed up to <see cref="MaxRecordsPerMessage"/> of one key when they wait together), and every confirm received. The figure is time per
/// record: records/s = 1e9 / ns. The yardstick in the same run, <see cref="MinimalClientPublish"/>: the same records as a minimal
/// RabbitMQ.Client publisher sends them to the same broker and stream: messages of exactly
/// <see cref="MaxRecordsPerMessage"/> records (the gateway's largest), the gateway's headers, persistent, publisher
/// confirms tracked by RabbitMQ.Client itself, as many records in flight as the gateway allows. Broker and benchmark
/// share the machine. Run:
/// <c>dotnet run -c Release --project bench/Kis.Realtime.Benchmarks -- --filter '*GatewayPublish*'</c>.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 1, iterationCount: 5)]
public class GatewayPublishBenchmarks
{
    internal const int Records = 100_000;
    private const string IndexRecord = "0001^091240^2624.54^2^32.68^63952^1650684^439^10335^1.26^2615.72^2624.82^2610.00^23.86^2^32.96^2^18.14^2^0.92^1.27^" +
        "0.70^0^670^72^177^0^0^0^19";

    private KisGatewayOptions _options = null!;
    private RecordPublisher _publisher = null!;
    private RecordRoute[] _routes = null!;
    private ReadOnlyMemory<byte> _body;
    private long[] _sequences = null!;
    private IConnection _yardstickConnection = null!;
    private IChannel _yardstickChannel = null!;
    private ReadOnlyMemory<byte> _packedBody;

    [Params(20_000)]
    public int MaxOutstandingConfirms { get; set; }

    [Params(1, 64)]
    public int MaxRecordsPerMessage { get; set; }

    /// <summary>Keys the records are spread over (interleaved), 20 by default.</summary>
    public int Keys { get; set; } = 20;

    /// <summary>The gateway publisher's <see cref="KisGatewayOptions.PackAcrossKeys"/>.</summary>
    public bool PackAcrossKeys { get; set; } = true;

    /// <summary>The gateway publisher's <see cref="KisGatewayOptions.PublishLinger"/>, in milliseconds.</summary>
    public double PublishLingerMs { get; set; } = 1;

    /// <summary>AMQP messages the gateway's publisher has sent (records per message = records / this).</summary>
    public long MessagesSent => _publisher.MessagesPublished;

    [GlobalSetup]
    public async Task Setup()
    {
        var uri = Environment.GetEnvironmentVariable("KISRT_BENCH_AMQP") is { Length: > 0 } configured ? configured : "amqp://guest:guest@127.0.0.1:5672/";
        _options = KisGatewayOptions.Default with
        {
            Endpoint = KisGatewayEndpoint.Default
                with { AmqpUri = new Uri(uri), ClusterNodes = BenchBroker.ClusterNodes, Namespace = "bench-" + Guid.NewGuid().ToString("N")[..8] },
            StreamReplicas = BenchBroker.StreamReplicas,
            MaxOutstandingConfirms = MaxOutstandingConfirms,
            MaxRecordsPerMessage = MaxRecordsPerMessage,
            PackAcrossKeys = PackAcrossKeys,
            PublishLinger = TimeSpan.FromMilliseconds(PublishLingerMs),
            StreamMaxLengthBytes = 2L * 1024 * 1024 * 1024,
        };
        var topology = new StreamTopology(_options);
        await using (var connection = await _options.Endpoint.CreateFactory("bench-setup").CreateConnectionAsync())
        await using (var channel = await connection.CreateChannelAsync())
            await topology.DeclareStreamAsync(connection, channel, "H0UPCNT0", CancellationToken.None);
        _publisher = new RecordPublisher(_options, topology, NullLogger.Instance);
        _publisher.Start();
        _routes = Enumerable.Range(1, Keys).Select(i => new RecordRoute("H0UPCNT0", $"{i:D4}", 0, "bench")).ToArray();
        _sequences = new long[_routes.Length];
        _body = Encoding.UTF8.GetBytes(IndexRecord);
        _packedBody = Encoding.UTF8.GetBytes(string.Join('\n', Enumerable.Repeat(IndexRecord, MaxRecordsPerMessage)));
        _yardstickConnection = await _options.Endpoint.CreateFactory("bench-yardstick").CreateConnectionAsync();
        // Confirms tracked by the library (each publish completes at its confirm); no rate limiter: the loop bounds what is in flight.
        _yardstickChannel = await _yardstickConnection.CreateChannelAsync(new CreateChannelOptions(
            publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true, outstandingPublisherConfirmationsRateLimiter: null));
    }

    [Benchmark(OperationsPerInvoke = Records, Baseline = true)]
    public async Task MinimalClientPublish()
    {
        var messages = Records / MaxRecordsPerMessage;
        var inFlightAtMost = Math.Max(1, MaxOutstandingConfirms / MaxRecordsPerMessage);
        var inFlight = new Queue<Task>(inFlightAtMost);
        for (var i = 0; i < messages; i++)
        {
            var route = _routes[i % _routes.Length];
            var headers = YardstickHeaders(route, i);
            if (MaxRecordsPerMessage > 1) headers[GatewayWire.CountHeader] = MaxRecordsPerMessage;
            var properties = new BasicProperties { DeliveryMode = DeliveryModes.Persistent, Timestamp = new AmqpTimestamp(1_700_000_000), Headers = headers };
            if (inFlight.Count == inFlightAtMost) await inFlight.Dequeue();
            inFlight.Enqueue(_yardstickChannel.BasicPublishAsync(_options.Endpoint.Exchange, route.RoutingKey, mandatory: false, properties,
                _packedBody).AsTask());
        }
        await Task.WhenAll(inFlight);
    }

    [Benchmark(OperationsPerInvoke = Records)]
    public async Task PublishWithConfirms()
    {
        for (var i = 0; i < Records; i++)
        {
            var route = i % _routes.Length;
            _publisher.TryEnqueue(new OutgoingRecord(_routes[route], ++_sequences[route], 1_700_000_000_000_000, _body));
        }
        if (!await _publisher.DrainAsync(TimeSpan.FromMinutes(2))) throw new TimeoutException("records not confirmed within 2 minutes");
    }

    /// <summary>The gateway's publisher handed <paramref name="records"/> records at <paramref name="rate"/> per second, then every confirm.</summary>
    public async Task PacedGatewayPublish(int rate, int records)
    {
        await PaceAsync(rate, records, i =>
        {
            var route = i % _routes.Length;
            _publisher.TryEnqueue(new OutgoingRecord(_routes[route], ++_sequences[route], 1_700_000_000_000_000, _body));
            return Task.CompletedTask;
        }, () => Task.CompletedTask);
        if (!await _publisher.DrainAsync(TimeSpan.FromMinutes(2))) throw new TimeoutException("records not confirmed within 2 minutes");
    }

    /// <summary>The minimal publisher: each record one message with the gateway's headers, at <paramref name="rate"/>, confirms tracked.</summary>
    public async Task PacedMinimalPublish(int rate, int records)
    {
        var inFlight = new List<Task>(records);
        await PaceAsync(rate, records, i =>
        {
            var route = _routes[i % _routes.Length];
            var headers = YardstickHeaders(route, i);
            var properties = new BasicProperties { DeliveryMode = DeliveryModes.Persistent, Timestamp = new AmqpTimestamp(1_700_000_000), Headers = headers };
            inFlight.Add(_yardstickChannel.BasicPublishAsync(_options.Endpoint.Exchange, route.RoutingKey, mandatory: false, properties, _body).AsTask());
            return Task.CompletedTask;
        }, () => Task.CompletedTask);
        await Task.WhenAll(inFlight);
    }

    /// <summary>The pacing loop with nothing to send: its own CPU, part of every paced figure.</summary>
    public static Task PacedNothing(int rate, int records) => PaceAsync(rate, records, _ => Task.CompletedTask, () => Task.CompletedTask);

    /// <summary>Calls <paramref name="send"/> for record 0, 1, 2 … as they fall due at <paramref name="rate"/> per second (checked every
    /// millisecond).</summary>
    private static async Task PaceAsync(int rate, int records, Func<int, Task> send, Func<Task> _)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var sent = 0;
        while (sent < records)
        {
            var due = Math.Min(records, (int)(System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds * rate));
            while (sent < due) await send(sent++);
            await Task.Delay(1);
        }
    }

    [GlobalCleanup]
    public async Task Cleanup()
    {
        await _publisher.DisposeAsync();
        await _yardstickChannel.DisposeAsync();
        await _yardstickConnection.DisposeAsync();
        await using var connection = await _options.Endpoint.CreateFactory("bench-cleanup").CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        await channel.QueueDeleteAsync(_options.Endpoint.StreamFor("H0UPCNT0"), false, false);
        await channel.ExchangeDeleteAsync(_options.Endpoint.Exchange, false);
    }

    /// <summary>The headers the gateway's publisher writes, built the plain way for the minimal publisher.</summary>
    private static Dictionary<string, object?> YardstickHeaders(RecordRoute route, int sequence) => new(8)
    {
        [GatewayWire.TrIdHeader] = route.TrId,
        [GatewayWire.TrKeyHeader] = route.Key,
        [GatewayWire.ReceivedAtHeader] = 1_700_000_000_000_000L,
        [GatewayWire.SequenceHeader] = (long)sequence,
        [GatewayWire.RunHeader] = route.Run,
        [GatewayWire.SessionHeader] = route.Session,
    };
}
