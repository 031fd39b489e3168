using Kis.Realtime.Protocol;
using Kis.Realtime.Trs;
using Microsoft.Extensions.Logging;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Kis.Realtime.Gateway;

/// <summary>
/// Takes consumers' requests from <c>{ns}.requests</c> and answers on their <c>reply_to</c>, over its own
/// connection (reconnecting with backoff). Also declares the streams, on a second channel of that connection.
/// Requests are handled concurrently: a subscribe waits for KIS while others are answered.
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
    private volatile IChannel? _admin;
    private Task? _loop;

    public RequestServer(KisGatewayOptions options, StreamTopology topology, Func<RegistrationManager> registrations, Func<GatewayStatus> status, ILogger logger)
    {
        _options = options;
        _topology = topology;
        _registrations = registrations;
        _status = status;
        _logger = logger;
    }

    /// <summary>Starts; completes once the request queue is consumed (or throws when the broker cannot be reached at all).</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        _loop = Task.Run(() => RunAsync(_stop.Token));
        await _firstReady.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Declares the stream of a TR (idempotent), on the admin channel.</summary>
    public async Task<string> DeclareStreamAsync(string trId, CancellationToken cancellationToken)
    {
        await _declareGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var admin = _admin ?? throw new InvalidOperationException("The gateway is not connected to the broker.");
            return await _topology.DeclareStreamAsync(admin, trId, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _declareGate.Release();
        }
    }

    private async Task RunAsync(CancellationToken stop)
    {
        var delay = _options.BrokerReconnectMinDelay;
        var firstAttempt = true;
        while (!stop.IsCancellationRequested)
        {
            IConnection? connection = null;
            try
            {
                connection = await _options.Endpoint.CreateFactory("kisrt-gateway-requests").CreateConnectionAsync(stop).ConfigureAwait(false);
                using var lost = CancellationTokenSource.CreateLinkedTokenSource(stop);
                connection.ConnectionShutdownAsync += (_, _) => { lost.Cancel(); return Task.CompletedTask; };
                var admin = await connection.CreateChannelAsync(cancellationToken: stop).ConfigureAwait(false);
                await _topology.DeclareExchangeAsync(admin, stop).ConfigureAwait(false);
                var requests = await connection.CreateChannelAsync(cancellationToken: stop).ConfigureAwait(false);
                await requests.QueueDeclareAsync(_options.Endpoint.RequestQueue, durable: false, exclusive: false, autoDelete: false, cancellationToken: stop).ConfigureAwait(false);
                await requests.BasicQosAsync(0, 64, false, stop).ConfigureAwait(false);
                var consumer = new AsyncEventingBasicConsumer(requests);
                consumer.ReceivedAsync += (_, delivery) =>
                {
                    var body = delivery.Body.ToArray(); // the delivery's memory is the library's after this handler
                    _ = HandleAsync(admin, requests, delivery.DeliveryTag, delivery.BasicProperties.ReplyTo, delivery.BasicProperties.CorrelationId, body, lost.Token);
                    return Task.CompletedTask;
                };
                await requests.BasicConsumeAsync(_options.Endpoint.RequestQueue, autoAck: false, consumer, stop).ConfigureAwait(false);
                _admin = admin;
                delay = _options.BrokerReconnectMinDelay;
                firstAttempt = false;
                _firstReady.TrySetResult();
                Log.Listening(_logger, _options.Endpoint.RequestQueue, _options.Endpoint.DisplayUri);
                await Task.Delay(Timeout.Infinite, lost.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (!stop.IsCancellationRequested)
            {
                if (firstAttempt && e is RabbitMQ.Client.Exceptions.BrokerUnreachableException)
                {
                    _firstReady.TrySetException(new KisConnectionException(new Uri(_options.Endpoint.DisplayUri),
                        $"RabbitMQ is not reachable ({e.InnerException?.Message ?? e.Message}); scripts/services.sh starts one on this machine", e));
                    return;
                }
                if (e is not OperationCanceledException) Log.Lost(_logger, e.Message, delay.TotalSeconds);
            }
            catch (OperationCanceledException)
            {
            }
            finally
            {
                _admin = null;
                if (connection is not null)
                {
                    try { await connection.CloseAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(false); } catch (Exception) { /* already gone */ }
                    connection.Dispose();
                }
            }
            if (stop.IsCancellationRequested) break;
            try { await Task.Delay(delay, _options.TimeProvider, stop).ConfigureAwait(false); } catch (OperationCanceledException) { break; }
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, _options.BrokerReconnectMaxDelay.Ticks));
        }
    }

    private async Task HandleAsync(IChannel admin, IChannel requests, ulong tag, string? replyTo, string? correlationId, byte[] body, CancellationToken lost)
    {
        GatewayReply reply;
        try
        {
            var request = GatewayJson.Deserialize<GatewayRequest>(body) ?? throw new ArgumentException("empty request");
            reply = await AnswerAsync(request, lost).ConfigureAwait(false);
        }
        catch (Exception e) when (e is ArgumentException or System.Text.Json.JsonException)
        {
            reply = new GatewayReply(false, Error: "invalid", Message: e.Message);
        }
        catch (Exception e) when (!lost.IsCancellationRequested)
        {
            reply = new GatewayReply(false, Error: "failed", Message: e.Message);
        }
        try
        {
            if (!string.IsNullOrEmpty(replyTo))
            {
                var properties = new BasicProperties { CorrelationId = correlationId, ContentType = "application/json" };
                await admin.BasicPublishAsync("", replyTo, mandatory: false, properties, GatewayJson.Serialize(reply), lost).ConfigureAwait(false);
            }
            await requests.BasicAckAsync(tag, multiple: false, lost).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or RabbitMQ.Client.Exceptions.AlreadyClosedException)
        {
            // The connection went; the requester times out and asks again.
        }
    }

    private async Task<GatewayReply> AnswerAsync(GatewayRequest request, CancellationToken cancellationToken)
    {
        switch (request.Op)
        {
            case "status":
                return new GatewayReply(true, Status: _status());
            case "renew":
                var held = _registrations().Renew(Required(request.Consumer, "consumer"));
                return new GatewayReply(true, Message: held.ToString(System.Globalization.CultureInfo.InvariantCulture));
            case "stream":
            {
                var tr = Resolve(request.Tr);
                return new GatewayReply(true, Tr: tr.Id, Stream: await DeclareStreamAsync(tr.Id, cancellationToken).ConfigureAwait(false));
            }
            case "subscribe":
            {
                var tr = Resolve(request.Tr);
                var key = Required(request.Key, "key");
                try
                {
                    var stream = await _registrations().SubscribeAsync(Required(request.Consumer, "consumer"), tr, key, cancellationToken).ConfigureAwait(false);
                    return new GatewayReply(true, tr.Id, key, stream, LeaseMs: (long)_options.Lease.TotalMilliseconds);
                }
                catch (KisSubscriptionLimitException e)
                {
                    return new GatewayReply(false, tr.Id, key, Error: "limit", MsgCd: e.MsgCd, Message: e.Message);
                }
                catch (KisSubscriptionException e)
                {
                    return new GatewayReply(false, e.TrId, e.TrKey, Error: "refused", MsgCd: e.MsgCd, Message: e.ServerMessage ?? e.Message);
                }
            }
            case "unsubscribe":
                _registrations().Unsubscribe(Required(request.Consumer, "consumer"), Resolve(request.Tr).Id, Required(request.Key, "key"));
                return new GatewayReply(true, request.Tr, request.Key);
            default:
                throw new ArgumentException($"Unknown op '{request.Op}' (stream, subscribe, unsubscribe, renew, status).");
        }
    }

    private TrDefinition Resolve(string? trId)
    {
        if (!KisTrs.TryGet(Required(trId, "tr"), out var tr)) throw new ArgumentException($"Unknown TR '{trId}'.");
        return KisTrs.ForEnvironment(tr, _options.Client.Environment == KisEnvironment.Paper ? KisEnvironments.Paper : KisEnvironments.Real);
    }

    private static string Required(string? value, string name) =>
        string.IsNullOrEmpty(value) ? throw new ArgumentException($"The request has no '{name}'.") : value;

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        if (_loop is not null) await _loop.ConfigureAwait(false);
        _stop.Dispose();
        _declareGate.Dispose();
    }

    private static partial class Log
    {
        [LoggerMessage(20, LogLevel.Information, "Taking requests on {Queue} at {Broker}")]
        public static partial void Listening(ILogger logger, string queue, string broker);

        [LoggerMessage(21, LogLevel.Warning, "Request connection lost ({Reason}); retrying in {DelaySeconds:0.0} s")]
        public static partial void Lost(ILogger logger, string reason, double delaySeconds);
    }
}
