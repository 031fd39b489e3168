using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Text;
using Kis.Realtime.Gateway.Wire;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Kis.Realtime.Gateway.Internal;

/// <summary>
/// Deleted broker users, from RabbitMQ's event exchange (the bundled <c>rabbitmq_event_exchange</c> plugin): a user the
/// operator deleted cannot renew, so its claims end at once instead of after the lease and the linger. Without the plugin
/// (or read permission on <c>amq.rabbitmq.event</c>) the gateway warns once and the lease ends those claims as before. The
/// plugin declares its exchange in one vhost (<see cref="KisGatewayOptions.BrokerEventsVhost"/>): on another the gateway
/// does not bind at all (a refused bind is an error line in the broker's log at every start) and says so once.
/// </summary>
internal sealed partial class RequestServer
{
    /// <summary>The exchange the plugin publishes the broker's events to (in the vhost it is configured for, <c>/</c> by default).</summary>
    internal const string EventExchange = "amq.rabbitmq.event";

    /// <summary>What each logger factory (one a process: a fleet's shards and their takeovers share it) already told of why
    /// the watch is off, by message and vhost: once a process, not once a shard's gateway, yet a gateway of the process on
    /// another vhost (or failing for another reason) still says its own line.</summary>
    private static readonly ConditionalWeakTable<object, ConcurrentDictionary<string, byte>> Told = new();

    /// <summary>
    /// Binds an exclusive queue of this process (<c>{ns}.gateway-events.{id}</c>, gone with the connection) to
    /// <c>user.deleted</c> on its own channel, so a refusal closes that channel only. Never throws: a refusal is a warning.
    /// </summary>
    internal async Task WatchDeletedUsersAsync(IConnection connection, CancellationToken stop)
    {
        var vhost = BrokerFault.VirtualHostOf(_options.Endpoint.AmqpUri);
        if (!string.Equals(vhost, _options.BrokerEventsVhost, StringComparison.Ordinal))
        {
            // Decided by name, never by a probe: a passive declare or a bind of the missing exchange is a channel error the broker logs.
            if (FirstToTell(nameof(Log.NoUserEventsInVhost), vhost)) Log.NoUserEventsInVhost(_logger, vhost, EventExchange, _options.BrokerEventsVhost);
            return;
        }
        var queue = _options.Endpoint.Namespace + ".gateway-events." + Guid.NewGuid().ToString("N");
        IChannel? channel = null;
        try
        {
            channel = await connection.OpenChannelAsync(stop).ConfigureAwait(false);
            await channel.QueueDeclareAsync(queue, durable: false, exclusive: true, autoDelete: true, cancellationToken: stop).ConfigureAwait(false);
            await channel.QueueBindAsync(queue, EventExchange, "user.deleted", cancellationToken: stop).ConfigureAwait(false);
            var consumer = new AsyncEventingBasicConsumer(channel);
            consumer.ReceivedAsync += (_, delivery) =>
            {
                if (UserNameOf(delivery.BasicProperties.Headers) is { Length: > 0 } user) UserDeleted(user);
                return Task.CompletedTask;
            };
            await channel.BasicConsumeAsync(queue, autoAck: true, consumer, stop).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException || !stop.IsCancellationRequested) // unasked: the broker's timeout
        {
            // Once per process: a broker without the plugin would otherwise repeat it on every reconnect and every shard.
            if (FirstToTell(nameof(Log.NoUserEvents), vhost)) Log.NoUserEvents(_logger, EventExchange, e.Message);
            channel?.Dispose();
        }
    }

    private bool FirstToTell(string message, string vhost) =>
        Told.GetValue(_options.LoggerFactory ?? (object)NullLoggerFactory.Instance, _ => new(StringComparer.Ordinal)).TryAdd(message + " " + vhost, 0);

    private void UserDeleted(string user)
    {
        var (claims, released) = _registrations().DropUser(user);
        Log.UserDeleted(_logger, user, claims, released);
    }

    /// <summary>The event's <c>name</c> header (the deleted user), a long string the client hands over as bytes.</summary>
    internal static string? UserNameOf(IDictionary<string, object?>? headers) =>
        headers?.TryGetValue("name", out var value) == true ? value switch
        {
            byte[] bytes => Encoding.UTF8.GetString(bytes),
            string text => text,
            _ => null,
        } : null;

    private static partial class Log
    {
        [LoggerMessage(29, LogLevel.Warning, "Cannot watch for deleted broker users on {Exchange} ({Reason}): a deleted user's claims end with their lease " +
            "(enable the rabbitmq_event_exchange plugin and give the gateway's user read on it: docs/gateway-security.md)")]
        public static partial void NoUserEvents(ILogger logger, string exchange, string reason);

        [LoggerMessage(102, LogLevel.Warning, "Not watching for deleted broker users on vhost {Vhost}: RabbitMQ's event exchange {Exchange} is in " +
            "vhost {EventsVhost} only, so a deleted user's claims end with their lease. To watch here: event_exchange.vhost = {Vhost} in " +
            "rabbitmq.conf (the rabbitmq_event_exchange plugin's one vhost; a broker restart) and --broker-events-vhost {Vhost} " +
            "(docs/gateway-security.md)")]
        public static partial void NoUserEventsInVhost(ILogger logger, string vhost, string exchange, string eventsVhost);

        [LoggerMessage(30, LogLevel.Information, "Broker user {User} was deleted: ended its {Claims} claims, released {Released} registrations at once")]
        public static partial void UserDeleted(ILogger logger, string user, int claims, int released);
    }
}
