using System.Text;
using System.Text.Json;
using Kis.Realtime.Gateway.Internal;
using Kis.Realtime.Gateway.Wire;
using Kis.Realtime.Gateway;
using Kis.Realtime.Simulator;
using Microsoft.Extensions.Logging.Abstractions;
using static Kis.Realtime.Tests.Client.ClientTestKit;

namespace Kis.Realtime.Tests.Gateway.IndependentConsumers;

/// <summary>
/// Consumers in another language, as the README promises: <c>scripts/gateway_consumer.py</c> (Python, pika, written from
/// the README's message format alone) as separate processes read the gateway's stream and must see what the library's
/// own consumer sees: every record once, in order, with its sequence and receive time.
/// </summary>
public class GatewayIndependentConsumerTests
{
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(60);
    private const string Tr = "H0UPCNT0";

    private sealed record PeerRecord(long Seq, string Run, long ReceivedAt, string Body);

    [RabbitFact]
    public async Task Three_consumer_processes_in_python_get_every_record_of_their_key_once_in_order_as_the_library_does()
    {
        await using var broker = await RabbitTestBroker.CreateAsync();
        await using var sim = await StartSimAsync(o => o with { Pace = MarketPace.PerSecond(200) });
        await using var gateway = await KisGateway.StartAsync(KisGatewayOptions.Default with { Client = Options(sim), Endpoint = broker.Endpoint });
        await gateway.HoldAsync(KisTrs.IndexTicks, "0001");
        await gateway.HoldAsync(KisTrs.IndexTicks, "1001");
        const int Count = 300;

        // Three processes at once, two on one key: each reads the stream from its first record while records flow.
        var peers = await Task.WhenAll(new[] { "0001", "0001", "1001" }.Select(key => ReadWithPythonAsync(broker, key, Count)));

        await using var library = new KisGatewayClient(KisGatewayClientOptions.Default with { Endpoint = broker.Endpoint, Start = GatewayStart.First });
        foreach (var (key, peer) in new[] { "0001", "0001", "1001" }.Zip(peers))
        {
            Assert.Equal(Enumerable.Range(1, Count).Select(s => (long)s), peer.Select(r => r.Seq)); // once each, in order, no gap
            Assert.Single(peer.Select(r => r.Run).Distinct());
            var ours = new List<KisRecord>();
            using var reading = new CancellationTokenSource(Long);
            await foreach (var record in library.SubscribeRecordsAsync(KisTrs.IndexTicks, key, reading.Token))
            {
                ours.Add(record);
                if (ours.Count == Count) break;
            }
            Assert.Equal(ours.Select(r => Encoding.UTF8.GetString(r.Data.Span)), peer.Select(r => r.Body));
            Assert.Equal(ours.Select(r => GatewayWire.ToUnixMicroseconds(r.ReceivedAt)), peer.Select(r => r.ReceivedAt));
        }
    }

    [RabbitFact]
    public async Task A_python_consumer_reads_packed_messages_of_one_key_and_of_several_keys_with_each_records_own_receive_time()
    {
        await using var broker = await RabbitTestBroker.CreateAsync();
        var options = KisGatewayOptions.Default with { Endpoint = broker.Endpoint, MaxRecordsPerMessage = 64 };
        var topology = await RabbitTestBroker.DeclareStreamAsync(options, Tr);
        var route = new RecordRoute(Tr, "0001", 0, "run-py");
        var other = new RecordRoute(Tr, "1001", 1, "run-py");
        await using var publisher = new RecordPublisher(options, topology, NullLogger.Instance);
        // 100 records of 0001 waiting together, received over ten frames: messages of one key with received_offsets; then
        // 100 of each key interleaved: messages of the keys format.
        OutgoingRecord Record(RecordRoute r, long seq) =>
            new(r, seq, 1_700_000_000_000_000 + (seq - 1) / 10 * 1_000, Encoding.UTF8.GetBytes($"{r.Key}^{seq:D6}^2624.54"));
        for (var seq = 1; seq <= 100; seq++) Assert.True(publisher.TryEnqueue(Record(route, seq)));
        for (var seq = 1; seq <= 100; seq++)
        {
            Assert.True(publisher.TryEnqueue(Record(route, 100 + seq)));
            Assert.True(publisher.TryEnqueue(Record(other, seq)));
        }
        publisher.Start();
        Assert.True(await publisher.DrainAsync(Long));
        var raw = await broker.ReadRawMessagesAsync(Tr, 5); // 300 records waiting together: 64, 64, 64, 64, 44
        Assert.Contains(raw, m => m.Headers.ContainsKey(GatewayWire.ReceivedOffsetsHeader) && m.Headers.ContainsKey(GatewayWire.TrKeyHeader));
        Assert.Contains(raw, m => m.Headers.ContainsKey(GatewayWire.FormatHeader));

        var peers = await Task.WhenAll(ReadWithPythonAsync(broker, "0001", 200), ReadWithPythonAsync(broker, "1001", 100));
        Assert.Equal(Enumerable.Range(1, 200).Select(s => ((long)s, Record(route, s).ReceivedAtMicros, $"0001^{s:D6}^2624.54")),
            peers[0].Select(r => (r.Seq, r.ReceivedAt, r.Body)));
        Assert.Equal(Enumerable.Range(1, 100).Select(s => ((long)s, Record(other, s).ReceivedAtMicros, $"1001^{s:D6}^2624.54")),
            peers[1].Select(r => (r.Seq, r.ReceivedAt, r.Body)));
    }

    /// <summary>Runs <c>scripts/gateway_consumer.py</c> with Debian's python3 (KISRT_TEST_PYTHON to override) until it has <paramref name="count"/>
    /// records.</summary>
    private static async Task<List<PeerRecord>> ReadWithPythonAsync(RabbitTestBroker broker, string key, int count)
    {
        var python = Environment.GetEnvironmentVariable("KISRT_TEST_PYTHON") is { Length: > 0 } configured ? configured : "/usr/bin/python3";
        var script = Path.Combine(Packaging.ReadmeSamples.RepositoryRoot(), "scripts", "gateway_consumer.py");
        var run = await ChildProcess.RunAsync(python, [script, broker.Endpoint.StreamFor(Tr), key, count.ToString(), "50"], Long,
            ("AMQP_URI", broker.Endpoint.AmqpUri.ToString())); // a password never goes on a command line
        Assert.True(run.ExitCode == 0, $"gateway_consumer.py exited {run.ExitCode}: {run.Errors} (python3-pika missing? scripts/services.sh installs it)");
        var records = new List<PeerRecord>();
        foreach (var line in run.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            using var json = JsonDocument.Parse(line);
            var root = json.RootElement;
            records.Add(new PeerRecord(root.GetProperty("seq").GetInt64(), root.GetProperty("run").GetString()!,
                root.GetProperty("received_at").GetInt64(), root.GetProperty("body").GetString()!));
        }
        return records;
    }
}
