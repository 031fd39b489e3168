using System.Collections.Concurrent;
using Kis.Realtime.Gateway.Wire;
using Microsoft.Extensions.Logging;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Kis.Realtime.Gateway.Internal;

/// <summary>What became of an answer to a direct reply-to address.</summary>
internal enum DirectReplyOutcome
{
    Sent,
    /// <summary>Not delivered: the broker closed the connection under it.</summary>
    Failed,
    /// <summary>Not sent: the user's direct reply-to addresses are refused.</summary>
    Barred,
}

/// <summary>
/// Answers into direct reply-to addresses over a connection of its own (<c>kisrt-gateway-direct-replies</c>), so an
/// address the broker chokes on costs that connection, never the request intake everyone's requests come through.
/// Publishes one at a time with a confirm: when the broker closes the connection with an internal error under a
/// publish, that publish's user sent the address; the user is named in the log and its direct reply-to addresses are
/// refused for the rest of the run (its named reply queues, the library's own, still get answers).
/// </summary>
internal sealed partial class DirectReplyPublisher(KisGatewayEndpoint endpoint, ILogger logger) : IAsyncDisposable
{
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Usage", "CA2213",
        Justification = "Nothing to free (no timer, no wait handle); undisposed, a call racing disposal never meets ObjectDisposedException")]
    private readonly SemaphoreSlim _gate = new(1, 1); // one publish at a time; owns _connection and _channel
    private readonly ConcurrentDictionary<string, string> _barred = new(StringComparer.Ordinal); // user → the address that broke the connection
    private IConnection? _connection;
    private IChannel? _channel;
    private LastPublish _last = new(); // the current connection's last publish (each connection's close handler has its own)

    /// <summary>The user and address of a connection's most recent publish: what a 541 close of that connection blames.</summary>
    private sealed class LastPublish
    {
        private Sent? _value;

        public sealed record Sent(string User, string ReplyTo);

        public Sent? Value
        {
            get => Volatile.Read(ref _value);
            set => Volatile.Write(ref _value, value);
        }
    }

    /// <summary>True when <paramref name="user"/>'s direct reply-to address once made the broker close this connection.</summary>
    public bool IsBarred(string? user) => user is not null && _barred.ContainsKey(user);

    /// <summary>Publishes <paramref name="body"/> to <paramref name="replyTo"/>; not when its user is barred (checked
    /// again here: its requests are answered concurrently); when the broker failed it, the next answer reconnects.</summary>
    public async Task<DirectReplyOutcome> PublishAsync(string user, string replyTo, BasicProperties properties, ReadOnlyMemory<byte> body,
        CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (IsBarred(user)) return DirectReplyOutcome.Barred;
            var channel = _channel is { IsOpen: true } open ? open : await OpenAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                _last.Value = new LastPublish.Sent(user, replyTo);
                await channel.BasicPublishAsync("", replyTo, mandatory: false, properties, body, cancellationToken).ConfigureAwait(false);
                return DirectReplyOutcome.Sent;
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested) // unasked: the broker's timeout
            {
                var reason = _connection?.CloseReason ?? channel.CloseReason;
                if (!TryBar(user, replyTo, reason) && !IsBarred(user)) Log.Failed(logger, RequestGuard.ForLog(user), reason?.ToString() ?? e.Message);
                await CloseAsync().ConfigureAwait(false);
                return DirectReplyOutcome.Failed;
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// 541 from the broker's side: the address of the connection's last publish failed the broker's decoder (any other
    /// close, a restart or 320, is no user's doing). Bars that publish's user once; true when this call barred it.
    /// </summary>
    private bool TryBar(string user, string replyTo, ShutdownEventArgs? reason)
    {
        if (reason is not { ReplyCode: Constants.InternalError, Initiator: ShutdownInitiator.Peer } || !_barred.TryAdd(user, replyTo)) return false;
        Log.Barred(logger, RequestGuard.ForLog(user), RequestGuard.ForLog(replyTo), reason.ReplyText);
        return true;
    }

    /// <summary>Under <see cref="_gate"/>.</summary>
    private async Task<IChannel> OpenAsync(CancellationToken cancellationToken)
    {
        await CloseAsync().ConfigureAwait(false);
        var connection = await endpoint.CreateFactory("kisrt-gateway-direct-replies").CreateConnectionAsync(cancellationToken).ConfigureAwait(false);
        // The broker may confirm a publish and close the connection for its address just after (seen under load): the
        // publish then succeeded and no exception ever named the user. The close itself says it, whenever it comes.
        var last = _last = new LastPublish();
        connection.ConnectionShutdownAsync += (_, e) =>
        {
            if (last.Value is { } sent) TryBar(sent.User, sent.ReplyTo, e);
            return Task.CompletedTask;
        };
        _connection = connection;
        return _channel = await _connection.OpenChannelAsync(
            new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Under <see cref="_gate"/> (or at dispose).</summary>
    private async Task CloseAsync()
    {
        var connection = _connection;
        (_connection, _channel) = (null, null);
        if (connection is null) return;
        try { await connection.CloseAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(false); } catch (Exception) { /* already gone */ }
        connection.Dispose();
    }

    public async ValueTask DisposeAsync()
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        try { await CloseAsync().ConfigureAwait(false); } finally { _gate.Release(); }
    }

    private static partial class Log
    {
        [LoggerMessage(25, LogLevel.Warning, "User {User}'s direct reply-to address {ReplyTo} made the broker close the reply connection ({Reason}): " +
            "its direct reply-to addresses are refused from now on (its named reply queues are still answered); other users are not affected")]
        public static partial void Barred(ILogger logger, string user, string replyTo, string reason);

        [LoggerMessage(26, LogLevel.Warning, "An answer to user {User}'s direct reply-to address was not delivered ({Reason}); reconnecting for the next")]
        public static partial void Failed(ILogger logger, string user, string reason);
    }
}
