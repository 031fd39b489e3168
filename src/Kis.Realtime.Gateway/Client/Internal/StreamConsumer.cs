using RabbitMQ.Client;

namespace Kis.Realtime.Gateway.Internal;

/// <summary>
/// The AMQP consumer of a stream reader's channel: each delivery to the reader's intake (one at a time), acknowledged in
/// batches (a quarter of the prefetch: the broker's credit, without a frame per record); a cancel by the broker is a loss.
/// </summary>
internal sealed class StreamConsumer(GatewayStreamReader reader, IChannel channel, int ackEvery) : AsyncDefaultBasicConsumer(channel)
{
    private int _unacknowledged;

    public override async Task HandleBasicDeliverAsync(string consumerTag, ulong deliveryTag, bool redelivered, string exchange, string routingKey,
        IReadOnlyBasicProperties properties, ReadOnlyMemory<byte> body, CancellationToken cancellationToken = default)
    {
        await reader.TakeAsync(properties, body, cancellationToken).ConfigureAwait(false);
        if (++_unacknowledged < ackEvery) return;
        _unacknowledged = 0;
        await reader.AcknowledgeAsync(Channel, deliveryTag, cancellationToken).ConfigureAwait(false);
    }

    public override async Task HandleBasicCancelAsync(string consumerTag, CancellationToken cancellationToken = default)
    {
        await base.HandleBasicCancelAsync(consumerTag, cancellationToken).ConfigureAwait(false);
        reader.CancelledByBroker(Channel);
    }
}
