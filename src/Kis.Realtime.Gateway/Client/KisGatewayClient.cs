using System.Collections.Concurrent;
using Kis.Realtime.Gateway.Internal;
using Kis.Realtime.Gateway.Wire;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using RabbitMQ.Client;

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
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Usage", "CA2213",
        Justification = "Nothing to free (no timer, no wait handle); undisposed, a call racing disposal never meets ObjectDisposedException")]
    private readonly SemaphoreSlim _connectGate = new(1, 1);
    private readonly ConcurrentDictionary<string, TaskCompletionSource<GatewayReply>> _pending = new();
    private readonly Lock _gate = new(); // guards _held, _claimsInFlight, _claimsSettled, _closing, _disposal, _renewTimer, _state
    private readonly Kis.Realtime.Session.SessionEvents _events;
    private KisConnectionState _state = KisConnectionState.Closed;
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
    internal long RecordsReceived, RecordsDelivered, Duplicates, DecodeErrors, Resets, Reclaims, StartedOver;

    /// <summary>Creates a client; nothing connects until <see cref="ConnectAsync"/> or the first subscription.</summary>
    public KisGatewayClient(KisGatewayClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        BrokerNodes.Validate(options.Endpoint);
        _options = options;
        _logger = (options.LoggerFactory ?? NullLoggerFactory.Instance).CreateLogger<KisGatewayClient>();
        _gaps = new Kis.Realtime.Internal.ClientGaps(options.DetectGaps, _logger, options.TimeProvider, null);
        _events = new Kis.Realtime.Session.SessionEvents(_logger, e => StateChanged?.Invoke(this, e), _ => { });
    }

    /// <summary>The gateway client's options.</summary>
    public KisGatewayClientOptions Options => _options;

    /// <summary><see cref="KisGatewayClientOptions.HtsId"/>: the key the notice helpers use when none is given.</summary>
    public string? HtsId => _options.HtsId;

    /// <summary>
    /// The broker connection: Closed before the first connect, after disposal, and after a loss with no subscription
    /// open (the next request connects again); Connecting while connecting from Closed; Connected; Reconnecting from a
    /// loss while subscriptions are open, until their stream readers have connected again.
    /// </summary>
    public KisConnectionState State
    {
        get
        {
            lock (_gate) return _state;
        }
    }

    /// <summary>Counters of this client: records received for its subscriptions, delivered, repeats dropped, decode errors, subscriptions held.</summary>
    public KisRealtimeStatistics Statistics => new()
    {
        RecordsReceived = Interlocked.Read(ref RecordsReceived),
        RecordsDelivered = Interlocked.Read(ref RecordsDelivered),
        DecodeErrors = Interlocked.Read(ref DecodeErrors),
        Registrations = HeldCount,
        Gaps = _gaps.Gaps,
        MissingVolume = _gaps.MissingVolume,
        Overlaps = _gaps.Overlaps,
        LargestGaps = _gaps.Largest,
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

    /// <summary>Times a stream this client was reading was deleted and created again (its offsets started over at 0): each
    /// reader then read the new stream from its first record. What the gateway published while the stream was missing
    /// never reached the broker (<see cref="GapDetected"/> reports the trades).</summary>
    public long StreamsStartedOver => Interlocked.Read(ref StartedOver);

    /// <summary>
    /// Raised at every change of <see cref="State"/> (the broker connection: lost, reconnecting, back), in order, from a
    /// task of its own: a slow handler delays only later events. <see cref="KisStateChangedEventArgs.AppKey"/> is
    /// "gateway" and <see cref="KisStateChangedEventArgs.SessionIndex"/> 0: the KIS sessions are the gateway's (see
    /// <see cref="GetStatusAsync"/>).
    /// </summary>
    public event EventHandler<KisStateChangedEventArgs>? StateChanged;

    /// <summary>Moves <see cref="State"/>; the event is queued in order under the lock and raised outside it.</summary>
    private void MoveTo(KisConnectionState next, string? reason, Func<KisConnectionState, bool>? onlyFrom = null)
    {
        lock (_gate)
        {
            var previous = _state;
            if (previous == next || (onlyFrom is not null && !onlyFrom(previous))) return;
            if (previous == KisConnectionState.Closed && _disposal is not null) return; // closed for good
            _state = next;
            _events.Publish(new KisStateChangedEventArgs(0, "gateway", previous, next, reason, null, null));
        }
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
        // All at once, bounded together by one RequestTimeout: with the gateway down, 40 keys released one after another
        // took 40 timeouts. An unanswered release costs nothing lasting: the gateway lets its lease expire.
        using (var releasing = new CancellationTokenSource(_options.RequestTimeout, _options.TimeProvider))
            await Task.WhenAll(held.Select(k => SendQuietlyAsync(new GatewayRequest(GatewayOp.Unsubscribe, k.Tr, k.Key, _options.ConsumerId), releasing.Token)))
                .ConfigureAwait(false);
        _disposed = true;
        await CloseReadersAsync().ConfigureAwait(false); // open enumerations end here, not at their next reconnect attempt
        await _connectGate.WaitAsync().ConfigureAwait(false);
        try { await DropConnectionAsync().ConfigureAwait(false); }
        finally { _connectGate.Release(); }
        MoveTo(KisConnectionState.Closed, "disposed");
        await _events.CompleteAsync(TimeSpan.FromSeconds(5), _options.TimeProvider).ConfigureAwait(false);
        _gaps.Dispose();
    }

    /// <inheritdoc/>
    public override string ToString() => $"KisGatewayClient({_options.Endpoint.DisplayUri}, {_options.Endpoint.Namespace}, {State})";

    private static partial class Log
    {
        [LoggerMessage(39, LogLevel.Warning,
            "Broker {Broker} not reachable ({Reason}), attempt {Attempt}; trying again in {DelaySeconds:0.0} s (logged at attempt 1, 2, 4 …)")]
        public static partial void ConnectRetry(ILogger logger, string broker, string reason, int attempt, double delaySeconds);

        [LoggerMessage(40, LogLevel.Debug, "Gateway request {Op} failed: {Reason}")]
        public static partial void RequestFailed(ILogger logger, string op, string reason);

        [LoggerMessage(48, LogLevel.Warning, "{Gap}")]
        public static partial void Gap(ILogger logger, string gap);

        [LoggerMessage(49, LogLevel.Warning, "A GapDetected handler threw ({Reason}); ignored")]
        public static partial void GapHandlerFailed(ILogger logger, string reason);

        [LoggerMessage(47, LogLevel.Information, "Claimed {TrId} {TrKey} again: the gateway did not hold it (a new run took over, or the lease lapsed)")]
        public static partial void Reclaimed(ILogger logger, string trId, string trKey);

        [LoggerMessage(45, LogLevel.Warning,
            "The gateway no longer holds the claim on {TrId} {TrKey}: its subscriptions end with KisGatewayClaimLostException")]
        public static partial void ClaimLost(ILogger logger, string trId, string trKey);

        [LoggerMessage(44, LogLevel.Information,
            "Subscription {TrId} {TrKey} did not keep up with its TR's shared stream reader: it continues on a reader of its own from offset {Offset}")]
        public static partial void MovedToOwnReader(ILogger logger, string trId, string trKey, long offset);
    }
}
