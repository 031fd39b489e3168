using Kis.Realtime.Gateway.Wire;
using Microsoft.Extensions.Logging;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Kis.Realtime.Gateway.Internal;

/// <summary>
/// Takes consumers' requests from <c>{ns}.requests</c> and answers on their <c>reply_to</c>, over its own
/// connection (reconnecting with backoff). Also declares the streams, on a second channel of that connection.
/// Requests are handled concurrently: a subscribe waits for KIS while others are answered, and the prefetch window keeps
/// room for renewals and status beside the most subscribes that may wait (<see cref="RequestGuard.MaxPendingSubscribes"/>).
/// </summary>
internal sealed partial class RequestServer : IAsyncDisposable
{
    private readonly KisGatewayOptions _options;
    private readonly StreamTopology _topology;
    private readonly Func<RegistrationManager> _registrations;
    private readonly Func<GatewayStatus> _status;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource _firstReady = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly SemaphoreSlim _declareGate = new(1, 1);
    private readonly RequestGuard _guard;
    private readonly DirectReplyPublisher _directReplies;
    private volatile IChannel? _admin;
    private volatile IConnection? _connection; // _admin's: each stream is declared on a channel of its own (StreamRetention)
    private volatile TaskCompletionSource _connected = new(TaskCreationOptions.RunContinuationsAsynchronously); // set while _admin is up
    private Task? _loop;
    private long _refused;
    // Per user (the broker checks user-id, so at most one entry per broker user): each user's own 1st, 2nd, 4th …
    // refusal is logged, so one greedy user's flood neither floods the log nor hides another user's first refusal.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, long> _refusedByUser =
        new(StringComparer.Ordinal);

    public RequestServer(KisGatewayOptions options, StreamTopology topology, Func<RegistrationManager> registrations, Func<GatewayStatus> status,
        ILogger logger)
    {
        _options = options;
        _topology = topology;
        _registrations = registrations;
        _status = status;
        _logger = logger;
        _guard = new RequestGuard(options);
        _directReplies = new DirectReplyPublisher(options.Endpoint, logger);
    }

    /// <summary>Requests refused before they reached a registration (see <see cref="GatewayStatus.RequestsRefused"/>).</summary>
    public long Refused => Interlocked.Read(ref _refused);

    /// <summary>Starts; completes once the request queue is consumed (or throws when the broker cannot be reached at all).</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        _loop = Task.Run(() => RunAsync(_stop.Token), CancellationToken.None); // runs until disposal; the caller's token bounds the wait
        await _firstReady.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Declares the stream of a TR (idempotent), on the admin channel. A broker fault under it (the connection closed, by a
    /// restart or an internal error) is waited out as everywhere else: the declaration is made again on the next connection,
    /// never thrown at the subscriber (a gateway holding its keys died of it). A refusal on a live connection is thrown.
    /// </summary>
    public async Task<string> DeclareStreamAsync(string trId, CancellationToken cancellationToken)
    {
        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _stop.Token);
        await _declareGate.WaitAsync(stopping.Token).ConfigureAwait(false);
        try
        {
            while (true)
            {
                var connected = _connected; // read before the channel: RunAsync replaces it before clearing the channel
                var (admin, connection) = (_admin, _connection);
                if (admin is null || connection is null)
                {
                    await connected.Task.WaitAsync(stopping.Token).ConfigureAwait(false);
                    continue;
                }
                try
                {
                    _options.BrokerCall(BrokerCallSites.StreamDeclare);
                    return await _topology.DeclareStreamAsync(connection, admin, trId, stopping.Token).ConfigureAwait(false);
                }
                catch (Exception raw) when (!stopping.IsCancellationRequested && BrokerFault.Unasked(raw, stopping.Token) is var e
                                            && (!connection.IsOpen || !admin.IsOpen || BrokerFault.IsTransient(e)))
                {
                    Log.DeclareInterrupted(_logger, trId, e.Message);
                    // A channel closed under the declaration (541, a refusal) leaves the connection open and the admin channel,
                    // which answers requests too, closed: a new connection brings both back (the loop reconnects).
                    if (connection.IsOpen) await BrokerClose.AbortAsync(connection, TimeSpan.FromSeconds(2)).ConfigureAwait(false);
                    if (BrokerFault.IsRefusal(e)) throw KisGateway.BrokerStartFailure(_options.Endpoint, e, "");
                    // Not at once: until the loop has seen the loss, the admin channel and its completed signal are the old ones.
                    await Task.Delay(_options.BrokerReconnectMinDelay, stopping.Token).ConfigureAwait(false); // wall clock: a held test clock must not hold it
                    await connected.Task.WaitAsync(stopping.Token).ConfigureAwait(false);
                }
            }
        }
        finally
        {
            _declareGate.Release();
        }
    }

