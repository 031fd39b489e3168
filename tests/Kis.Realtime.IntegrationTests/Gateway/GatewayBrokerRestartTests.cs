using Kis.Realtime.Gateway;
using Kis.Realtime.Simulator;
using static Kis.Realtime.Tests.Client.ClientTestKit;

namespace Kis.Realtime.Tests.Gateway.BrokerRestart;

/// <summary>
/// A real RabbitMQ node killed with SIGKILL while KIS data flows through the gateway, then started again by
/// <c>scripts/rabbitmq-cluster.sh</c>: the stream's confirmed records survive the broker's death, the gateway resends
/// what was not confirmed and catches up, and a consumer reading across the outage sees every record once, in order.
/// The node is the solo one (<see cref="SoloBroker"/>), which no other test uses: so this test runs beside the others,
/// and the default broker and the cluster are never touched.
/// </summary>
public class GatewayBrokerRestartTests
{
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(90);

    [SoloBrokerFact]
    public async Task Broker_killed_and_restarted_while_records_flow_loses_nothing_confirmed_and_the_consumer_sees_each_record_once()
    {
        await SoloBroker.StartAsync(); // idempotent: waits for scripts/test.sh's start, or starts the node an earlier run left down
        await using var broker = RabbitTestBroker.At(KisGatewayEndpoint.Default with
        {
            AmqpUri = new Uri(SoloBroker.Uri),
            Namespace = "test-" + Guid.NewGuid().ToString("N")[..12],
        });
        await using var sim = await StartSimAsync(o => o with { Pace = MarketPace.PerSecond(200) });
        await using var gateway = await KisGateway.StartAsync(KisGatewayOptions.Default with
        {
            Client = Options(sim),
            Endpoint = broker.Endpoint,
            BrokerReconnectMinDelay = TimeSpan.FromMilliseconds(100),
            BrokerReconnectMaxDelay = TimeSpan.FromSeconds(1),
            StreamMaxSegmentSizeBytes = 1024 * 1024,
        });
        await using var consumer = new KisGatewayClient(KisGatewayClientOptions.Default with
        {
            Endpoint = broker.Endpoint,
            Start = GatewayStart.First,
            RequestTimeout = TimeSpan.FromSeconds(20),
        });
        var received = new List<KisRecord>();
        // Bounded once the broker is back: its restart alone takes from seconds to minutes on a loaded machine.
        using var stopReading = new CancellationTokenSource(Long * 10);
        var reading = Task.Run(async () =>
        {
            await foreach (var record in consumer.SubscribeRecordsAsync(KisTrs.IndexTicks, "0001", stopReading.Token))
                lock (received) received.Add(record);
        });
        await UntilAsync(() => { lock (received) return received.Count >= 100; }, "100 records before the kill");

        var confirmedBeforeKill = gateway.Status().Confirmed;
        try
        {
            await SoloBroker.KillAsync();
            Assert.False(SoloBroker.Up(), "the solo node still listening after its VM was killed");
            await UntilAsync(() => !gateway.Status().BrokerConnected, "the publisher noticing the broker's death");
            var atKill = gateway.Status().Received;
            // KIS data goes on meanwhile: held in the gateway's buffer, counted, visible.
            await UntilAsync(() => gateway.Status() is { Received: var r, BufferDepth: > 0 } && r >= atKill + 100, "records buffered while the broker is dead");
        }
        finally
        {
            // Whatever failed above, the node is up again for the next run.
            await SoloBroker.StartAsync();
        }
        stopReading.CancelAfter(Long * 2);

        await UntilAsync(() => gateway.Status().BrokerConnected, "the publisher reconnecting", Long);
        Assert.True(await gateway.WaitForConfirmsAsync(Long));
        var status = gateway.Status();
        Assert.Equal(0, status.Overflowed);

        // The stream after the broker's death: each seq at least once (a resend may repeat one), no gap, in order. The
        // records confirmed before the kill are among them: the broker's log kept them.
        var target = status.Received;
        Assert.True(target >= confirmedBeforeKill + 100);
        var stream = await broker.ReadStreamAsync("H0UPCNT0", list => list.Count > 0 && list[^1].Seq >= target);
        var firsts = new List<string>();
        foreach (var (_, seq, body) in stream)
        {
            if (firsts.Count > 0 && seq <= firsts.Count) continue; // a resend of an unconfirmed record
            Assert.Equal(firsts.Count + 1, seq);
            firsts.Add(System.Text.Encoding.UTF8.GetString(body));
        }

        // The consumer read across the outage (it reconnected and claimed its key again): every record once, in order.
        await UntilAsync(() => { lock (received) return received.Count >= target; }, "the consumer catching up", Long);
        stopReading.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => reading);
        List<string> texts;
        lock (received) texts = received.Select(r => System.Text.Encoding.UTF8.GetString(r.Data.Span)).ToList();
        Assert.Equal(firsts.Take((int)target), texts.Take((int)target));
    }
}
