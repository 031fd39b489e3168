using Kis.Realtime.Auth;
using Kis.Realtime.Internal;
using Kis.Realtime.Protocol;
using Kis.Realtime.Session;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kis.Realtime;

/// <summary>
/// The client for KIS's real-time WebSocket API. One session per app key (KIS allows one, with 41 registrations);
/// subscriptions are spread over the sessions transparently, replayed after every reconnect, and consumed as
/// <see cref="IAsyncEnumerable{T}"/>.
/// <code>
/// await using var client = new KisRealtimeClient(KisRealtimeOptions.Default with { Credentials = [new(appKey, appSecret)] });
/// await client.ConnectAsync();
/// await foreach (var tick in client.SubscribeIndexTicksAsync("0001")) Console.WriteLine(tick.Value); // KisSubscribeExtensions
/// </code>
/// </summary>
public sealed partial class KisRealtimeClient : IKisRealtimeClient, IKisRawMessageSource
{
    private readonly ClientShared _shared;
    private readonly ApprovalKeyProvider _keys;
    private readonly KisSession[] _sessions;
    private readonly SessionEvents _events;
    private readonly Lock _sessionsGate = new();
    private volatile bool _disposed;

    /// <summary>Creates a client; nothing connects until <see cref="ConnectAsync"/> or the first subscription.</summary>
    /// <exception cref="ArgumentException">The options are incomplete (no credentials, duplicate app keys …).</exception>
    public KisRealtimeClient(KisRealtimeOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        Options = options;
        var loggerFactory = options.LoggerFactory ?? NullLoggerFactory.Instance;
        var logger = loggerFactory.CreateLogger<KisRealtimeClient>();
        _events = new SessionEvents(logger, e => StateChanged?.Invoke(this, e), d => _itemDropped?.Invoke(d));
        _shared = new ClientShared(options.TimeProvider, logger, options.MeterFactory, _events, options.RawMessageCapacity, options.FullMode)
        {
            InlineDelivery = options.InlineDelivery,
            Delivery = new DeliveryThreads(options.InlineDelivery ? 0 : options.DeliveryThreads, "kis-delivery"),
        };
        _shared.Gaps = new ClientGaps(options.DetectGaps, logger, options.TimeProvider, _shared.Instruments.Meter);
        _keys = new ApprovalKeyProvider(options.EffectiveRestBaseUrl, options.ApprovalKeyCacheFile, options.TimeProvider,
            loggerFactory.CreateLogger<ApprovalKeyProvider>(), options.HttpHandler);
        string[] credentialSecrets = [.. options.Credentials.SelectMany(c => new[] { c.AppSecret, c.AppKey })];
        _shared.RawTaps.KnownApprovalKeys = () => [.. _keys.KnownKeys, .. credentialSecrets];
        _sessions = options.Credentials.Select((c, i) => new KisSession(i, c, options, _keys, _shared, _events)).ToArray();
        // Read when a collector asks, never on the hot path.
        _shared.Instruments.Observe(() => SessionStates, () => _sessions.Sum(s => (long)s.RegistrationCount), () => _sessions.Sum(s => s.BufferedRecords));
    }

    /// <summary>The name of the library's <see cref="System.Diagnostics.Metrics.Meter"/>: counters <c>kis.realtime.frames</c>,
    /// <c>.records</c>, <c>.received.bytes</c>, <c>.decode.errors</c>, <c>.dropped</c>, <c>.unrouted</c>, <c>.consumers.slow</c>,
    /// <c>.reconnects</c>; gauges <c>.sessions</c>, <c>.registrations</c>, <c>.buffered</c>; the histogram
    /// <c>kis.realtime.delivery.duration</c> (s, frame received → record handed to the consumer, per TR).</summary>
    public const string MeterName = KisInstruments.MeterName;

    /// <summary>
    /// The name of the library's <see cref="System.Diagnostics.ActivitySource"/> (<c>AddSource("Kis.Realtime")</c>):
    /// spans <c>kis.realtime.connect</c>, <c>kis.realtime.reconnect</c> (each attempt, up to the WebSocket handshake),
    /// <c>kis.realtime.approval</c> (issuing or reusing an approval key) and <c>kis.realtime.subscribe</c> (one request
    /// and KIS's reply, attributes <c>kis.tr_id</c>, <c>kis.tr_key</c>); none per record.
    /// </summary>
    public const string ActivitySourceName = KisActivities.SourceName;

    /// <summary>This client's instruments.</summary>
    internal KisInstruments Instruments => _shared.Instruments;

