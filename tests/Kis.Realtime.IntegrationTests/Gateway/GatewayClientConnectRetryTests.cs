using Kis.Realtime.Gateway;
using static Kis.Realtime.Tests.Client.ClientTestKit;

namespace Kis.Realtime.Tests.Gateway;

/// <summary>A consumer's first connection to the broker fails (every handshake reset, as on a loaded broker): it tries again.</summary>
public class GatewayClientConnectRetryTests
{
    [RabbitFact]
    public async Task A_first_connection_reset_is_retried_with_backoff_until_the_broker_answers()
    {
        await using var broker = await RabbitTestBroker.CreateAsync();
        await using var proxy = new CuttableProxy(broker.Endpoint.AmqpUri);
        await proxy.CutAsync(); // every connection reset at once until Resume
        await using var client = new KisGatewayClient(KisGatewayClientOptions.Default with
        {
            Endpoint = broker.Endpoint with { AmqpUri = proxy.Rewrite(broker.Endpoint.AmqpUri) },
        });
        var connecting = client.ConnectAsync();
        // Failed before: the first reset ended ConnectAsync with KisConnectionException.
        await UntilAsync(() => proxy.Refused >= 3 || connecting.IsCompleted, "three refused attempts", TimeSpan.FromSeconds(60));
        Assert.False(connecting.IsCompleted, $"gave up: {connecting.Exception?.InnerException?.Message}");
        Assert.Equal(KisConnectionState.Connecting, client.State);
        proxy.Resume();
        await connecting.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(KisConnectionState.Connected, client.State);
    }

    [RabbitFact]
    public async Task A_broker_that_never_answers_fails_the_connect_once_the_retry_time_is_over()
    {
        await using var broker = await RabbitTestBroker.CreateAsync();
        await using var proxy = new CuttableProxy(broker.Endpoint.AmqpUri);
        await proxy.CutAsync();
        await using var client = new KisGatewayClient(KisGatewayClientOptions.Default with
        {
            Endpoint = broker.Endpoint with { AmqpUri = proxy.Rewrite(broker.Endpoint.AmqpUri) },
            ConnectRetryTime = TimeSpan.FromSeconds(1),
        });
        var failure = await Assert.ThrowsAsync<KisConnectionException>(() => client.ConnectAsync().WaitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains("RabbitMQ is not reachable", failure.Message);
        Assert.True(proxy.Refused >= 2, $"{proxy.Refused} attempts");
        Assert.Equal(KisConnectionState.Closed, client.State);
    }
}