    private Task RunAsync(CancellationToken stop)
    {
        var backoff = new Retry.ExponentialBackoff(_options.BrokerReconnectMinDelay, _options.BrokerReconnectMaxDelay);
        return BrokerReconnectLoop.RunAsync(new BrokerConnectionSteps
        {
            // A body up to the broker's own hard limit is read, never a reason to drop the connection (the library's default,
            // 64 MiB, dropped it and the broker redelivered the message on every reconnect, for ever).
            Connect = token => _options.Endpoint.CreateFactory("kisrt-gateway-requests", RequestGuard.MaxBrokerMessageBytes).CreateConnectionAsync(token),
            WhileConnected = (connection, token) => ServeAsync(connection, backoff, token),
            OnLost = e =>
            {
                // Never connected yet: a broker that cannot be reached at all, or refuses the user (a permission on the request
                // queue), fails the start rather than retrying unseen.
                if (!_firstReady.Task.IsCompleted && (e is RabbitMQ.Client.Exceptions.BrokerUnreachableException || BrokerFault.IsRefusal(e)))
                {
                    _firstReady.TrySetException(KisGateway.BrokerStartFailure(_options.Endpoint, e,
                        !BrokerFault.IsRefusal(e) ? "; scripts/services.sh starts one on this machine" : ""));
                    return false;
                }
                if (e is not OperationCanceledException) Log.Lost(_logger, _options.Endpoint.DescribeFault(e), backoff.Current.TotalSeconds);
                return true;
            },
            AfterEach = () =>
            {
                if (_connected.Task.IsCompleted) _connected = new(TaskCreationOptions.RunContinuationsAsynchronously);
                _admin = null;
                _connection = null;
                return Task.CompletedTask;
            },
        }, backoff, _options.TimeProvider, stop);
    }

