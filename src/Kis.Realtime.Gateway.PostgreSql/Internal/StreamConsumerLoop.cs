using System.Globalization;
using Kis.Realtime.Retry;
using Microsoft.Extensions.Logging;
using RabbitMQ.Client;

namespace Kis.Realtime.Gateway.PostgreSql.Internal;

/// <summary>
/// Follows one stream, reconnecting: a connection and channel of its own, the prefetch set, one consumer attached at
/// the offset its owner names, and after a lost channel, a consumer the broker cancels or a failed attach a wait
/// (<see cref="ExponentialBackoff"/>) and a new connection, attached again where the owner says. The one copy of that
/// loop for the history writer's readers (a TR's stream, <see cref="StreamHistoryFeed"/>; the checkpoints,
/// <see cref="GatewayRunsWatcher"/>).
/// It owns the connection, the channel and the backoff; what the consumer reads, and so where to resume, is its owner's.
/// </summary>
internal sealed partial class StreamConsumerLoop
{
    private readonly ConnectionFactory _factory;
    private readonly string _stream;
    private readonly ushort _prefetch;
    private readonly Func<object> _resumeFrom;
    private readonly Func<IChannel, CancellationToken, IAsyncBasicConsumer> _createConsumer;
    private readonly ExponentialBackoff _backoff;
    private readonly ILogger _logger;
    private long _reattachments;
    private volatile bool _attached;

    /// <param name="factory">Makes each attempt's connection.</param>
    /// <param name="stream">The stream queue to consume.</param>
    /// <param name="prefetch">Unacknowledged deliveries the broker may send ahead (the stream's credit).</param>
    /// <param name="resumeFrom">Asked before every attach: the <c>x-stream-offset</c> to attach at (an offset, or
    /// <c>"first"</c>/<c>"last"</c>), so the owner resumes past what it read.</param>
    /// <param name="createConsumer">Makes the consumer of a new channel (the token is the loop's stop).</param>
    /// <param name="backoff">The wait before each new attempt: grown by a failed attach, reset by a good one.</param>
    /// <param name="logger">Where attaching, losing and retrying are said.</param>
    public StreamConsumerLoop(ConnectionFactory factory, string stream, ushort prefetch, Func<object> resumeFrom,
        Func<IChannel, CancellationToken, IAsyncBasicConsumer> createConsumer, ExponentialBackoff backoff, ILogger logger)
    {
        _factory = factory;
        _stream = stream;
        _prefetch = prefetch;
        _resumeFrom = resumeFrom;
        _createConsumer = createConsumer;
        _backoff = backoff;
        _logger = logger;
    }

    /// <summary>A backoff that stays at <paramref name="delay"/> (jittered): the history writer retries at a fixed pace,
    /// to catch up at once when the broker or the stream is back.</summary>
    public static ExponentialBackoff FixedPace(TimeSpan delay) => new(delay, delay);

    /// <summary>Whether a consumer is attached now.</summary>
    public bool Attached => _attached;

    /// <summary>Attempts that ended (a lost channel or a failed attach) and were followed by another.</summary>
    public long Reattachments => Interlocked.Read(ref _reattachments);