    /// <summary>The open raw taps (for tests).</summary>
    internal Session.RawTaps RawTaps => _shared.RawTaps;

    /// <summary>The options in effect.</summary>
    public KisRealtimeOptions Options { get; }

    /// <summary><see cref="KisRealtimeOptions.HtsId"/>: the key the notice helpers use when none is given.</summary>
    public string? HtsId => Options.HtsId;

    /// <summary>
    /// The client's state, summarising its sessions at the moment of reading: Faulted or Reconnecting if any started
    /// session is, Connecting while any is connecting, Connected when all started sessions are, Closed before the first
    /// connect and after disposal.
    /// </summary>
    public KisConnectionState State => _disposed ? KisConnectionState.Closed : Summarize(_sessions.Where(s => s.Started).Select(s => s.State).ToList());

    /// <summary>The state of each session (index = position in <see cref="KisRealtimeOptions.Credentials"/>).</summary>
    public IReadOnlyList<KisConnectionState> SessionStates => _sessions.Select(s => s.State).ToArray();

    /// <summary>
    /// Raised on every session state change, in order, from one dispatching task: never on a session's thread and never
    /// under a library lock (a handler may read <see cref="Statistics"/> or <see cref="State"/>, or call the client).
    /// </summary>
    public event EventHandler<KisStateChangedEventArgs>? StateChanged;

    /// <summary>
    /// Raised when a full subscription buffer drops records, from the same dispatching task as <see cref="StateChanged"/>
    /// and in order with it: never on a session's thread nor under a library lock, so a slow handler stalls no session.
    /// Each event carries the subscription's running total; drops that happen while an event of that subscription is
    /// still waiting for the handler fold into it (the totals only grow, nothing goes uncounted:
    /// <see cref="KisRealtimeStatistics.Dropped"/>, <see cref="KisSubscription{T}.Dropped"/>).
    /// </summary>
    public event Action<KisDroppedItem>? ItemDropped
    {
        add
        {
            lock (_handlersGate)
            {
                _itemDropped += value;
                _events.WantsDropNotices = _itemDropped is not null;
            }
        }
        remove
        {
            lock (_handlersGate)
            {
                _itemDropped -= value;
                _events.WantsDropNotices = _itemDropped is not null;
            }
        }
    }

    /// <summary>
    /// Raised for every gap (trades missed, found from KIS's cumulative volume: <see cref="Kis.Realtime.VolumeGap"/> with the TR,
    /// key, time window and missing volume) and overlap (a record repeating volume already seen) on a trade subscription,
    /// within a connection and across reconnects. From a task of its own, in order: never on a session's thread, a
    /// consumer's thread nor under a library lock. Counted in <see cref="KisRealtimeStatistics.Gaps"/> whether handled
    /// or not. See <see cref="KisRealtimeOptions.DetectGaps"/>.
    /// </summary>
    public event Action<Kis.Realtime.VolumeGap>? GapDetected
    {
        add => _shared.Gaps.GapDetected += value;
        remove => _shared.Gaps.GapDetected -= value;
    }

    /// <summary>This client's gap detection.</summary>
    internal ClientGaps Gaps => _shared.Gaps;

    private Action<KisDroppedItem>? _itemDropped;
    private readonly Lock _handlersGate = new();

    /// <summary>A snapshot of the client's counters.</summary>
    public KisRealtimeStatistics Statistics => _shared.Counters.Snapshot(_sessions.Sum(s => s.RegistrationCount)) with
    {
        Gaps = _shared.Gaps.Gaps,
        MissingVolume = _shared.Gaps.MissingVolume,
        Overlaps = _shared.Gaps.Overlaps,
        LargestGaps = _shared.Gaps.Largest,
    };

