using System.Collections.Concurrent;
using Kis.Realtime.Protocol;
using Kis.Realtime.Trs;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Kis.Realtime.Gateway;

/// <summary>
/// Reads KIS records through a <see cref="KisGateway"/> with the same typed API as <see cref="KisRealtimeClient"/>:
/// both implement <see cref="IKisRealtimeClient"/>, so an application picks one or the other by configuration.
/// Each subscription asks the gateway for the registration (KIS's refusal is thrown as
/// <see cref="KisSubscriptionException"/>, like a direct session) and reads the TR's stream from
/// <see cref="KisGatewayClientOptions.Start"/>: live, or replaying from an offset or a time. Live subscriptions of one TR
/// share one reader of its stream (a subscription that does not keep up moves to a reader of its own: it holds back no
/// other and nothing is dropped). Records a gateway published twice (after a broker failure) are delivered once.
/// </summary>
public sealed partial class KisGatewayClient : IKisRealtimeClient
{
    private readonly KisGatewayClientOptions _options;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _connectGate = new(1, 1);
    private readonly ConcurrentDictionary<string, TaskCompletionSource<GatewayReply>> _pending = new();
    private readonly ConcurrentDictionary<(string Tr, string Key), int> _held = new();
    private readonly Lock _gate = new(); // guards _renewTimer
    private IConnection? _connection;
    private IChannel? _requests;
    private string? _replyQueue;
    private ITimer? _renewTimer;
    private volatile bool _disposed;
    internal long RecordsReceived, RecordsDelivered, Duplicates, DecodeErrors;

    /// <summary>Creates a client; nothing connects until <see cref="ConnectAsync"/> or the first subscription.</summary>
    public KisGatewayClient(KisGatewayClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _logger = (options.LoggerFactory ?? NullLoggerFactory.Instance).CreateLogger<KisGatewayClient>();
    }

    /// <summary>The gateway client's options.</summary>
    public KisGatewayClientOptions Options => _options;

    /// <summary><see cref="KisGatewayClientOptions.HtsId"/>: the key the notice helpers use when none is given.</summary>
    public string? HtsId => _options.HtsId;

    /// <summary>Connected while the connection to the broker is open; Closed before connecting and after a loss or disposal.</summary>
    public KisConnectionState State => _connection is { IsOpen: true } && !_disposed ? KisConnectionState.Connected : KisConnectionState.Closed;

    /// <summary>Counters of this client: records received for its subscriptions, delivered, repeats dropped, decode errors, subscriptions held.</summary>
    public KisRealtimeStatistics Statistics => new()
    {
        RecordsReceived = Interlocked.Read(ref RecordsReceived),
        RecordsDelivered = Interlocked.Read(ref RecordsDelivered),
        DecodeErrors = Interlocked.Read(ref DecodeErrors),
        Registrations = _held.Count,
    };

    /// <summary>Records the gateway published twice (after a broker failure) that this client delivered once.</summary>
    public long DuplicatesDropped => Interlocked.Read(ref Duplicates);

    /// <summary>
    /// Never raised: the KIS sessions and their state changes are the gateway's (see <see cref="GetStatusAsync"/>). A lost
    /// broker connection ends this client's enumerations with <see cref="KisConnectionException"/>.
    /// </summary>
    public event EventHandler<KisStateChangedEventArgs>? StateChanged { add { } remove { } }

