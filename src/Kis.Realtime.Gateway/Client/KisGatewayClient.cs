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
    private readonly Lock _gate = new(); // guards _held, _claimsInFlight, _claimsSettled, _closing, _disposal, _renewTimer
    private readonly Dictionary<(string Tr, string Key), int> _held = new(); // claims granted, per key: the subscriptions holding it
    private int _claimsInFlight; // first claims sent and not yet held (or failed): DisposeAsync waits for them
    private TaskCompletionSource? _claimsSettled;
    private bool _closing; // DisposeAsync began: no new claim; what is held is released by it
    private Task? _disposal;
    private IConnection? _connection;
    private IChannel? _requests;
    private string? _replyQueue;
    private ITimer? _renewTimer;
    private volatile bool _disposed;
    internal long RecordsReceived, RecordsDelivered, Duplicates, DecodeErrors, Resets;

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
        Registrations = HeldCount,
    };

    private int HeldCount
    {
        get
        {
            lock (_gate) return _held.Count;
        }
    }

    /// <summary>Records the gateway published twice (after a broker failure) that this client delivered once.</summary>
    public long DuplicatesDropped => Interlocked.Read(ref Duplicates);

    /// <summary>Records whose <c>seq</c> went back further than <see cref="KisGatewayClientOptions.DuplicateWindow"/> within
    /// a run (not a resend: delivered, and the key's count restarted from them). Not 0 means a record that the gateway did
    /// not publish reached the stream (a forged one): check the broker's permissions (docs/gateway-security.md).</summary>
    public long SequenceResets => Interlocked.Read(ref Resets);

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
            (_connection, _replyQueue) = (connection, replies.QueueName);
            _requests = await OpenRequestChannelAsync(connection, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _connectGate.Release();
        }
    }

    /// <summary>
    /// The channel requests are published on, apart from the replies' (the broker closes it when a publish is refused:
    /// the request exchange does not exist yet, or this user may not write to it; the next request opens another).
    /// </summary>
    private async Task<IChannel> OpenRequestChannelAsync(IConnection connection, CancellationToken cancellationToken)
    {
        var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        channel.ChannelShutdownAsync += (_, e) =>
        {
            if (e.Initiator != ShutdownInitiator.Peer) return Task.CompletedTask;
            var reason = e.ReplyCode == 404
                ? $"The gateway did not answer: its request exchange {_options.Endpoint.RequestExchange} does not exist (is `kisrt gateway` running with namespace {_options.Endpoint.Namespace}?)"
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

    internal KisConnectionException Lost(string reason) => new(new Uri(_options.Endpoint.DisplayUri), $"Connection to RabbitMQ lost: {reason}");

    internal IConnection Connection => _connection ?? throw new InvalidOperationException("Not connected.");

    /// <summary>Sends a request to the gateway and waits for its answer.</summary>
    internal async Task<GatewayReply> RequestAsync(GatewayRequest request, CancellationToken cancellationToken)
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
            await requests.BasicPublishAsync(_options.Endpoint.RequestExchange, _options.Endpoint.RequestQueue, mandatory: false, properties, GatewayJson.Serialize(request), cancellationToken).ConfigureAwait(false);
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

    /// <summary>
    /// Counts a first claim (<see cref="ClaimAsync"/> with <c>held: true</c>) as in flight until <see cref="Hold"/> or its
    /// failure: DisposeAsync waits for it, so a claim the gateway grants while the client closes is released too.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The client is closing.</exception>
    private void BeginClaim()
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_closing, this);
            _claimsInFlight++;
        }
    }

    /// <summary>A first claim failed: it holds nothing.</summary>
    private void ClaimFailed()
    {
        lock (_gate) EndClaim();
    }

    private void EndClaim()
    {
        if (--_claimsInFlight == 0) _claimsSettled?.TrySetResult();
    }

    /// <summary>A subscription holds the key it claimed (lease renewal while it is open); ends its claim's flight.</summary>
    internal void Hold(string trId, string key, TimeSpan lease)
    {
        lock (_gate)
        {
            _held[(trId, key)] = _held.GetValueOrDefault((trId, key)) + 1;
            EndClaim();
            if (_renewTimer is not null || _closing) return;
            var period = lease / 3;
            _renewTimer = _options.TimeProvider.CreateTimer(_ => _ = RenewAsync(), null, period, period);
        }
    }

    /// <summary>A subscription ended: the last one of its key releases the claim. While closing, DisposeAsync releases everything.</summary>
    internal void Release(string trId, string key)
    {
        lock (_gate)
        {
            if (_closing || !_held.TryGetValue((trId, key), out var count)) return;
            if (count > 1)
            {
                _held[(trId, key)] = count - 1;
                return;
            }
            _held.Remove((trId, key));
        }
        _ = SendQuietlyAsync(new GatewayRequest("unsubscribe", trId, key, _options.ConsumerId));
    }

    /// <summary>
    /// Renews every claim; one the gateway no longer holds (the answer lists those it renewed) ends its subscriptions with
    /// <see cref="KisGatewayClaimLostException"/>: the registration may be gone, and "live" with nothing coming is worse.
    /// A renewal that fails or is refused is only logged: the lease outlasts two more.
    /// </summary>
    private async Task RenewAsync()
    {
        if (HeldCount == 0 || _disposed) return;
        (string Tr, string Key)[] asked;
        lock (_gate) asked = [.. _held.Keys]; // only claims made before the renewal was sent can be judged by its answer
        GatewayReply reply;
        try
        {
            reply = await RequestAsync(new GatewayRequest("renew", Consumer: _options.ConsumerId), CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (e is KisConnectionException or ObjectDisposedException or InvalidOperationException or OperationCanceledException
                                      or RabbitMQ.Client.Exceptions.AlreadyClosedException)
        {
            Log.RequestFailed(_logger, "renew", e.Message);
            return;
        }
        if (!reply.Ok)
        {
            Log.RequestFailed(_logger, "renew", $"{reply.Error}: {reply.Message}");
            return;
        }
        var held = reply.Held is { } list ? new HashSet<string>(list, StringComparer.Ordinal)
            : reply.Message == "0" ? [] : null; // a gateway that lists nothing says how many; none is still telling
        if (held is null) return;
        foreach (var (trId, key) in asked)
        {
            bool stillClaimed;
            lock (_gate) stillClaimed = _held.ContainsKey((trId, key));
            if (held.Contains(GatewayWire.RoutingKey(trId, key)) || !stillClaimed) continue;
            Log.ClaimLost(_logger, trId, key);
            await EndSubscriptionsAsync(trId, key, new KisGatewayClaimLostException(trId, key,
                $"The gateway no longer holds this consumer's claim on {trId} {key} (it lapsed, or the gateway restarted): records may be missing; subscribe again.")).ConfigureAwait(false);
        }
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

    /// <summary>
    /// Releases this client's claims at the gateway (claims still in flight included) and closes the connection; open
    /// enumerations end. Runs once: a second call waits for the first.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        TaskCompletionSource? mine = null;
        Task disposal;
        lock (_gate)
        {
            if (_disposal is null)
            {
                _closing = true; // from now on no claim starts, and Release leaves the releasing to this call
                mine = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                _disposal = mine.Task;
                _renewTimer?.Dispose();
            }
            disposal = _disposal;
        }
        if (mine is null)
        {
            await disposal.ConfigureAwait(false);
            return;
        }
        try
        {
            await CloseAsync().ConfigureAwait(false);
        }
        finally
        {
            mine.SetResult();
        }
    }

    private async Task CloseAsync()
    {
        Task settled;
        lock (_gate)
        {
            _claimsSettled = _claimsInFlight == 0 ? null : new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            settled = _claimsSettled?.Task ?? Task.CompletedTask;
        }
        try
        {
            // Each claim's request is bounded by RequestTimeout; the margin covers connecting first.
            await settled.WaitAsync(_options.RequestTimeout * 2, _options.TimeProvider).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
        }
        (string Tr, string Key)[] held;
        lock (_gate)
        {
            held = [.. _held.Keys];
            _held.Clear();
        }
        foreach (var (tr, key) in held) await SendQuietlyAsync(new GatewayRequest("unsubscribe", tr, key, _options.ConsumerId)).ConfigureAwait(false);
        _disposed = true;
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

        [LoggerMessage(45, LogLevel.Warning, "The gateway no longer holds the claim on {TrId} {TrKey}: its subscriptions end with KisGatewayClaimLostException")]
        public static partial void ClaimLost(ILogger logger, string trId, string trKey);

        [LoggerMessage(44, LogLevel.Information, "Subscription {TrId} {TrKey} did not keep up with its TR's shared stream reader: it continues on a reader of its own from offset {Offset}")]
        public static partial void MovedToOwnReader(ILogger logger, string trId, string trKey, long offset);
    }
}
