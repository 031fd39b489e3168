using Kis.Realtime.Gateway.Wire;
using RabbitMQ.Client;

namespace Kis.Realtime.Gateway.Internal;

/// <summary>
/// A stream reader's AMQP channel: opened on each attach (the previous one closed first: never two consumers feeding one
/// reader), acknowledged in batches, and closed. <see cref="Lost"/> completes with the reason when the channel closes
/// under the reader (or the reader declares it lost).
/// </summary>
internal sealed class StreamChannel
{
    // An ack and the channel's close never cross: an ack sent after channel.close reaches a broker that has dropped the
    // channel, and it answers CHANNEL_ERROR "expected 'channel.open'", which closes the whole connection (every
    // subscription and request of the client). Held while an ack is sent, and to take the channel away before closing it.
    private readonly SemaphoreSlim _acking = new(1, 1);
    private IChannel? _channel; // set only under _acking
    private TaskCompletionSource<string> _lost = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes with the reason when the current channel is lost.</summary>
    public Task<string> Lost => _lost.Task;

    /// <summary>True when <paramref name="channel"/> is the one open now (not one this reader closed).</summary>
    public bool IsCurrent(IChannel channel) => ReferenceEquals(Volatile.Read(ref _channel), channel);

    /// <summary>The current channel is lost for <paramref name="reason"/> (its consumer was cancelled by the broker).</summary>
    public void Lose(string reason) => _lost.TrySetResult(reason);

    /// <summary>
    /// Opens a channel on the connection <paramref name="connection"/> gives and consumes <paramref name="stream"/> from
    /// <paramref name="from"/> with the consumer <paramref name="consumerFor"/> makes for it; the previous channel is closed
    /// first, and the connection read after that (a reconnect may replace it while the old channel closes).
    /// </summary>
    public async Task OpenAsync(Func<IConnection> connection, string stream, GatewayStart from, ushort prefetch,
        Func<IChannel, IAsyncBasicConsumer> consumerFor, CancellationToken cancellationToken)
    {
        await CloseAsync(cancellationToken).ConfigureAwait(false);
        var lost = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        _lost = lost;
        var channel = await connection().OpenChannelAsync(cancellationToken).ConfigureAwait(false);
        channel.ChannelShutdownAsync += (_, e) =>
        {
            lost.TrySetResult(e.ReplyText);
            return Task.CompletedTask;
        };
        await _acking.WaitAsync(CancellationToken.None).ConfigureAwait(false);
        _channel = channel; // the one place besides CloseAsync that sets it, under the same semaphore
        _acking.Release();
        await channel.BasicQosAsync(0, prefetch, false, cancellationToken).ConfigureAwait(false);
        await channel.BasicConsumeAsync(stream, autoAck: false, consumerTag: "", noLocal: false, exclusive: false,
            new Dictionary<string, object?> { ["x-stream-offset"] = from.ToArgument() }, consumerFor(channel), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Takes the channel away from its consumer (no ack is sent on it after this), then closes it.</summary>
    public async Task CloseAsync(CancellationToken cancellationToken = default)
    {
        IChannel? channel;
        await _acking.WaitAsync(CancellationToken.None).ConfigureAwait(false); // held for one ack at most
        try
        {
            channel = _channel;
            _channel = null;
        }
        finally
        {
            _acking.Release();
        }
        if (channel is null) return;
        try { await channel.CloseAsync(cancellationToken).ConfigureAwait(false); } catch (Exception) { /* the connection is gone */ }
        channel.Dispose();
    }

    /// <summary>Acknowledges up to <paramref name="deliveryTag"/> on <paramref name="channel"/> unless it is closing or lost.</summary>
    public async Task AcknowledgeAsync(IChannel channel, ulong deliveryTag, CancellationToken cancellationToken)
    {
        await _acking.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!ReferenceEquals(_channel, channel) || !channel.IsOpen) return; // a stream keeps its records: nothing to give back
            await channel.BasicAckAsync(deliveryTag, multiple: true, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _acking.Release();
        }
    }
}
