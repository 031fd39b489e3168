using Kis.Realtime.Gateway.Wire;
using Microsoft.Extensions.Logging;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Kis.Realtime.Gateway.Internal;

/// <summary>
/// The client's broker connection and its request/reply with the gateway: connecting (with retries), the reply queue
/// and its consumer, the request channel (opened again when the broker closes it), the requests waiting for their
/// answers. Connecting and dropping the connection are serialised by <see cref="_connectGate"/>; the state moves it
/// causes go to <see cref="GatewayClientState"/>.
/// </summary>
internal sealed class GatewayBrokerLink(KisGatewayClientOptions options, ILogger logger, GatewayClientState state, Func<int> openReaders)
{
    private readonly KisGatewayClientOptions _options = options;
    private readonly ILogger _logger = logger;
    private readonly GatewayClientState _state = state;
    private readonly Func<int> _openReaders = openReaders; // a loss with readers open is Reconnecting (they reconnect), else Closed
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Usage", "CA2213",
        Justification = "Nothing to free (no timer, no wait handle); undisposed, a call racing disposal never meets ObjectDisposedException")]
    private readonly SemaphoreSlim _connectGate = new(1, 1); // guards _connection, _requests, _replyQueue writes
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, TaskCompletionSource<GatewayReply>> _pending = new();
    private IConnection? _connection;
    private IChannel? _requests;
    private string? _replyQueue;
    private volatile bool _closed;

    /// <summary>True once the client's disposal released its claims: nothing connects again.</summary>
    public bool IsClosed => _closed;

    /// <summary>From now on <see cref="ConnectAsync"/> throws <see cref="ObjectDisposedException"/>.</summary>
    public void BeginClose() => _closed = true;

    /// <summary>Drops the connection for good (the last step of the client's disposal but the state's).</summary>
    public async Task CloseAsync()
    {
        await _connectGate.WaitAsync().ConfigureAwait(false);
        try { await DropConnectionAsync().ConfigureAwait(false); }
        finally { _connectGate.Release(); }
    }

    /// <summary>Connects to the broker unless connected (<see cref="KisGatewayClient.ConnectAsync"/>).</summary>
    public async Task ConnectAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_closed, typeof(KisGatewayClient));
        if (_connection is { IsOpen: true }) return;
        await _connectGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_connection is { IsOpen: true }) return;
            using var span = GatewayClientActivities.StartConnect(again: _connection is not null, _options.Endpoint);
            // A first connect (from Closed) is Connecting; after a loss the state stays Reconnecting until it succeeds.
            _state.MoveTo(KisConnectionState.Connecting, null, onlyFrom: previous => previous == KisConnectionState.Closed);
            try
            {
                await ConnectOnceAsync(cancellationToken).ConfigureAwait(false);
                _state.MoveTo(KisConnectionState.Connected, null);
            }
            catch (Exception e)
            {
                GatewayClientActivities.Fail(span, e);
                _state.MoveTo(KisConnectionState.Closed, e.Message, onlyFrom: previous => previous == KisConnectionState.Connecting);
                throw;
            }
        }
        finally
        {
            _connectGate.Release();
        }
    }

    /// <summary>Under <see cref="_connectGate"/>: the connection, its reply queue and consumer, the request channel.</summary>
    private async Task ConnectOnceAsync(CancellationToken cancellationToken)
    {
        if (_connection is not null) await DropConnectionAsync().ConfigureAwait(false);
        var connection = await CreateConnectionAsync(cancellationToken).ConfigureAwait(false);
        connection.ConnectionShutdownAsync += (_, e) =>
        {
            foreach (var pending in _pending.Values) pending.TrySetException(Lost(e.ReplyText));
            // Not a close of ours (disposal, or a reconnect replacing it): lost. Stream readers reconnect by themselves;
            // without any, nothing does until the next request (Closed, as before the first connect).
            if (e.Initiator != ShutdownInitiator.Application)
                _state.MoveTo(_openReaders() > 0 ? KisConnectionState.Reconnecting : KisConnectionState.Closed, e.ReplyText,
                    onlyFrom: previous => previous == KisConnectionState.Connected);
            return Task.CompletedTask;
        };
        var channel = await connection.OpenChannelAsync(cancellationToken).ConfigureAwait(false);
        // Named for this user ({ns}.reply.{user}.…): the gateway answers only into a queue the requesting user owns.
        var replies = await channel.QueueDeclareAsync(_options.Endpoint.NewReplyQueue(), durable: false, exclusive: true, autoDelete: true,
            cancellationToken: cancellationToken).ConfigureAwait(false);
        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += (_, delivery) =>
        {
            if (delivery.BasicProperties.CorrelationId is { } id && _pending.TryRemove(id, out var waiter))
            {
                try
                {
                    waiter.TrySetResult(GatewayJson.Deserialize<GatewayReply>(delivery.Body.Span)
                        ?? new GatewayReply(false, Error: "failed", Message: "empty reply"));
                }
                catch (System.Text.Json.JsonException e)
                {
                    waiter.TrySetException(new InvalidOperationException("The gateway's reply is not valid JSON.", e));
                }
            }
            return Task.CompletedTask;
        };
        await channel.BasicConsumeAsync(replies.QueueName, autoAck: true, consumer, cancellationToken).ConfigureAwait(false);
        (_connection, _replyQueue) = (connection, replies.QueueName);
        _requests = await OpenRequestChannelAsync(connection, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// A new broker connection, retried with jittered backoff for <see cref="KisGatewayClientOptions.ConnectRetryTime"/>:
    /// a loaded broker resets handshakes for a while, and one reset must not end a consumer. Refused credentials and a refused
    /// certificate are not retried (they will not change).
    /// </summary>
    private async Task<IConnection> CreateConnectionAsync(CancellationToken cancellationToken)
    {
        var factory = _options.Endpoint.CreateFactory("kisrt-gateway-client " + _options.ConsumerId);
        var deadline = _options.TimeProvider.GetUtcNow() + _options.ConnectRetryTime;
        var backoff = new Kis.Realtime.Retry.ExponentialBackoff(TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(5));
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await factory.CreateConnectionAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (RabbitMQ.Client.Exceptions.BrokerUnreachableException e)
            {
                var reason = e.InnerException?.Message ?? e.Message;
                var delay = backoff.Current;
                if (IsPermanent(e) || _options.TimeProvider.GetUtcNow() + delay > deadline)
                    throw new KisConnectionException(new Uri(_options.Endpoint.DisplayUri), $"RabbitMQ is not reachable: {reason}" +
                        (attempt > 1 ? $" ({attempt} attempts)" : ""), e);
                if ((attempt & (attempt - 1)) == 0) GatewayClientLog.ConnectRetry(_logger, _options.Endpoint.DisplayUri, reason, attempt, delay.TotalSeconds);
                await Task.Delay(delay, _options.TimeProvider, cancellationToken).ConfigureAwait(false);
                backoff.Grow();
            }
        }
    }

    /// <summary>
    /// A failure that another attempt cannot change: the broker refused the credentials, or TLS refused the broker's
    /// certificate (an untrusted CA, a wrong name). Retrying those only hides the cause for a minute.
    /// </summary>
    private static bool IsPermanent(Exception failure)
    {
        for (var e = failure.InnerException; e is not null; e = e.InnerException)
            if (e is RabbitMQ.Client.Exceptions.AuthenticationFailureException or System.Security.Authentication.AuthenticationException)
                return true;
        return false;
    }

    /// <summary>
    /// The channel requests are published on, apart from the replies' (the broker closes it when a publish is refused:
    /// the request exchange does not exist yet, or this user may not write to it; the next request opens another).
    /// </summary>
    private async Task<IChannel> OpenRequestChannelAsync(IConnection connection, CancellationToken cancellationToken)
    {
        var channel = await connection.OpenChannelAsync(cancellationToken).ConfigureAwait(false);
        channel.ChannelShutdownAsync += (_, e) =>
        {
            if (e.Initiator != ShutdownInitiator.Peer) return Task.CompletedTask;
            var reason = e.ReplyCode == 404
                ? $"The gateway did not answer: its request exchange {_options.Endpoint.RequestExchange} does not exist (is `kisrt gateway` running with " +
                    $"namespace {_options.Endpoint.Namespace}?)"
                : $"The broker refused a gateway request ({e.ReplyCode}: {e.ReplyText}): see docs/gateway-security.md for the permissions";
            foreach (var pending in _pending.Values) pending.TrySetException(new KisConnectionException(new Uri(_options.Endpoint.DisplayUri), reason));
            return Task.CompletedTask;
        };
        return channel;
    }

    /// <summary>The request channel, opened again when the broker closed it.</summary>
    private async Task<IChannel> RequestChannelAsync(CancellationToken cancellationToken)
    {
        await ConnectAsync(cancellationToken).ConfigureAwait(false);
        if (_requests is { IsOpen: true } open) return open;
        await _connectGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_requests is { IsOpen: true } reopened) return reopened;
            return _requests = await OpenRequestChannelAsync(Connection, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _connectGate.Release();
        }
    }

    public KisConnectionException Lost(string reason) => new(new Uri(_options.Endpoint.DisplayUri), $"Connection to RabbitMQ lost: {reason}");

    public IConnection Connection => _connection ?? throw new InvalidOperationException("Not connected.");

    /// <summary>Sends a request to the gateway and waits for its answer.</summary>
    public async Task<GatewayReply> RequestAsync(GatewayRequest request, CancellationToken cancellationToken)
    {
        var requests = await RequestChannelAsync(cancellationToken).ConfigureAwait(false);
        var id = Guid.NewGuid().ToString("N");
        var waiter = new TaskCompletionSource<GatewayReply>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[id] = waiter;
        try
        {
            var properties = new BasicProperties
            {
                ReplyTo = _replyQueue,
                CorrelationId = id,
                ContentType = "application/json",
                // Who asks: the broker refuses a publish whose user-id is not the connection's user, so the gateway can trust it.
                UserId = _options.Endpoint.UserName,
                // A request nobody takes in time is gone rather than answered long after the requester gave up.
                Expiration = ((long)_options.RequestTimeout.TotalMilliseconds).ToString(System.Globalization.CultureInfo.InvariantCulture),
            };
            await requests.BasicPublishAsync(_options.Endpoint.RequestExchange, _options.Endpoint.RequestQueue, mandatory: false, properties,
                GatewayJson.Serialize(request), cancellationToken).ConfigureAwait(false);
            return await waiter.Task.WaitAsync(_options.RequestTimeout, _options.TimeProvider, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            throw new KisConnectionException(new Uri(_options.Endpoint.DisplayUri),
                $"The gateway (queue {_options.Endpoint.RequestQueue}) did not answer '{request.Op}' within {_options.RequestTimeout.TotalSeconds:0.#} s: is " +
                $"`kisrt gateway` running with namespace {_options.Endpoint.Namespace}?");
        }
        finally
        {
            _pending.TryRemove(id, out _);
        }
    }

    /// <summary>Under <see cref="_connectGate"/>: closes the connection (its readers' channels with it).</summary>
    private async Task DropConnectionAsync()
    {
        var connection = _connection;
        _connection = null;
        _requests = null;
        if (connection is null) return;
        try { await connection.CloseAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(false); } catch (Exception) { /* already gone */ }
        connection.Dispose();
    }
}
