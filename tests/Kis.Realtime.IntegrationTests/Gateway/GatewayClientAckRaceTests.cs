using Kis.Realtime.Gateway;
using Kis.Realtime.Simulator;
using static Kis.Realtime.Tests.Client.ClientTestKit;

namespace Kis.Realtime.Tests.Gateway;

/// <summary>
/// A subscription that ends while records are still being delivered must not take the client's connection with it.
/// Seen in CI: a stream reader's consumer acknowledged a batch after the reader had sent channel.close; the broker
/// answers an ack on a channel it no longer has with CHANNEL_ERROR "expected 'channel.open'", a connection error, and
/// every subscription and request of the client failed with it.
/// </summary>
public sealed class GatewayClientAckRaceTests
{
    [RabbitFact]
    public async Task Subscriptions_ended_while_records_flow_leave_the_connection_open()
    {
        await using var broker = await RabbitTestBroker.CreateAsync();
        await using var sim = await StartSimAsync(o => o with { Pace = MarketPace.PerSecond(500) });
        await using var gateway = await KisGateway.StartAsync(KisGatewayOptions.Default with { Client = Options(sim), Endpoint = broker.Endpoint });
        await gateway.HoldAsync(KisTrs.IndexTicks, "0001");
        // A small prefetch: an ack every other record, so one is in flight whenever a subscription ends.
        await using var client = new KisGatewayClient(KisGatewayClientOptions.Default with
        {
            Endpoint = broker.Endpoint, Start = GatewayStart.First, Prefetch = 8,
        });
        await client.ConnectAsync();
        var connection = client.Connection;

        for (var round = 0; round < 40; round++)
        {
            using var reading = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            var read = 0;
            await foreach (var _ in client.SubscribeRecordsAsync(KisTrs.IndexTicks, "0001", reading.Token))
                if (++read == 20) break; // ends the subscription: its reader closes its channel mid-stream
            Assert.True(connection.IsOpen, $"round {round}: the connection closed ({connection.CloseReason?.ReplyText})");
        }

        Assert.Same(connection, client.Connection);
        Assert.True(connection.IsOpen, $"the connection closed ({connection.CloseReason?.ReplyText})");
        await client.GetStatusAsync(); // and it still answers
    }
}
