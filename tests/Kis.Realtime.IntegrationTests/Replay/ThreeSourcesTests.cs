using Kis.Realtime.Gateway;
using Kis.Realtime.Internal;
using Kis.Realtime.Simulator;
using Kis.Realtime.Tests.Cli;
using Kis.Realtime.Tests.Gateway;
using static Kis.Realtime.Tests.Client.ClientTestKit;

namespace Kis.Realtime.Tests.Replay;

/// <summary>
/// One client API over every source: a recorded window read by one function over <see cref="IKisRealtimeClient"/>
/// gives the same typed records — values and order per TR and key — from the simulator serving the recording to a
/// direct <see cref="KisRealtimeClient"/>, through a <see cref="KisGateway"/> on RabbitMQ to a
/// <see cref="KisGatewayClient"/>, and from the recording itself through <see cref="KisReplayClient"/>. Only the
/// construction of the client differs.
/// </summary>
public class ThreeSourcesTests
{
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(60);

    /// <summary>What the window holds: several TRs (trades, order books, index ticks, program trades, notices) and keys.</summary>
    private static readonly (string Name, Func<IKisRealtimeClient, CancellationToken, IAsyncEnumerable<object>> Open)[] Subscriptions =
    [
        ("trades 005930", (kis, ct) => Boxed(kis.SubscribeStockTradesAsync("005930", cancellationToken: ct))),
        ("trades 000660", (kis, ct) => Boxed(kis.SubscribeStockTradesAsync("000660", cancellationToken: ct))),
        ("order book 005930", (kis, ct) => Boxed(kis.SubscribeStockOrderBooksAsync("005930", cancellationToken: ct))),
        ("order book 000660", (kis, ct) => Boxed(kis.SubscribeStockOrderBooksAsync("000660", cancellationToken: ct))),
        ("index 0001", (kis, ct) => Boxed(kis.SubscribeIndexTicksAsync("0001", ct))),
        ("index 1001", (kis, ct) => Boxed(kis.SubscribeIndexTicksAsync("1001", ct))),
        ("program 005930", (kis, ct) => Boxed(kis.SubscribeProgramTradesAsync("005930", StockVenue.Unified, ct))),
    ];

    /// <summary>Records per subscription while recording: enough for frames of several records and interleaved TRs.</summary>
    private const int RecordedPerSubscription = 60;

    [RabbitFact]
    public async Task A_recorded_window_is_identical_from_the_simulator_directly_through_a_gateway_and_from_the_recording()
    {
        var dir = CliTestKit.EmptyDirectory();
        await RecordAsync(dir);
        var rawLog = Assert.Single(Directory.GetFiles(dir, RawRecorder.RawFileName, SearchOption.AllDirectories));

        // The recording, read to its end: the reference.
        await using (var replay = new KisReplayClient(new KisRecordingFolder(dir), KisReplayOptions.Default with { HtsId = SimulatorOptions.DefaultHtsId }))
        {
            var fromRecording = await ReadWindowAsync(replay, counts: null);
            Assert.Equal(0, replay.Statistics.DecodeErrors);
            foreach (var (name, _) in Subscriptions)
                Assert.True(fromRecording[name].Count >= RecordedPerSubscription, $"{name}: {fromRecording[name].Count} records in the recording");
            var counts = fromRecording.ToDictionary(s => s.Key, s => s.Value.Count);

            // The simulator serves the recording (its frames, byte for byte) once every subscription is in place.
            await using (var sim = await ServeAsync(rawLog))
            await using (var direct = new KisRealtimeClient(Options(sim)))
            {
                var fromDirect = await ReadWindowAsync(direct, counts);
                AssertSame(fromRecording, fromDirect, "direct");
                Assert.Equal(0, direct.Statistics.DecodeErrors);
            }

            await using (var broker = await RabbitTestBroker.CreateAsync())
            await using (var sim = await ServeAsync(rawLog))
            await using (var gateway = await KisGateway.StartAsync(KisGatewayOptions.Default with
                         {
                             Client = Options(sim),
                             Endpoint = broker.Endpoint,
                             StreamMaxSegmentSizeBytes = 1024 * 1024,
                             StreamMaxLengthBytes = 64L * 1024 * 1024,
                         }))
            await using (var consumer = new KisGatewayClient(KisGatewayClientOptions.Default with
                         {
                             Endpoint = broker.Endpoint,
                             Start = GatewayStart.First,
                             ConsumerId = "three-sources",
                             RequestTimeout = TimeSpan.FromSeconds(20),
                         }))
            {
                var throughGateway = await ReadWindowAsync(consumer, counts);
                AssertSame(fromRecording, throughGateway, "gateway");
                Assert.Equal(0, consumer.Statistics.DecodeErrors);
            }
        }
    }