    /// <summary>Connects to the broker (optional: the first subscription connects).</summary>
    /// <exception cref="KisConnectionException">The broker cannot be reached.</exception>
    public async Task ConnectAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_connection is { IsOpen: true }) return;
        await _connectGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_connection is { IsOpen: true }) return;
            if (_connection is not null) await DropConnectionAsync().ConfigureAwait(false);
            IConnection connection;
            try
            {
                connection = await _options.Endpoint.CreateFactory("kisrt-gateway-client " + _options.ConsumerId).CreateConnectionAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (RabbitMQ.Client.Exceptions.BrokerUnreachableException e)
            {
                throw new KisConnectionException(new Uri(_options.Endpoint.DisplayUri), $"RabbitMQ is not reachable: {e.InnerException?.Message ?? e.Message}", e);
            }
            connection.ConnectionShutdownAsync += (_, e) =>
            {
                foreach (var pending in _pending.Values) pending.TrySetException(Lost(e.ReplyText));
                return Task.CompletedTask;
            };
            var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            var replies = await channel.QueueDeclareAsync("", durable: false, exclusive: true, autoDelete: true, cancellationToken: cancellationToken).ConfigureAwait(false);
            var consumer = new AsyncEventingBasicConsumer(channel);
            consumer.ReceivedAsync += (_, delivery) =>
            {
                if (delivery.BasicProperties.CorrelationId is { } id && _pending.TryRemove(id, out var waiter))
                {
                    try
                    {
                        waiter.TrySetResult(GatewayJson.Deserialize<GatewayReply>(delivery.Body.Span) ?? new GatewayReply(false, Error: "failed", Message: "empty reply"));
                    }
                    catch (System.Text.Json.JsonException e)
                    {
                        waiter.TrySetException(new InvalidOperationException("The gateway's reply is not valid JSON.", e));
                    }
                }
                return Task.CompletedTask;
            };
            await channel.BasicConsumeAsync(replies.QueueName, autoAck: true, consumer, cancellationToken).ConfigureAwait(false);
            (_connection, _requests, _replyQueue) = (connection, channel, replies.QueueName);
        }
        finally
        {
            _connectGate.Release();
        }
    }

    internal KisConnectionException Lost(string reason) => new(new Uri(_options.Endpoint.DisplayUri), $"Connection to RabbitMQ lost: {reason}");

    internal IConnection Connection => _connection ?? throw new InvalidOperationException("Not connected.");

    /// <summary>Sends a request to the gateway and waits for its answer.</summary>
    internal async Task<GatewayReply> RequestAsync(GatewayRequest request, CancellationToken cancellationToken)
    {
        await ConnectAsync(cancellationToken).ConfigureAwait(false);
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
                // A request nobody takes in time is gone rather than answered long after the requester gave up.
                Expiration = ((long)_options.RequestTimeout.TotalMilliseconds).ToString(System.Globalization.CultureInfo.InvariantCulture),
            };
            await _requests!.BasicPublishAsync("", _options.Endpoint.RequestQueue, mandatory: false, properties, GatewayJson.Serialize(request), cancellationToken).ConfigureAwait(false);
            return await waiter.Task.WaitAsync(_options.RequestTimeout, _options.TimeProvider, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            throw new KisConnectionException(new Uri(_options.Endpoint.DisplayUri),
                $"The gateway (queue {_options.Endpoint.RequestQueue}) did not answer '{request.Op}' within {_options.RequestTimeout.TotalSeconds:0.#} s: is `kisrt gateway` running with namespace {_options.Endpoint.Namespace}?");
        }
        finally
        {
            _pending.TryRemove(id, out _);
        }
    }

    /// <summary>The gateway's figures (what <c>kisrt gateway status</c> shows).</summary>
    /// <exception cref="KisConnectionException">The broker or the gateway cannot be reached.</exception>
    public async Task<GatewayStatus> GetStatusAsync(CancellationToken cancellationToken = default)
    {
        var reply = await RequestAsync(new GatewayRequest("status"), cancellationToken).ConfigureAwait(false);
        return reply.Status ?? throw new InvalidOperationException($"The gateway answered without a status: {reply.Error} {reply.Message}");
    }

    /// <summary>A subscription remembers its key for lease renewal while it is open.</summary>
    internal void Hold(string trId, string key, TimeSpan lease)
    {
        _held.AddOrUpdate((trId, key), 1, (_, n) => n + 1);
        lock (_gate)
        {
            if (_renewTimer is not null || _disposed) return;
            var period = lease / 3;
            _renewTimer = _options.TimeProvider.CreateTimer(_ => _ = RenewAsync(), null, period, period);
        }
    }

    internal void Release(string trId, string key)
    {
        if (_held.AddOrUpdate((trId, key), 0, (_, n) => n - 1) > 0) return;
        _held.TryRemove(KeyValuePair.Create((trId, key), 0));
        _ = SendQuietlyAsync(new GatewayRequest("unsubscribe", trId, key, _options.ConsumerId));
    }

    private async Task RenewAsync()
    {
        if (_held.IsEmpty || _disposed) return;
        await SendQuietlyAsync(new GatewayRequest("renew", Consumer: _options.ConsumerId)).ConfigureAwait(false);
    }

    private async Task SendQuietlyAsync(GatewayRequest request)
    {
        try
        {
            await RequestAsync(request, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (e is KisConnectionException or ObjectDisposedException or InvalidOperationException or OperationCanceledException
                                      or RabbitMQ.Client.Exceptions.AlreadyClosedException)
        {
            // The lease expires at the gateway by itself if this never arrives.
            Log.RequestFailed(_logger, request.Op, e.Message);
        }
    }

    private async Task DropConnectionAsync()
    {
        var connection = _connection;
        _connection = null;
        _requests = null;
        if (connection is null) return;
        try { await connection.CloseAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(false); } catch (Exception) { /* already gone */ }
        connection.Dispose();
    }

    /// <summary>Releases this client's claims at the gateway and closes the connection; open enumerations end.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed) return;
        foreach (var (tr, key) in _held.Keys) await SendQuietlyAsync(new GatewayRequest("unsubscribe", tr, key, _options.ConsumerId)).ConfigureAwait(false);
        _disposed = true;
        lock (_gate) _renewTimer?.Dispose();
        await CloseReadersAsync().ConfigureAwait(false); // open enumerations end here, not at their next reconnect attempt
        await _connectGate.WaitAsync().ConfigureAwait(false);
        try { await DropConnectionAsync().ConfigureAwait(false); }
        finally { _connectGate.Release(); }
    }

    /// <inheritdoc/>
    public override string ToString() => $"KisGatewayClient({_options.Endpoint.DisplayUri}, {_options.Endpoint.Namespace}, {State})";

    private static partial class Log
    {
        [LoggerMessage(40, LogLevel.Debug, "Gateway request {Op} failed: {Reason}")]
        public static partial void RequestFailed(ILogger logger, string op, string reason);

        [LoggerMessage(44, LogLevel.Information, "Subscription {TrId} {TrKey} did not keep up with its TR's shared stream reader: it continues on a reader of its own from offset {Offset}")]
        public static partial void MovedToOwnReader(ILogger logger, string trId, string trKey, long offset);
    }
}
