using Kis.Realtime.Gateway;
using Kis.Realtime.Simulator;
using Kis.Realtime.Trs;
using RabbitMQ.Client;
using static Kis.Realtime.Tests.Client.ClientTestKit;

namespace Kis.Realtime.Tests.Gateway;

/// <summary>Issue 30, items 1 and 4: the request queue under a hostile or careless broker user.</summary>
public sealed class GatewayRequestQueueTests
{
    /// <summary>
    /// A request body above RabbitMQ.Client's 64 MiB limit dropped the gateway's request connection, and the broker
    /// redelivered it on every reconnect: no other request was answered again. The broker now refuses what would take the
    /// request queue past its bound, so the gateway never sees such a body and every other consumer is served.
    /// </summary>
    [RabbitFact]
    public async Task Requests_of_65_and_200_MiB_leave_every_other_consumer_served()
    {
        await using var broker = await RabbitTestBroker.CreateAsync();
        await using var sim = await StartSimAsync(o => o with { Pace = MarketPace.PerSecond(50) });
        await using var gateway = await KisGateway.StartAsync(KisGatewayOptions.Default with
        {
            Client = Options(sim), Endpoint = broker.Endpoint, StreamMaxSegmentSizeBytes = 1024 * 1024, StreamMaxLengthBytes = 16L * 1024 * 1024,
        });
        await using var consumer = new KisGatewayClient(KisGatewayClientOptions.Default with { Endpoint = broker.Endpoint, ConsumerId = "honest", RequestTimeout = TimeSpan.FromSeconds(2) });
        await using var ticks = consumer.SubscribeRecordsAsync(KisTrs.IndexTicks, "0001").GetAsyncEnumerator();
        Assert.True(await ticks.MoveNextAsync().AsTask().WaitAsync(TestTimeout));
        var refusedBefore = gateway.Status().RequestsRefused;

        foreach (var mebibytes in new[] { 65, 200 })
        {
            await using (var mallory = await RawRequester.ConnectAsync(broker.Endpoint))
            {
                // Refused by the broker (queue bound, or its max_message_size closing Mallory's own channel): no reply.
                await Record.ExceptionAsync(() => mallory.SendAsync(new byte[mebibytes << 20], "guest", mallory.ReplyQueue));
            }
            // Every other consumer is answered at once (within RequestTimeout, 2 s), twice in a row.
            for (var i = 0; i < 2; i++) Assert.True((await consumer.GetStatusAsync()).Registrations.Count > 0);
        }

        Assert.True(await ticks.MoveNextAsync().AsTask().WaitAsync(TestTimeout), "records still flow");
        // The broker refused them: the gateway never read (nor buffered) a byte of either.
        Assert.Equal(refusedBefore, gateway.Status().RequestsRefused);
    }

    /// <summary>A deleted request queue was not noticed: the gateway kept its connection and never answered again.</summary>
    [RabbitFact]
    public async Task A_deleted_request_queue_is_declared_again_within_10_s()
    {
        await using var broker = await RabbitTestBroker.CreateAsync();
        await using var sim = await StartSimAsync(o => o with { Pace = MarketPace.PerSecond(10) });
        await using var gateway = await KisGateway.StartAsync(KisGatewayOptions.Default with
        {
            Client = Options(sim), Endpoint = broker.Endpoint, StreamMaxSegmentSizeBytes = 1024 * 1024, StreamMaxLengthBytes = 16L * 1024 * 1024,
        });
        await using var consumer = new KisGatewayClient(KisGatewayClientOptions.Default with { Endpoint = broker.Endpoint, RequestTimeout = TimeSpan.FromSeconds(1) });
        await consumer.GetStatusAsync();

        await using (var admin = await broker.Endpoint.CreateFactory("kisrt-tests-admin").CreateConnectionAsync())
        await using (var channel = await admin.CreateChannelAsync())
            await channel.QueueDeleteAsync(broker.Endpoint.RequestQueue);
        var clock = System.Diagnostics.Stopwatch.StartNew();

        var answered = false;
        while (!answered && clock.Elapsed < TimeSpan.FromSeconds(10))
        {
            try
            {
                await consumer.GetStatusAsync();
                answered = true;
            }
            catch (KisConnectionException)
            {
                // not yet: the request went to a queue that is not there (dropped by the exchange) and timed out
            }
        }
        Assert.True(answered, $"no answer {clock.Elapsed.TotalSeconds:0.0} s after the request queue was deleted");
    }

    /// <summary>A request queue declared by an older version (no bound) is replaced, not a start-up failure.</summary>
    [RabbitFact]
    public async Task A_request_queue_without_the_bound_is_replaced()
    {
        await using var broker = await RabbitTestBroker.CreateAsync();
        await using (var admin = await broker.Endpoint.CreateFactory("kisrt-tests-admin").CreateConnectionAsync())
        await using (var channel = await admin.CreateChannelAsync())
            await channel.QueueDeclareAsync(broker.Endpoint.RequestQueue, durable: false, exclusive: false, autoDelete: false);
        await using var sim = await StartSimAsync(o => o with { Pace = MarketPace.PerSecond(10) });
        await using var gateway = await KisGateway.StartAsync(KisGatewayOptions.Default with
        {
            Client = Options(sim), Endpoint = broker.Endpoint, StreamMaxSegmentSizeBytes = 1024 * 1024, StreamMaxLengthBytes = 16L * 1024 * 1024,
        });
        await using var consumer = new KisGatewayClient(KisGatewayClientOptions.Default with { Endpoint = broker.Endpoint, RequestTimeout = TimeSpan.FromSeconds(5) });
        Assert.NotNull(await consumer.GetStatusAsync());
    }
}
