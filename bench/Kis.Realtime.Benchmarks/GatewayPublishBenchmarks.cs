using System.Text;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using Kis.Realtime.Gateway;
using Microsoft.Extensions.Logging.Abstractions;
using RabbitMQ.Client;

namespace Kis.Realtime.Benchmarks;

/// <summary>
/// The gateway's publisher against the real RabbitMQ of <c>scripts/services.sh</c> (<c>KISRT_BENCH_AMQP</c> to point
/// elsewhere): 100,000 H0UPCNT0 records of 20 keys, interleaved, each key numbered 1, 2, 3 … as the gateway numbers
/// them, handed over, published to the stream with publisher confirms (one record per AMQP message, or packed up to
/// <see cref="MaxRecordsPerMessage"/> of one key when they wait together), and every confirm received. The figure is time per record:
/// records/s = 1e9 / ns. Broker and benchmark share the machine. Run:
/// <c>dotnet run -c Release --project bench/Kis.Realtime.Benchmarks -- --filter '*GatewayPublish*'</c>.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 1, iterationCount: 5)]
public class GatewayPublishBenchmarks
{
    private const int Records = 100_000;
    private const string IndexRecord = "0001^091240^2624.54^2^32.68^63952^1650684^439^10335^1.26^2615.72^2624.82^2610.00^23.86^2^32.96^2^18.14^2^0.92^1.27^0.70^0^670^72^177^0^0^0^19";

    private KisGatewayOptions _options = null!;
    private RecordPublisher _publisher = null!;
    private RecordRoute[] _routes = null!;
    private ReadOnlyMemory<byte> _body;
    private long[] _sequences = null!;

    [Params(20_000)]
    public int MaxOutstandingConfirms { get; set; }

    [Params(1, 64)]
    public int MaxRecordsPerMessage { get; set; }

    [GlobalSetup]
    public async Task Setup()
    {
        var uri = Environment.GetEnvironmentVariable("KISRT_BENCH_AMQP") is { Length: > 0 } configured ? configured : "amqp://guest:guest@127.0.0.1:5672/";
        _options = KisGatewayOptions.Default with
        {
            Endpoint = KisGatewayEndpoint.Default with { AmqpUri = new Uri(uri), Namespace = "bench-" + Guid.NewGuid().ToString("N")[..8] },
            MaxOutstandingConfirms = MaxOutstandingConfirms,
            MaxRecordsPerMessage = MaxRecordsPerMessage,
            StreamMaxLengthBytes = 2L * 1024 * 1024 * 1024,
        };
        var topology = new StreamTopology(_options);
        await using (var connection = await _options.Endpoint.CreateFactory("bench-setup").CreateConnectionAsync())
        await using (var channel = await connection.CreateChannelAsync())
            await topology.DeclareStreamAsync(channel, "H0UPCNT0", CancellationToken.None);
        _publisher = new RecordPublisher(_options, topology, NullLogger.Instance);
        _publisher.Start();
        _routes = Enumerable.Range(1, 20).Select(i => new RecordRoute("H0UPCNT0", $"{i:D4}", 0, "bench")).ToArray();
        _sequences = new long[_routes.Length];
        _body = Encoding.UTF8.GetBytes(IndexRecord);
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

    [GlobalCleanup]
    public async Task Cleanup()
    {
        await _publisher.DisposeAsync();
        await using var connection = await _options.Endpoint.CreateFactory("bench-cleanup").CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        await channel.QueueDeleteAsync(_options.Endpoint.StreamFor("H0UPCNT0"), false, false);
        await channel.ExchangeDeleteAsync(_options.Endpoint.Exchange, false);
    }
}
