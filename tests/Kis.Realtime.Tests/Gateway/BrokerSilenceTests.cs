using Kis.Realtime.Gateway;

namespace Kis.Realtime.Tests.Gateway;

/// <summary>
/// Issue 72, finding 6 under load: <c>kisrt gateway</c> died (exit 134) of a TaskCanceledException from
/// RabbitMQ.Client's channel.open, which 7.2 raises for an operation the broker did not answer in time (and for a
/// channel.open the connection's 530 close overtook). A hostile stand-in broker makes both faults happen on every run.
/// </summary>
public sealed class BrokerSilenceTests
{
    private static KisGatewayOptions Against(AmqpStandIn broker) => KisGatewayOptions.Default with
    {
        Endpoint = KisGatewayEndpoint.Default with
        {
            AmqpUri = new Uri($"amqp://guest:guest@127.0.0.1:{broker.Port}/"),
            BrokerAnswerTimeout = TimeSpan.FromSeconds(1),
        },
    };

    [Fact]
    public async Task A_broker_that_never_answers_channel_open_is_a_connection_fault_not_a_cancellation()
    {
        await using var broker = new AmqpStandIn(ChannelOpenAnswer.Silence);
        var fault = await Assert.ThrowsAsync<KisConnectionException>(() => KisGateway.CheckRetentionAsync(Against(broker)));
        Assert.Contains("did not answer", fault.Message, StringComparison.Ordinal);
        Assert.True(broker.ChannelOpens >= 1, "the check opened a channel");
    }

    [Fact]
    public async Task A_channel_open_answered_by_a_530_close_is_the_refusal()
    {
        await using var broker = new AmqpStandIn(ChannelOpenAnswer.CloseNotAllowed);
        var refused = await Assert.ThrowsAsync<KisBrokerRefusedException>(() => KisGateway.CheckRetentionAsync(Against(broker)));
        Assert.Contains("vhost /", refused.Message, StringComparison.Ordinal);
        Assert.Contains("set_permissions", refused.Message, StringComparison.Ordinal);
    }
}
