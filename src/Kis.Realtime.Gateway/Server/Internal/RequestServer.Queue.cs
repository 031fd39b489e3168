using Kis.Realtime.Gateway.Wire;
using Microsoft.Extensions.Logging;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace Kis.Realtime.Gateway.Internal;

/// <summary>The request queue: declared with a byte bound, replacing one an older gateway declared without it.</summary>
internal sealed partial class RequestServer
{
    /// <summary>
    /// The request queue's arguments. <c>x-max-length-bytes</c> with <c>reject-publish</c> makes the broker refuse a
    /// message that would take the queue's ready bytes above the bound, so no single request larger than it (nor a flood
    /// beyond it) ever reaches the gateway; the requester's publish is nacked when it uses confirms, dropped otherwise.
    /// </summary>
    internal static Dictionary<string, object?> RequestQueueArguments() => new()
    {
        ["x-max-length-bytes"] = RequestGuard.MaxQueuedRequestBytes,
        ["x-overflow"] = "reject-publish",
    };

    /// <summary>A channel with the request queue declared on it. A queue of the same name declared with other arguments
    /// (an older gateway's) makes the broker close the channel with 406: it is deleted and declared again, its waiting
    /// requests lost (their requesters time out and ask again).</summary>
    private async Task<IChannel> DeclareRequestQueueAsync(IConnection connection, CancellationToken stop)
    {
        var queue = _options.Endpoint.RequestQueue;
        var channel = await connection.OpenChannelAsync(stop).ConfigureAwait(false);
        try
        {
            await channel.QueueDeclareAsync(queue, durable: false, exclusive: false, autoDelete: false, RequestQueueArguments(), cancellationToken: stop)
                .ConfigureAwait(false);
            return channel;
        }
        catch (OperationInterruptedException e) when (e.ShutdownReason?.ReplyCode == Constants.PreconditionFailed)
        {
            channel.Dispose();
            Log.ReplacingQueue(_logger, queue, e.ShutdownReason.ReplyText);
        }
        channel = await connection.OpenChannelAsync(stop).ConfigureAwait(false);
        await channel.QueueDeleteAsync(queue, ifUnused: false, ifEmpty: false, cancellationToken: stop).ConfigureAwait(false);
        await channel.QueueDeclareAsync(queue, durable: false, exclusive: false, autoDelete: false, RequestQueueArguments(), cancellationToken: stop)
            .ConfigureAwait(false);
        return channel;
    }

    private static partial class Log
    {
        [LoggerMessage(23, LogLevel.Warning,
            "The request queue {Queue} was declared without the gateway's byte bound ({Reason}): deleting and declaring it again")]
        public static partial void ReplacingQueue(ILogger logger, string queue, string reason);
    }
}