    /// <summary>
    /// Issues (or loads) the first app key's approval key and opens its session. Other sessions open when
    /// subscriptions need them. Optional: the first subscription connects too. May be called again after a failure.
    /// Cancelling <paramref name="cancellationToken"/> before the session connects aborts the attempt (the approval key
    /// request, the WebSocket handshake, a retry wait) unless a subscription or another ConnectAsync still waits for it;
    /// the session is then Closed, with nothing running, and a later ConnectAsync starts afresh.
    /// </summary>
    /// <param name="cancellationToken">Aborts the connection attempt (see above); ignored once connected.</param>
    /// <exception cref="KisApprovalException">The approval key could not be issued.</exception>
    /// <exception cref="KisConnectionException">The server could not be reached (and <see cref="KisRealtimeOptions.RetryOnInitialConnect"/> is
    /// off).</exception>
    public Task ConnectAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return _sessions[0].ConnectAsync(cancellationToken);
    }

    /// <summary>Any TR with a typed view, e.g. <c>SubscribeAsync&lt;ProgramTrade&gt;(KisTrs.ProgramTradesNxt, "005930")</c>.</summary>
    /// <typeparam name="T">The typed view; <paramref name="tr"/> must be one of its <c>Trs</c>.</typeparam>
    /// <param name="tr">The TR (mapped to the environment: H0IFCNI0 becomes H0IFCNI9 on paper).</param>
    /// <param name="key">The <c>tr_key</c>.</param>
    /// <param name="cancellationToken">Ends the enumeration.</param>
    /// <exception cref="ArgumentException">The key is malformed, the TR is not offered on this environment, or <typeparamref name="T"/> does not decode
    /// it.</exception>
    public KisSubscription<T> SubscribeAsync<T>(TrDefinition tr, string key, CancellationToken cancellationToken = default)
        where T : struct, IKisRecord<T>
    {
        tr = Resolve(tr, key);
        if (!T.Trs.Contains(tr))
            throw new ArgumentException($"{typeof(T).Name} does not decode {tr.Id}; it decodes {string.Join(", ", T.Trs.Select(t => t.Id))}.", nameof(tr));
        var capacity = Options.SubscriptionCapacity;
        var mode = Options.FullMode;
        return new KisSubscription<T>(this, tr, key, owner => new TypedLocalSubscriber<T>(tr, key, capacity, mode, _shared, owner), cancellationToken);
    }

    /// <summary>Any TR with a typed view, each record with its receive time (see <see cref="IKisRealtimeClient.SubscribeReceivedAsync{T}"/>).</summary>
    /// <typeparam name="T">The typed view; <paramref name="tr"/> must be one of its <c>Trs</c>.</typeparam>
    /// <param name="tr">The TR (mapped to the environment).</param>
    /// <param name="key">The <c>tr_key</c>.</param>
    /// <param name="cancellationToken">Ends the enumeration.</param>
    /// <exception cref="ArgumentException">The key is malformed, the TR is not offered on this environment, or <typeparamref name="T"/> does not decode
    /// it.</exception>
    public KisSubscription<KisReceived<T>> SubscribeReceivedAsync<T>(TrDefinition tr, string key, CancellationToken cancellationToken = default)
        where T : struct, IKisRecord<T>
    {
        tr = Resolve(tr, key);
        if (!T.Trs.Contains(tr))
            throw new ArgumentException($"{typeof(T).Name} does not decode {tr.Id}; it decodes {string.Join(", ", T.Trs.Select(t => t.Id))}.", nameof(tr));
        var capacity = Options.SubscriptionCapacity;
        var mode = Options.FullMode;
        return new KisSubscription<KisReceived<T>>(this, tr, key, owner => new ReceivedLocalSubscriber<T>(tr, key, capacity, mode, _shared, owner),
            cancellationToken);
    }

    /// <summary>Any TR, raw: each record's plain (decrypted) fields as bytes, e.g. for JSON output or TRs without a typed view.</summary>
    /// <param name="tr">The TR (mapped to the environment).</param>
    /// <param name="key">The <c>tr_key</c>.</param>
    /// <param name="cancellationToken">Ends the enumeration.</param>
    /// <exception cref="ArgumentException">The key is malformed or the TR is not offered on this environment.</exception>
    public KisSubscription<KisRecord> SubscribeRecordsAsync(TrDefinition tr, string key, CancellationToken cancellationToken = default)
    {
        tr = Resolve(tr, key);
        var capacity = Options.SubscriptionCapacity;
        var mode = Options.FullMode;
        return new KisSubscription<KisRecord>(this, tr, key, owner => new RecordLocalSubscriber(tr, key, capacity, mode, _shared, owner), cancellationToken);
    }

    /// <summary>
    /// Every message every session receives, as received (data frames, replies, PINGPONG). For recording.
    /// Buffering starts when the enumeration starts (<c>GetAsyncEnumerator</c>, i.e. <c>await foreach</c>) and stops
    /// when the enumerator is disposed; an enumerable never enumerated keeps nothing. The buffer holds
    /// <see cref="KisRealtimeOptions.RawMessageCapacity"/> messages: read promptly, as a reader that falls behind loses
    /// messages (by <see cref="KisRealtimeOptions.FullMode"/>; <see cref="KisFullMode.Wait"/> drops the arriving one),
    /// counted in <see cref="KisRealtimeStatistics.RawMessagesDropped"/>.
    /// </summary>
    /// <param name="cancellationToken">Ends the enumeration.</param>
    public IAsyncEnumerable<RawMessage> ReadRawMessagesAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return new RawTap(_shared, cancellationToken);
    }

    // The interface returns plain IAsyncEnumerable<T> (so fakes can implement it); the class's own methods return
    // KisSubscription<T> with its Tr, TrKey and Dropped.
    IAsyncEnumerable<T> IKisRealtimeClient.SubscribeAsync<T>(TrDefinition tr, string key, CancellationToken cancellationToken)
        => SubscribeAsync<T>(tr, key, cancellationToken);

    IAsyncEnumerable<KisReceived<T>> IKisRealtimeClient.SubscribeReceivedAsync<T>(TrDefinition tr, string key, CancellationToken cancellationToken)
        => SubscribeReceivedAsync<T>(tr, key, cancellationToken);

    IAsyncEnumerable<KisRecord> IKisRealtimeClient.SubscribeRecordsAsync(TrDefinition tr, string key, CancellationToken cancellationToken)
        => SubscribeRecordsAsync(tr, key, cancellationToken);

    private TrDefinition Resolve(TrDefinition tr, string key)
    {
        ArgumentNullException.ThrowIfNull(tr);
        ObjectDisposedException.ThrowIf(_disposed, this);
        tr = KisTrs.ForEnvironment(tr, Options.Environment);
        if (!tr.IsValidKey(key))
            throw new ArgumentException($"'{key}' is not a valid {tr.Id} key ({tr.KeyFormat}).", nameof(key));
        if (!tr.IsOfferedOn(Options.Environment))
            throw new ArgumentException($"{tr.Id} ({tr.Description}) is not offered on the {Options.Environment} server.", nameof(tr));
        return tr;
    }

    /// <summary>
    /// Places a subscriber on the session holding its key, else on the first session with room. The lock covers only the
    /// choice and the table entry; connecting and the subscribe request start after it (a request's write can block
    /// on a peer that stops reading, and must hold up no other subscription nor <see cref="DisposeAsync"/>).
    /// </summary>
    internal async Task<KisSession> AttachAsync(LocalSubscriber subscriber, CancellationToken cancellationToken)
    {
        KisSession session;
        TrKeyRegistration registration;
        bool created;
        lock (_sessionsGate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var max = Options.MaxRegistrationsPerSession;
            session = Array.Find(_sessions, s => s.Holds(subscriber.Tr, subscriber.Key))
                ?? Array.Find(_sessions, s => s.HasRoom)
                ?? throw new KisSubscriptionLimitException(subscriber.Tr.Id, subscriber.Key, max, _sessions.Length);
            registration = session.Add(subscriber, out created);
        }
        if (created) session.Start(registration);
        var registered = registration.Registered.Task;

        try
        {
            await registered.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await session.RemoveAsync(subscriber).ConfigureAwait(false);
            throw;
        }
        return session;
    }

    private static KisConnectionState Summarize(List<KisConnectionState> started) =>
        started.Count == 0 ? KisConnectionState.Closed
        : started.Contains(KisConnectionState.Faulted) ? KisConnectionState.Faulted
        : started.Contains(KisConnectionState.Reconnecting) ? KisConnectionState.Reconnecting
        : started.Contains(KisConnectionState.Connecting) ? KisConnectionState.Connecting
        : started.All(s => s == KisConnectionState.Closed) ? KisConnectionState.Closed
        : KisConnectionState.Connected;

    /// <summary>
    /// Graceful shutdown: releases every registration (tr_type 2, awaiting the replies), sends close frames, ends
    /// every enumeration. Without this KIS may keep the app key "in use" for a while.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        lock (_sessionsGate)
        {
            if (_disposed) return;
            _disposed = true;
        }
        await Task.WhenAll(_sessions.Select(s => s.DisposeAsync().AsTask())).ConfigureAwait(false);
        _shared.RawTaps.CompleteAll();
        _shared.Delivery?.Dispose(); // what is still queued goes to the thread pool: every enumeration ends
        _keys.Dispose();
        await _events.CompleteAsync(Options.CloseTimeout, Options.TimeProvider).ConfigureAwait(false); // the last events reach their handlers
        _shared.Gaps.Dispose();
        _shared.Instruments.Dispose();
    }

    /// <inheritdoc/>
    public override string ToString() => $"KisRealtimeClient({Options.Environment}, {_sessions.Length} app key(s), {State})";
}