    /// <summary>Declares the exchange and the request queue on <paramref name="connection"/>, consumes it, and waits until the
    /// connection is lost (or the broker cancels the consumer).</summary>
    private async Task ServeAsync(IConnection connection, Retry.ExponentialBackoff backoff, CancellationToken stop)
    {
        using var lost = CancellationTokenSource.CreateLinkedTokenSource(stop);
        connection.ConnectionShutdownAsync += (_, _) => { lost.Cancel(); return Task.CompletedTask; };
        _options.BrokerCall(BrokerCallSites.Requests);
        var admin = await connection.OpenChannelAsync(stop).ConfigureAwait(false);
        await _topology.DeclareExchangeAsync(admin, stop).ConfigureAwait(false);
        var requests = await DeclareRequestQueueAsync(connection, stop).ConfigureAwait(false);
        // Consumers publish here: a consumer user then needs write on this exchange only, never on the default one.
        await requests.ExchangeDeclareAsync(_options.Endpoint.RequestExchange, ExchangeType.Direct, durable: true, autoDelete: false, cancellationToken: stop)
            .ConfigureAwait(false);
        await requests.QueueBindAsync(_options.Endpoint.RequestQueue, _options.Endpoint.RequestExchange, _options.Endpoint.RequestQueue,
            cancellationToken: stop).ConfigureAwait(false);
        // Room for every subscribe allowed to wait for KIS and the window of the quick requests beside them.
        await requests.BasicQosAsync(0, RequestGuard.MaxPendingSubscribes + RequestGuard.QuickRequestWindow, false, stop).ConfigureAwait(false);
        var consumer = new AsyncEventingBasicConsumer(requests);
        consumer.ReceivedAsync += (_, delivery) =>
        {
            // The delivery's memory is the library's after this handler; an oversized body is refused by its
            // length, never copied nor parsed.
            var length = delivery.Body.Length;
            var body = length <= RequestGuard.MaxRequestBytes ? delivery.Body.ToArray() : null;
            _ = HandleAsync(admin, requests, delivery.DeliveryTag, delivery.BasicProperties, body, length, lost.Token);
            return Task.CompletedTask;
        };
        // The broker cancels the consumer when the queue is deleted (by an operator, a script): the connection
        // stays up and nothing would ever arrive again. Reconnecting declares the queue again.
        consumer.UnregisteredAsync += (_, _) =>
        {
            if (!stop.IsCancellationRequested) Log.ConsumerCancelled(_logger, _options.Endpoint.RequestQueue);
            lost.Cancel();
            return Task.CompletedTask;
        };
        await requests.BasicConsumeAsync(_options.Endpoint.RequestQueue, autoAck: false, consumer, stop).ConfigureAwait(false);
        await WatchDeletedUsersAsync(connection, stop).ConfigureAwait(false);
        _connection = connection;
        _admin = admin;
        _connected.TrySetResult();
        backoff.Reset();
        _firstReady.TrySetResult();
        Log.Listening(_logger, _options.Endpoint.RequestQueue, _options.Endpoint.DisplayUri);
        await Task.Delay(Timeout.Infinite, lost.Token).ConfigureAwait(false);
    }

    /// <summary>Answers one request; nothing it meets (a refusal, a broker fault under any operation) escapes it.</summary>
    private async Task HandleAsync(IChannel admin, IChannel requests, ulong tag, IReadOnlyBasicProperties properties, byte[]? body, int length,
        CancellationToken lost)
    {
        try
        {
            await AnswerRequestAsync(admin, requests, tag, properties, body, length, lost).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException || lost.IsCancellationRequested)
        {
            // The connection went; the requester times out and asks again.
        }
        catch (Exception e)
        {
            Log.AnswerFailed(_logger, RequestGuard.ForLog(properties.UserId), e.GetType().Name + ": " + e.Message);
        }
    }

    private async Task AnswerRequestAsync(IChannel admin, IChannel requests, ulong tag, IReadOnlyBasicProperties properties, byte[]? body, int length,
        CancellationToken lost)
    {
        var replyTo = properties.ReplyTo;
        var correlationId = properties.CorrelationId;
        GatewayReply reply;
        try
        {
            // Where the answer goes is checked first: a reply queue the requesting user owns (never a stream: the gateway
            // would append its JSON to it; never another user's queue), and a correlation id short enough to echo.
            var owned = RequestGuard.IsReplyQueueOf(replyTo, properties.UserId, _options.Endpoint);
            if (!owned || correlationId?.Length > RequestGuard.MaxCorrelationIdLength)
            {
                Refuse(RequestGuard.ForLog(properties.UserId), "reply_to", owned ? "correlation id too long" : "reply_to " + RequestGuard.ForLog(replyTo)
                    + " is not a reply queue of the requesting user");
                await SettleAsync(requests, tag, body is not null, lost).ConfigureAwait(false);
                return;
            }
            if (IsDirect(replyTo) && _directReplies.IsBarred(properties.UserId))
            {
                Refuse(RequestGuard.ForLog(properties.UserId), "reply_to", BarredReason);
                await SettleAsync(requests, tag, body is not null, lost).ConfigureAwait(false);
                return;
            }
            reply = await AnswerAsync(properties.UserId, body, length, lost).ConfigureAwait(false);
        }
        catch (GatewayRefusalException e)
        {
            Refuse(RequestGuard.ForLog(properties.UserId), e.Error, e.Message);
            reply = new GatewayReply(false, Error: e.Error, Message: e.Message);
        }
        catch (Exception e) when (e is OperationCanceledException or RabbitMQ.Client.Exceptions.AlreadyClosedException)
        {
            return; // the connection went; the requester times out and asks again
        }
        catch (Exception e) when (!lost.IsCancellationRequested)
        {
            reply = new GatewayReply(false, Error: "failed", Message: RequestGuard.ForLog(e.Message));
        }
        try
        {
            var replyProperties = new BasicProperties { CorrelationId = correlationId, ContentType = "application/json" };
            // A direct reply-to address goes over a connection of its own: one the broker chokes on costs nobody else an answer.
            var answer = GatewayJson.Serialize(reply);
            if (!IsDirect(replyTo)) await admin.BasicPublishAsync("", replyTo!, mandatory: false, replyProperties, answer, lost).ConfigureAwait(false);
            else if (await _directReplies.PublishAsync(properties.UserId!, replyTo!, replyProperties, answer, lost).ConfigureAwait(false)
                     == DirectReplyOutcome.Barred)
                Refuse(RequestGuard.ForLog(properties.UserId), "reply_to", BarredReason);
            await SettleAsync(requests, tag, body is not null, lost).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or RabbitMQ.Client.Exceptions.AlreadyClosedException)
        {
            // The connection went; the requester times out and asks again.
        }
    }

