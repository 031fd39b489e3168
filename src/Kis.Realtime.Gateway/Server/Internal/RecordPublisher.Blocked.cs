using Microsoft.Extensions.Logging;
using RabbitMQ.Client;

namespace Kis.Realtime.Gateway.Internal;

/// <summary>
/// The broker's resource alarms: RabbitMQ blocks every publishing connection (connection.blocked) while a node is low on
/// disk or memory, and the connection stays open, so "connected" alone hides that nothing is published. The publisher
/// follows its connection's blocked and unblocked notifications: status, health check, meter and log say so.
/// </summary>
internal sealed partial class RecordPublisher
{
    private BrokerBlock? _blocked; // swapped whole (Interlocked): no lock beside the confirms' one

    /// <summary>Why the broker blocks publishing (its own words, e.g. "low on disk") and since when; null when it does not.</summary>
    public BrokerBlock? Blocked => Volatile.Read(ref _blocked);

    private void Follow(IConnection connection)
    {
        connection.ConnectionBlockedAsync += (_, e) =>
        {
            Interlocked.CompareExchange(ref _blocked, new BrokerBlock(e.Reason, _options.TimeProvider.GetUtcNow()), null);
            Log.Blocked(_logger, e.Reason, Waiting, _options.BufferCapacity);
            return Task.CompletedTask;
        };
        connection.ConnectionUnblockedAsync += (_, _) =>
        {
            Unblock();
            return Task.CompletedTask;
        };
    }

    /// <summary>The alarm cleared (or the connection went: a new one is told again when the alarm still holds).</summary>
    private void Unblock()
    {
        if (Interlocked.Exchange(ref _blocked, null) is { } blocked) Log.Unblocked(_logger, (_options.TimeProvider.GetUtcNow() - blocked.Since).TotalSeconds,
            Waiting);
    }

    private static partial class Log
    {
        [LoggerMessage(5, LogLevel.Error, "The broker blocks publishing ({Reason}: a resource alarm, e.g. its free disk under disk_free_limit): records wait " +
            "in the buffer, {Waiting} of {Capacity}; free the broker's disk or memory (docs/gateway.md, Sizing)")]
        public static partial void Blocked(ILogger logger, string reason, long waiting, int capacity);

        [LoggerMessage(6, LogLevel.Warning, "The broker publishes again after {Seconds:0.0} s blocked, {Waiting} records waiting")]
        public static partial void Unblocked(ILogger logger, double seconds, long waiting);
    }
}

/// <summary>A broker's block of the publisher's connection: its reason and since when.</summary>
internal sealed record BrokerBlock(string Reason, DateTimeOffset Since);
