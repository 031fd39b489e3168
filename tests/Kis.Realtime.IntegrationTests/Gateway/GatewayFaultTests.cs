using Kis.Realtime.Gateway;
using Kis.Realtime.Simulator;
using static Kis.Realtime.Tests.Client.ClientTestKit;

namespace Kis.Realtime.Tests.Gateway;

/// <summary>The broker goes away while KIS data flows (a proxy cut: what a broker restart does to the gateway's connections).</summary>
public class GatewayFaultTests
{
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(60);

    [RabbitFact]
    public async Task Broker_lost_while_records_flow_buffers_counted_records_and_catches_up_without_loss()
    {
        await using var broker = await RabbitTestBroker.CreateAsync();
        await using var proxy = new CuttableProxy(broker.Endpoint.AmqpUri);
        await using var sim = await StartSimAsync(o => o with { Pace = MarketPace.PerSecond(200) });
        await using var gateway = await KisGateway.StartAsync(PublishingThrough(proxy, sim, broker));

        // The consumer talks to the broker directly: only the gateway loses it.
        await using var consumer = new KisGatewayClient(KisGatewayClientOptions.Default with { Endpoint = broker.Endpoint, Start = GatewayStart.First });
        var received = new List<KisRecord>();
        using var stopReading = new CancellationTokenSource(Long * 2);
        var reading = Task.Run(async () =>
        {
            await foreach (var record in consumer.SubscribeRecordsAsync(KisTrs.IndexTicks, "0001", stopReading.Token))
                lock (received) received.Add(record);
        });
        await UntilAsync(() => { lock (received) return received.Count >= 50; }, "50 records before the cut");

        await proxy.CutAsync();
        await UntilAsync(() => !gateway.Status().BrokerConnected, "the publisher noticing the cut");
        var atCut = gateway.Status().Received;
        // KIS data goes on meanwhile: held in the buffer, counted, visible.
        await UntilAsync(() => gateway.Status() is { Received: var r, BufferDepth: > 0 } && r >= atCut + 100, "records buffered while the broker is away");
        Assert.False(gateway.Status().BrokerConnected);
        proxy.Resume();

        await UntilAsync(() => gateway.Status().BrokerConnected, "the publisher reconnecting", Long); // see the test below
        Assert.True(await gateway.WaitForConfirmsAsync(Long));
        var status = gateway.Status();
        Assert.Equal(0, status.Overflowed);
        Assert.True(status.Confirmed >= atCut + 100);

        // The stream as published: each seq at least once (a resent record may be there twice), no gap, in order.
        var target = status.Received;
        var stream = await broker.ReadStreamAsync("H0UPCNT0", list => list.Count > 0 && list[^1].Seq >= target);
        var firsts = new List<(long Seq, byte[] Body)>();
        foreach (var (_, seq, body) in stream)
        {
            if (firsts.Count > 0 && seq <= firsts[^1].Seq) continue; // a resend
            Assert.Equal(firsts.Count + 1, seq);
            firsts.Add((seq, body));
        }

        // The consumer got every record exactly once, in order, across the outage.
        await UntilAsync(() => { lock (received) return received.Count >= target; }, "the consumer catching up");
        stopReading.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => reading);
        List<string> texts;
        lock (received) texts = received.Select(r => System.Text.Encoding.UTF8.GetString(r.Data.Span)).ToList();
        Assert.Equal(firsts.Take((int)target).Select(f => System.Text.Encoding.UTF8.GetString(f.Body)), texts.Take((int)target));
        Assert.True(proxy.Accepted >= 4, "the gateway reconnected both its connections");
    }

    [RabbitFact]
    public async Task Broker_lost_while_publishing_flat_out_confirms_every_record_once()
    {
        await using var broker = await RabbitTestBroker.CreateAsync();
        await using var proxy = new CuttableProxy(broker.Endpoint.AmqpUri);
        // Fast enough that the publisher is sending when the connection goes: a send fails after its message was taken.
        await using var sim = await StartSimAsync(o => o with { Pace = MarketPace.PerSecond(20_000) });
        await using var gateway = await KisGateway.StartAsync(PublishingThrough(proxy, sim, broker));
        await using var consumer = new KisGatewayClient(KisGatewayClientOptions.Default with { Endpoint = broker.Endpoint, Start = GatewayStart.First });
        using var stopReading = new CancellationTokenSource(Long * 2);
        var reading = Task.Run(async () =>
        {
            await foreach (var _ in consumer.SubscribeRecordsAsync(KisTrs.IndexTicks, "0001", stopReading.Token)) { }
        });

        for (var cut = 0; cut < 3; cut++)
        {
            var before = gateway.Status().Confirmed;
            await UntilAsync(() => gateway.Status().Confirmed >= before + 2_000, "records confirmed before the cut");
            await proxy.CutAsync();
            await UntilAsync(() => !gateway.Status().BrokerConnected, "the publisher noticing the cut");
            proxy.Resume();
            // What this test asserts is exactly-once confirmation, not how fast a reconnect is: a broker starved of CPU
            // (CI boots three more RabbitMQ nodes beside these tests) took longer than the default 15 s once.
            await UntilAsync(() => gateway.Status().BrokerConnected, "the publisher reconnecting", Long);
        }
        await gateway.Client.DisposeAsync(); // KIS data stops: what was received can all be confirmed
        Assert.True(await gateway.WaitForConfirmsAsync(Long));
        var status = gateway.Status();
        // Each record confirmed once: a message that was resent is not counted (nor published) a second time.
        Assert.Equal(0, status.Overflowed);
        Assert.Equal(status.Received, status.Confirmed);
        stopReading.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => reading);
    }

    [RabbitFact]
    public async Task A_consumer_that_loses_the_broker_resumes_from_its_last_offset_without_gap_or_repeat()
    {
        await using var broker = await RabbitTestBroker.CreateAsync();
        await using var proxy = new CuttableProxy(broker.Endpoint.AmqpUri);
        await using var sim = await StartSimAsync(o => o with { Pace = MarketPace.PerSecond(200) });
        await using var gateway = await KisGateway.StartAsync(KisGatewayOptions.Default with
        {
            Client = Options(sim),
            Endpoint = broker.Endpoint,
            Lease = TimeSpan.FromSeconds(30),
            StreamMaxSegmentSizeBytes = 1024 * 1024,
        });

        // Only the consumer goes through the proxy; it starts live.
        await using var consumer = new KisGatewayClient(KisGatewayClientOptions.Default with
        {
            Endpoint = broker.Endpoint with { AmqpUri = proxy.Rewrite(broker.Endpoint.AmqpUri) },
            RequestTimeout = TimeSpan.FromSeconds(5),
        });
        var received = new List<KisRecord>();
        using var stopReading = new CancellationTokenSource(Long * 2);
        var reading = Task.Run(async () =>
        {
            await foreach (var record in consumer.SubscribeRecordsAsync(KisTrs.IndexTicks, "0001", stopReading.Token))
                lock (received) received.Add(record);
        });
        await UntilAsync(() => { lock (received) return received.Count >= 30; }, "30 records before the cut");

        await proxy.CutAsync();
        var atCut = gateway.Status().Received;
        await UntilAsync(() => gateway.Status().Confirmed >= atCut + 100, "records published while the consumer is away");
        proxy.Resume();

        var target = gateway.Status().Received + 50;
        await UntilAsync(() => gateway.Status().Confirmed >= target, "more records after the consumer is back");

        // The stream from the consumer's first record on: the consumer has exactly that, in order.
        List<string> texts;
        lock (received) texts = received.Select(r => System.Text.Encoding.UTF8.GetString(r.Data.Span)).ToList();
        var stream = await broker.ReadStreamAsync("H0UPCNT0", list => list.Count >= target);
        var truth = stream.Select(r => System.Text.Encoding.UTF8.GetString(r.Body)).ToList();
        // Where the consumer came in (matched on its first 20 records: two records of a key may read alike).
        var first = Enumerable.Range(0, truth.Count).FirstOrDefault(i => truth.Skip(i).Take(20).SequenceEqual(texts.Take(20)), -1);
        Assert.True(first >= 0, "the consumer's first records are on the stream");
        await UntilAsync(() => { lock (received) return received.Count >= truth.Count - first; }, "every record up to the target");
        lock (received) texts = received.Select(r => System.Text.Encoding.UTF8.GetString(r.Data.Span)).ToList();
        Assert.Equal(truth.Skip(first), texts.Take(truth.Count - first));
        Assert.True(proxy.Accepted >= 2, "the consumer reconnected");
        stopReading.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => reading);
    }

    /// <summary>A gateway on the simulator whose publisher reaches the broker through <paramref name="proxy"/> and reconnects quickly.</summary>
    private static KisGatewayOptions PublishingThrough(CuttableProxy proxy, KisSimulator sim, RabbitTestBroker broker) => KisGatewayOptions.Default with
    {
        Client = Options(sim),
        Endpoint = broker.Endpoint with { AmqpUri = proxy.Rewrite(broker.Endpoint.AmqpUri) },
        BrokerReconnectMinDelay = TimeSpan.FromMilliseconds(50),
        BrokerReconnectMaxDelay = TimeSpan.FromMilliseconds(200),
        StreamMaxSegmentSizeBytes = 1024 * 1024,
    };
}
