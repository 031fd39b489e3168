using Kis.Realtime.Gateway;
using Kis.Realtime.Simulator;
using RabbitMQ.Client;
using static Kis.Realtime.Tests.Client.ClientTestKit;

namespace Kis.Realtime.Tests.Gateway;

/// <summary>
/// A forged record on a broker without the permission set-up (guest may write anything): the consumer is the second
/// line of defence, after the broker's permissions (GatewaySecurityTests).
/// </summary>
public class GatewayForgedRecordTests
{
    [RabbitFact]
    public async Task A_forged_record_with_a_huge_seq_does_not_freeze_the_consumer()
    {
        await using var broker = await RabbitTestBroker.CreateAsync();
        await using var sim = await StartSimAsync(o => o with { Pace = MarketPace.PerSecond(100) });
        await using var gateway = await KisGateway.StartAsync(KisGatewayOptions.Default with
        {
            Client = Options(sim), Endpoint = broker.Endpoint, Linger = TimeSpan.FromMilliseconds(300),
            StreamMaxSegmentSizeBytes = 1024 * 1024, StreamMaxLengthBytes = 16L * 1024 * 1024,
        });
        await using var consumer = new KisGatewayClient(KisGatewayClientOptions.Default with { Endpoint = broker.Endpoint });
        // Cancelled, not abandoned, when records stop: a frozen key fails as a cancellation.
        using var timeout = new CancellationTokenSource(TestTimeout * 2);
        await using var ticks = consumer.SubscribeRecordsAsync(KisTrs.IndexTicks, "0001", timeout.Token).GetAsyncEnumerator();
        Assert.True(await ticks.MoveNextAsync());

        // The attack of the issue: the live run, seq 10^15, a plausible body.
        await using (var connection = await broker.Endpoint.CreateFactory("kisrt-tests-forger").CreateConnectionAsync())
        await using (var channel = await connection.CreateChannelAsync())
        {
            var headers = new Dictionary<string,
                object?> { ["tr_id"] = "H0UPCNT0", ["tr_key"] = "0001", ["run"] = gateway.Run, ["seq"] = 1_000_000_000_000_000L };
            await channel.BasicPublishAsync(broker.Endpoint.Exchange, "H0UPCNT0.0001", false, new BasicProperties { Headers = headers },
                "0001^090000^9999.99"u8.ToArray());
        }

        // Genuine records keep coming after it (before: every one dropped as a repeat until the gateway restarted).
        var forgedSeen = false;
        var genuineAfter = 0;
        while (genuineAfter < 20 && await ticks.MoveNextAsync())
        {
            if (System.Text.Encoding.UTF8.GetString(ticks.Current.Data.Span).Contains("9999.99")) forgedSeen = true;
            else if (forgedSeen) genuineAfter++;
        }
        Assert.Equal(20, genuineAfter);
        Assert.Equal(1, consumer.SequenceResets);
    }
}