    /// <summary>
    /// The one code path: connects, subscribes to every TR and key of the window at once and reads each subscription,
    /// to its end (a recording) or to the number of records the recording holds (a live source, which never ends).
    /// </summary>
    private static async Task<Dictionary<string, List<object>>> ReadWindowAsync(IKisRealtimeClient kis, IReadOnlyDictionary<string, int>? counts)
    {
        using var timeout = new CancellationTokenSource(Long);
        await kis.ConnectAsync(timeout.Token);
        var reads = Subscriptions.Select(s => ReadAsync(s.Open(kis, timeout.Token), counts?[s.Name])).ToArray();
        var lists = await Task.WhenAll(reads);
        return Subscriptions.Select((s, i) => (s.Name, List: lists[i])).ToDictionary(s => s.Name, s => s.List);
    }

    private static async Task<List<object>> ReadAsync(IAsyncEnumerable<object> records, int? count)
    {
        var list = new List<object>();
        if (count == 0) return list;
        try
        {
            await foreach (var record in records)
            {
                list.Add(record);
                if (list.Count == count) break;
            }
        }
        catch (OperationCanceledException) when (count is not null)
        {
            // Timed out short of the recording's count: the comparison names the subscription and the counts.
        }
        return list;
    }

    private static async IAsyncEnumerable<object> Boxed<T>(IAsyncEnumerable<T> records) where T : struct
    {
        await foreach (var record in records) yield return record;
    }

    private static void AssertSame(Dictionary<string, List<object>> expected, Dictionary<string, List<object>> actual, string source)
    {
        foreach (var (name, records) in expected)
        {
            Assert.True(records.Count == actual[name].Count, $"{source}, {name}: {actual[name].Count} records, the recording has {records.Count}");
            for (var i = 0; i < records.Count; i++)
                Assert.True(Equals(records[i], actual[name][i]), $"{source}, {name}, record {i}: {actual[name][i]} differs from the recording's {records[i]}");
        }
    }

    /// <summary>Records a fast generated session of every subscription (the raw messages, as <c>kisrt record</c> does).</summary>
    private static async Task RecordAsync(string dir)
    {
        await using var sim = await StartSimAsync(o => o with { Pace = MarketPace.PerSecond(200), MaxRecordsPerFrame = 3 });
        var client = new KisRealtimeClient(Options(sim));
        var recording = KisFileRecorder.RecordAsync(client, dir); // ends when the client is disposed
        try
        {
            using var timeout = new CancellationTokenSource(Long);
            await Task.WhenAll(Subscriptions.Select(s => ReadAsync(s.Open(client, timeout.Token), RecordedPerSubscription)));
        }
        finally
        {
            await client.DisposeAsync();
            await recording.WaitAsync(Long);
        }
    }

    /// <summary>A simulator that generates nothing and serves <paramref name="rawLog"/> flat out once the window's subscriptions are all held.</summary>
    private static Task<KisSimulator> ServeAsync(string rawLog) => StartSimAsync(o => o with
    {
        Pace = MarketPace.Off,
        ReplayFile = rawLog,
        ReplaySpeed = 0,
        ReplayStartAfterSubscriptions = Subscriptions.Length,
    });
}