    /// <summary>
    /// Attaches, and again after every loss, until <paramref name="stop"/>: then <see langword="null"/>. Ends early only
    /// when the broker refuses the read (403): its reply text, for the owner to say what cannot be stored, since
    /// retrying would never succeed.
    /// </summary>
    public async Task<string?> RunAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            IConnection? connection = null;
            IChannel? channel = null;
            try
            {
                var lost = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
                connection = await _factory.CreateConnectionAsync(stop).ConfigureAwait(false);
                channel = await connection.CreateChannelAsync(cancellationToken: stop).ConfigureAwait(false);
                channel.ChannelShutdownAsync += (_, e) =>
                {
                    lost.TrySetResult(e.ReplyText);
                    return Task.CompletedTask;
                };
                await channel.BasicQosAsync(0, _prefetch, false, stop).ConfigureAwait(false);
                var from = _resumeFrom();
                await channel.BasicConsumeAsync(_stream, autoAck: false, consumerTag: "", noLocal: false, exclusive: false,
                    new Dictionary<string, object?> { ["x-stream-offset"] = from }, new CancelWatch(_createConsumer(channel, stop), lost), stop)
                    .ConfigureAwait(false);
                _attached = true;
                _backoff.Reset();
                Log.Attached(_logger, _stream, Convert.ToString(from, CultureInfo.InvariantCulture) ?? "");
                var reason = await lost.Task.WaitAsync(stop).ConfigureAwait(false);
                Log.Lost(_logger, _stream, reason);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                break;
            }
            catch (RabbitMQ.Client.Exceptions.OperationInterruptedException e) when (e.ShutdownReason?.ReplyCode == 403)
            {
                return e.ShutdownReason.ReplyText;
            }
            catch (Exception e)
            {
                // A missing stream (the gateway declares it when it first needs it) or an unreachable broker: retried.
                _backoff.Grow();
                Log.Retry(_logger, _stream, e.GetType().Name, _backoff.Current.TotalSeconds);
            }
            finally
            {
                _attached = false;
                await CloseAsync(channel, connection).ConfigureAwait(false);
            }
            Interlocked.Increment(ref _reattachments);
            try
            {
                await Task.Delay(_backoff.Current, stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
        return null;
    }

    /// <summary>
    /// The owner's consumer, watched for the broker's cancel (basic.cancel: the stream deleted, or its member lost in a
    /// cluster), which leaves the channel open: without the watch the loop would wait for a shutdown that never comes
    /// and read nothing more. A cancel ends the attempt as a lost channel does.
    /// </summary>
    private sealed class CancelWatch(IAsyncBasicConsumer consumer, TaskCompletionSource<string> lost) : IAsyncBasicConsumer
    {
        public IChannel? Channel => consumer.Channel;

        public async Task HandleBasicCancelAsync(string consumerTag, CancellationToken cancellationToken = default)
        {
            try
            {
                await consumer.HandleBasicCancelAsync(consumerTag, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                lost.TrySetResult("the broker cancelled the consumer");
            }
        }

        public Task HandleBasicCancelOkAsync(string consumerTag, CancellationToken cancellationToken = default) =>
            consumer.HandleBasicCancelOkAsync(consumerTag, cancellationToken);

        public Task HandleBasicConsumeOkAsync(string consumerTag, CancellationToken cancellationToken = default) =>
            consumer.HandleBasicConsumeOkAsync(consumerTag, cancellationToken);

        public Task HandleBasicDeliverAsync(string consumerTag, ulong deliveryTag, bool redelivered, string exchange, string routingKey,
            IReadOnlyBasicProperties properties, ReadOnlyMemory<byte> body, CancellationToken cancellationToken = default) =>
            consumer.HandleBasicDeliverAsync(consumerTag, deliveryTag, redelivered, exchange, routingKey, properties, body, cancellationToken);

        public Task HandleChannelShutdownAsync(object channel, RabbitMQ.Client.Events.ShutdownEventArgs reason) =>
            consumer.HandleChannelShutdownAsync(channel, reason);
    }

    private static async Task CloseAsync(IChannel? channel, IConnection? connection)
    {
        try
        {
            if (channel is not null) await channel.DisposeAsync().ConfigureAwait(false);
            if (connection is not null) await connection.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception)
        {
            // already gone
        }
    }

    private static partial class Log
    {
        [LoggerMessage(61, LogLevel.Information, "History {Stream}: reading from offset {Offset}")]
        public static partial void Attached(ILogger logger, string stream, string offset);

        [LoggerMessage(62, LogLevel.Warning, "History {Stream}: lost the broker ({Reason}); attaching again past the last offset read")]
        public static partial void Lost(ILogger logger, string stream, string reason);

        [LoggerMessage(63, LogLevel.Debug, "History {Stream}: broker not reachable or stream not there yet ({Error}); again in {Seconds:0.0} s")]
        public static partial void Retry(ILogger logger, string stream, string error, double seconds);
    }
}