    private const string BarredReason = "its direct reply-to addresses are refused since one made the broker close the reply connection";

    private static bool IsDirect(string? replyTo) => replyTo?.StartsWith(DirectReplyAddress.Prefix, StringComparison.Ordinal) == true;

    /// <summary>Acks a request that was read; rejects one too large to read without requeue (dead-lettered where the
    /// deployment configured a dead-letter exchange), so the broker never hands it out again.</summary>
    private static async Task SettleAsync(IChannel requests, ulong tag, bool read, CancellationToken lost)
    {
        if (read) await requests.BasicAckAsync(tag, multiple: false, lost).ConfigureAwait(false);
        else await requests.BasicRejectAsync(tag, requeue: false, lost).ConfigureAwait(false);
    }

    /// <summary>Counts a refusal and logs the user's 1st, 2nd, 4th … (a user's flood cannot flood the log).</summary>
    private void Refuse(string user, string error, string reason)
    {
        var refused = Interlocked.Increment(ref _refused);
        var byUser = _refusedByUser.AddOrUpdate(user, 1, (_, n) => n + 1);
        if ((byUser & (byUser - 1)) == 0) Log.Refused(_logger, user, error, reason, byUser);
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        if (_loop is not null) await _loop.ConfigureAwait(false);
        await _directReplies.DisposeAsync().ConfigureAwait(false);
        _stop.Dispose();
        _declareGate.Dispose();
    }

    private static partial class Log
    {
        [LoggerMessage(20, LogLevel.Information, "Taking requests on {Queue} at {Broker}")]
        public static partial void Listening(ILogger logger, string queue, string broker);

        [LoggerMessage(21, LogLevel.Warning, "Request connection lost ({Reason}); retrying in {DelaySeconds:0.0} s")]
        public static partial void Lost(ILogger logger, string reason, double delaySeconds);

        [LoggerMessage(22, LogLevel.Warning, "Refused a request of user {User}: {Error}, {Reason} ({Refused} of this user's so far; logged at 1, 2, 4 …)")]
        public static partial void Refused(ILogger logger, string user, string error, string reason, long refused);

        [LoggerMessage(24, LogLevel.Warning, "The broker cancelled the consumer of {Queue} (the queue was deleted?): declaring it again and consuming")]
        public static partial void ConsumerCancelled(ILogger logger, string queue);

        [LoggerMessage(28, LogLevel.Warning, "Declaring the stream of {Tr} was interrupted ({Reason}): declaring it again once the broker connection is back")]
        public static partial void DeclareInterrupted(ILogger logger, string tr, string reason);

        [LoggerMessage(27, LogLevel.Warning, "A request of user {User} was not answered: {Reason}")]
        public static partial void AnswerFailed(ILogger logger, string user, string reason);
    }
}
