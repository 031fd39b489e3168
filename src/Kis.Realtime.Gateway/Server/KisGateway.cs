using System.Diagnostics.Metrics;
using Kis.Realtime.Gateway.Internal;
using Kis.Realtime.Gateway.Wire;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kis.Realtime.Gateway;

/// <summary>
/// Holds the KIS sessions for every configured app key and publishes every record of every registration any
/// consumer asked for to RabbitMQ stream queues (see <see cref="GatewayWire"/> for the message format). Consumers
/// (<see cref="KisGatewayClient"/>, or any AMQP client) ask for registrations over request/reply; the gateway
/// reference-counts them and releases a registration nobody wants after <see cref="KisGatewayOptions.Linger"/>.
/// <code>
/// await using var gateway = await KisGateway.StartAsync(KisGatewayOptions.Default with { Client = clientOptions });
/// </code>
/// </summary>
public sealed partial class KisGateway : IAsyncDisposable
{
    /// <summary>The gateway's <see cref="Meter"/>: observable counters <c>kis.gateway.received</c>, <c>.published</c>,
    /// <c>.confirmed</c>, <c>.republished</c>, <c>.overflowed</c>; gauges <c>kis.gateway.buffer.depth</c>,
    /// <c>.confirms.outstanding</c>, <c>.registrations</c>, <c>.consumers</c>, <c>.broker.connected</c>, <c>.broker.blocked</c>; with sinks, per <c>sink</c>
    /// tag, counters <c>kis.gateway.sink.committed</c>, <c>.dropped</c>, <c>.retries</c> and gauge <c>kis.gateway.sink.lag</c>.</summary>
    public const string MeterName = "Kis.Realtime.Gateway";

    private readonly KisGatewayOptions _options;
    private readonly KisRealtimeClient _client;
    private readonly RecordPublisher _publisher;
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Usage", "CA2213",
        Justification = "Disposed in DisposeAsync, in its shutdown order (the analyzer does not follow it)")]
    private readonly RegistrationManager _registrations;
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Usage", "CA2213",
        Justification = "Disposed in DisposeAsync, in its shutdown order (the analyzer does not follow it)")]
    private readonly RequestServer _requests;
    private readonly ILogger _logger;
    private readonly Meter _meter;
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Usage", "CA2213",
        Justification = "Disposed in DisposeAsync, in its shutdown order (the analyzer does not follow it)")]
    private readonly ITimer _statusTimer;
    private readonly PublishRate _rate;
    private int _disposed;
    private Task? _kisClose; // the one close of the KIS side (CloseKisOnceAsync)
    private Task? _requestsStopped;
    private List<GatewayCheckpointClaim>? _finalClaims; // the claims as they were when KIS was closed, for the final checkpoint

    private readonly bool _ownsClient;
    private readonly RunJournal _journal;
    private readonly PreviousRun? _previous;
    private Task<int>? _restoring;
    private volatile bool _started;

    private readonly StreamRetention _retention;

    private KisGateway(KisGatewayOptions options, KisRealtimeClient? client, string run, RunJournal journal, StreamRetention retention,
        GatewayCheckpoint? previous, StreamTails? previousTail)
    {
        _retention = retention;
        _options = options;
        var loggerFactory = options.LoggerFactory ?? NullLoggerFactory.Instance;
        _logger = loggerFactory.CreateLogger<KisGateway>();
        Run = run;
        StartedAt = options.TimeProvider.GetUtcNow();
        _journal = journal;
        if (previous is not null) _previous = new PreviousRun(previous, Run, GatewayWire.ToUnixMicroseconds(StartedAt), previousTail);
        // Lossless from KIS to the buffer: the client waits for the gateway's pumps rather than dropping. Inline delivery:
        // a pump only hands each record to the sinks and the publisher's buffer (neither blocks), so it runs on the
        // session's receive thread instead of waking a delivery thread per record (p99 of that hop 0.65 -> 0.03 ms).
        _ownsClient = client is null;
        _client = client ?? new KisRealtimeClient(options.Client with
        {
            FullMode = KisFullMode.Wait,
            InlineDelivery = true,
            LoggerFactory = options.Client.LoggerFactory ?? options.LoggerFactory,
        });
        var topology = new StreamTopology(options, retention, loggerFactory.CreateLogger<StreamTopology>());
        _publisher = new RecordPublisher(options, topology, loggerFactory.CreateLogger<RecordPublisher>(), RunExchange.Name(options.Endpoint, Run));
        _requests = new RequestServer(options, topology, () => _registrations!, Status, loggerFactory.CreateLogger<RequestServer>());
        _registrations = new RegistrationManager(_client, _publisher, _requests.DeclareStreamAsync, options, Run,
            loggerFactory.CreateLogger<RegistrationManager>(), _previous);
        _meter = options.MeterFactory?.Create(MeterName) ?? new Meter(MeterName);
        CreateInstruments();
        _rate = new PublishRate(options.TimeProvider, StartedAt);
        _statusTimer = options.TimeProvider.CreateTimer(_ => LogStatus(), null, options.StatusInterval, options.StatusInterval);
    }

    /// <summary>Starts a gateway: connects to the broker and takes requests. KIS sessions open with the first registration.</summary>
    /// <exception cref="InvalidOperationException">The broker cannot be reached.</exception>
    /// <exception cref="KisConnectionException">The broker cannot be reached.</exception>
    /// <exception cref="KisBrokerRefusedException">The broker refused the credentials (authentication, virtual host).</exception>
    public static Task<KisGateway> StartAsync(KisGatewayOptions options, CancellationToken cancellationToken = default)
        => StartCoreAsync(options, null, cancellationToken);

    /// <summary>
    /// Starts a gateway on a client the caller owns (and disposes after the gateway): e.g. one from dependency injection.
    /// <see cref="KisGatewayOptions.Client"/> is then not used. Give the client <see cref="KisRealtimeOptions.InlineDelivery"/>
    /// (as a gateway's own client has) unless its other subscriptions need otherwise: the gateway's pumps never block, and
    /// inline they save a thread wake-up per record.
    /// </summary>
    /// <exception cref="ArgumentException">The client does not use <see cref="KisFullMode.Wait"/> (the gateway must not lose records).</exception>
    /// <exception cref="KisConnectionException">The broker cannot be reached.</exception>
    public static Task<KisGateway> StartAsync(KisGatewayOptions options, KisRealtimeClient client, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(client);
        if (client.Options.FullMode != KisFullMode.Wait)
            throw new ArgumentException(
                $"The gateway's client must use KisFullMode.Wait (it uses {client.Options.FullMode}): records must never be dropped before the buffer.",
                nameof(client));
        return StartCoreAsync(options with { Client = client.Options }, client, cancellationToken);
    }

    /// <summary>This run's id (the <c>run</c> header of its records).</summary>
    public string Run { get; }

    /// <summary>When the gateway started.</summary>
    public DateTimeOffset StartedAt { get; }

    /// <summary>This process as statuses name it, <c>host:pid</c>.</summary>
    internal static string ProcessName { get; } = $"{Environment.MachineName}:{Environment.ProcessId}";

    /// <summary>The KIS client the gateway holds.</summary>
    public KisRealtimeClient Client => _client;

    /// <summary>The run before this one in the namespace (its last checkpoint's), or null.</summary>
    public string? PreviousRun => _previous?.Checkpoint.Run;

    /// <summary>Completes with the number of the previous run's claims restored (0 when there was none).</summary>
    public Task<int> ClaimsRestoredAsync => _restoring ?? Task.FromResult(0);

    private GatewayCheckpoint Checkpoint()
    {
        var (claims, keys) = _registrations.Checkpoint();
        var startedAt = GatewayWire.ToUnixMicroseconds(StartedAt);
        return new GatewayCheckpoint(Run, startedAt, GatewayWire.ToUnixMicroseconds(_options.TimeProvider.GetUtcNow()), claims, keys)
        {
            // Nothing confirmed yet: every record of the run was received after it began.
            ConfirmedThrough = Math.Max(startedAt, _publisher.ConfirmedThroughMicros),
        };
    }

    /// <summary>A snapshot of the gateway's figures; its record counts are one moment's (the publisher's, under its lock).</summary>
    public GatewayStatus Status() => StatusOf(_publisher.Figures());

    private GatewayStatus StatusOf(PublisherFigures figures)
    {
        var registrations = _registrations.Snapshot(out var consumers);
        var states = _client.SessionStates;
        var perSession = _client.RegistrationsBySession;
        var outstanding = figures.Outstanding;
        var blocked = _publisher.Blocked;
        var (published, messages) = (_publisher.Published, _publisher.MessagesPublished);
        return new GatewayStatus
        {
            Run = Run,
            StartedAt = StartedAt,
            PreviousRun = PreviousRun,
            ClaimsRestored = _restoring is { IsCompletedSuccessfully: true } restoring ? restoring.Result : 0,
            PreviousRunKeysUnknown = _previous?.KeysUnknown ?? 0,
            KisReconnectGaps = _registrations.ReconnectGaps,
            Standbys = _journal.Standbys,
            Checkpoints = _journal.Written,
            Shard = _options.Endpoint.Shard,
            Process = _options.ProcessName ?? ProcessName,
            FleetShards = _options.FleetShards,
            FleetClaimsShard = _options.FleetClaimsShard,
            FleetPlan = _options.FleetPlan,
            Sessions = _options.Client.Credentials.Select((c, i) => new GatewaySessionStatus(i, c.MaskedAppKey, states[i], perSession[i])).ToList(),
            Registrations = registrations,
            Consumers = consumers,
            BrokerConnected = _publisher.Connected,
            BrokerProblem = _publisher.Problem,
            BrokerBlocked = blocked?.Reason,
            BrokerBlockedSince = blocked?.Since,
            PublishRate = Math.Round(_rate.Now(_publisher.Published), 1),
            Received = figures.Received,
            Confirmed = figures.Confirmed,
            Published = published,
            MessagesPublished = messages,
            RecordsPerMessage = messages == 0 ? 0 : Math.Round((double)published / messages, 1),
            Republished = _publisher.Republished,
            Overflowed = figures.Overflowed,
            // A stop's fence (KisGateway.Stop.cs) drops what its budget left unconfirmed: dropped at the stop's bound, not a
            // lock's loss. The publisher's first fence decides which, whatever fence came after it.
            Fenced = figures.FencedBy == FenceCause.Stop ? 0 : figures.Fenced,
            StopDropped = figures.FencedBy == FenceCause.Stop ? figures.Fenced : 0,
            BufferDepth = figures.Waiting + outstanding,
            BufferCapacity = _options.BufferCapacity,
            ConfirmsOutstanding = outstanding,
            Sinks = _options.Sinks.Select(sink => sink.Status()).ToList(),
            SinkFailures = _publisher.SinkFailures,
            RequestsRefused = _requests.Refused,
            RetentionKept = _retention.Kept,
        };
    }

    /// <summary>
    /// Holds <paramref name="tr"/> <paramref name="key"/> for as long as the gateway runs, wanted or not (e.g. for a
    /// recorder that reads the stream later): the registration is made now and never lingers out.
    /// </summary>
    /// <exception cref="KisSubscriptionException">KIS refused it.</exception>
    public Task HoldAsync(Kis.Realtime.Protocol.TrDefinition tr, string key, CancellationToken cancellationToken = default)
        => _registrations.SubscribeAsync(GatewayIdentity.Gateway, Kis.Realtime.KisTrs.ForEnvironment(tr,
            _client.Options.Environment), key, cancellationToken);

    /// <summary>Waits until every record handed to the publisher so far is confirmed by the broker.</summary>
    /// <returns>False when the timeout passed first.</returns>
    public Task<bool> WaitForConfirmsAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
        => _publisher.DrainAsync(timeout, cancellationToken);


    private void CreateInstruments()
    {
        _meter.CreateObservableCounter("kis.gateway.received", () => _publisher.Received, "{record}", "Records handed to the publisher");
        _meter.CreateObservableCounter("kis.gateway.published", () => _publisher.Published, "{record}", "Records published (including republished)");
        _meter.CreateObservableCounter("kis.gateway.confirmed", () => _publisher.Confirmed, "{record}", "Records confirmed by the broker");
        _meter.CreateObservableCounter("kis.gateway.republished", () => _publisher.Republished, "{record}", "Records published again after a broker failure");
        _meter.CreateObservableCounter("kis.gateway.overflowed", () => _publisher.Overflowed, "{record}", "Records dropped: buffer full");
        _meter.CreateObservableGauge("kis.gateway.buffer.depth", () => _publisher.Waiting + _publisher.Outstanding, "{record}",
            "Records waiting for the broker or its confirm");
        _meter.CreateObservableGauge("kis.gateway.confirms.outstanding", () => _publisher.Outstanding, "{record}", "Published, not yet confirmed");
        _meter.CreateObservableGauge("kis.gateway.registrations", () => _registrations.Snapshot(out _).Count, "{registration}",
            "Registrations held or being made");
        _meter.CreateObservableGauge("kis.gateway.consumers", () => { _registrations.Snapshot(out var c); return c; }, "{consumer}",
            "Consumers holding a claim");
        _meter.CreateObservableGauge("kis.gateway.broker.connected", () => _publisher.Connected ? 1 : 0, "{connection}",
            "1 while the publisher is connected to the broker, else 0");
        _meter.CreateObservableGauge("kis.gateway.broker.blocked", () => _publisher.Blocked is null ? 0 : 1, "{connection}",
            "1 while the broker blocks publishing (connection.blocked: a resource alarm), else 0");
        if (_options.Sinks.Count > 0)
        {
            // One reading of every sink per instrument and collection; tagged by sink name.
            IEnumerable<Measurement<long>> Each(Func<GatewaySinkStatus, long> figure) =>
                _options.Sinks.Select(sink => sink.Status()).Select(s => new Measurement<long>(figure(s), new KeyValuePair<string, object?>("sink", s.Name)));
            _meter.CreateObservableCounter("kis.gateway.sink.committed", () => Each(s => s.Committed), "{record}",
                "Records a sink made durable (PostgreSQL: committed)");
            _meter.CreateObservableCounter("kis.gateway.sink.dropped", () => Each(s => s.Dropped), "{record}", "Records a sink dropped: its queue was full");
            _meter.CreateObservableCounter("kis.gateway.sink.retries", () => Each(s => s.Retries), "{retry}", "Failed sink writes retried");
            _meter.CreateObservableGauge("kis.gateway.sink.lag", () => Each(s => s.Lag), "{record}", "Records received and not yet committed by a sink");
        }
    }

    private void LogStatus()
    {
        var s = Status();
        Log.StatusLine(_logger, s.Sessions.Count(x => x.State == KisConnectionState.Connected), s.Sessions.Count, s.Registrations.Count,
            s.Consumers, s.PublishRate, s.BufferDepth, s.ConfirmsOutstanding, s.Overflowed, s.BrokerConnected, s.BrokerBlocked ?? "no");
    }

    /// <summary>Stops taking requests, releases every registration, publishes what is buffered (up to the client's close timeout), disconnects.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        try
        {
            await CloseKisOnceAsync(waitForRequests: true).ConfigureAwait(false); // or the fleet's close, already under way
            if (_requestsStopped is not null) await _requestsStopped.ConfigureAwait(false); // when the fleet closed KIS first
        }
        finally
        {
            // A failed close must not keep the publisher's connection, the journal or the meter: they go all the same.
            // A fenced publisher dropped what it held unconfirmed, which the broker may have stored all the same: never final.
            var drained = !_publisher.IsFenced && await _publisher.DrainAsync(_options.Client.CloseTimeout).ConfigureAwait(false);
            await _publisher.DisposeAsync().ConfigureAwait(false);
            // Side by side: a planned stop's hand-over waits for both.
            await Task.WhenAll(drained ? EndRunTermAsync() : Task.CompletedTask, WriteFinalCheckpointAsync(_finalClaims, drained)).ConfigureAwait(false);
            _meter.Dispose();
            if (_publisher.NotTaken is > 0 and var notTaken) StopBudget.LogNotTaken(_logger, notTaken);
        }
    }

    /// <summary>A fleet term's fence when its lock is lost: publishes nothing more, drops and counts what it held as
    /// <see cref="GatewayStatus.Fenced"/> (RecordPublisher.Fence.cs).</summary>
    internal Task<long> FenceAsync() => _publisher.FenceAsync(FenceCause.TermOver);

    /// <summary>Whether the run's publisher is fenced (<see cref="FenceAsync()"/>, or its run's exchange gone).</summary>
    internal bool IsFenced => _publisher.IsFenced;

    /// <summary>
    /// The first half of <see cref="DisposeAsync"/>: stops taking requests, releases every registration and closes the
    /// KIS sessions, while the publisher goes on confirming what it holds. A fleet shard that lost its lock calls it first,
    /// so its app key is free before it waits for the broker (a holder cut off from the broker would otherwise keep the
    /// key through that wait and the next holder meet OPSP8996).
    /// </summary>
    internal Task CloseKisAsync() => CloseKisOnceAsync(waitForRequests: false);

    /// <summary>One close for both callers: the first starts it, and every caller (DisposeAsync too) awaits that one task.</summary>
    private Task CloseKisOnceAsync(bool waitForRequests)
    {
        var start = new Task<Task>(() => CloseKisCoreAsync(waitForRequests));
        var close = start.Unwrap();
        var running = Interlocked.CompareExchange(ref _kisClose, close, null);
        if (running is not null) return running;
        start.RunSynchronously(TaskScheduler.Default);
        return close;
    }

    private async Task CloseKisCoreAsync(bool waitForRequests)
    {
        try
        {
            await _statusTimer.DisposeAsync().ConfigureAwait(false);
            // The fleet does not wait for it before KIS closes: over a silent partition the request connection's close waits
            // for the broker's answer until its timeout, and the app key must not wait with it (a request still taken
            // meanwhile meets the closed registrations and is answered with an error). DisposeAsync keeps the order.
            _requestsStopped = _requests.DisposeAsync().AsTask();
            if (waitForRequests) await _requestsStopped.ConfigureAwait(false);
            // The claims as they were, for the next run to restore (a planned handover keeps consumers' registrations too).
            (_finalClaims, _) = _registrations.Checkpoint();
            await _registrations.DisposeAsync().ConfigureAwait(false);
        }
        finally
        {
            // Whatever failed above, the KIS sessions close: else the app key stays "in use" until the process exits.
            if (_ownsClient) await _client.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>The last checkpoint: final (exact for the next run) only when everything handed over was confirmed; records
    /// still unconfirmed may yet reach the streams, so the next run reads them from its <c>confirmed_through</c> on.</summary>
    private async Task WriteFinalCheckpointAsync(List<GatewayCheckpointClaim>? claims, bool drained)
    {
        try
        {
            await _journal.StopAsync().ConfigureAwait(false); // its timer stops; the write below is the last
            // A run that never started, or whose close failed before it took the claims, must not hide the last periodic
            // checkpoint's claims behind an empty final one.
            using var bounded = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            if (_started && claims is not null)
                await _journal.WriteAsync(Checkpoint() with { Claims = claims, Final = drained }, bounded.Token).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            Log.FinalCheckpointFailed(_logger, e.Message); // the next run then reads the last periodic one
        }
        await _journal.DisposeAsync().ConfigureAwait(false);
    }

    private static partial class Log
    {
        [LoggerMessage(32, LogLevel.Information, "Following run {PreviousRun}: restoring {Claims} claims, announcing its last confirmed record of {Keys} keys")]
        public static partial void Following(ILogger logger, string previousRun, int claims, int keys);

        [LoggerMessage(33, LogLevel.Warning, "Could not write the final checkpoint ({Reason})")]
        public static partial void FinalCheckpointFailed(ILogger logger, string reason);

        [LoggerMessage(30, LogLevel.Information, "Gateway {Run} started: broker {Broker}, namespace {Namespace}")]
        public static partial void Started(ILogger logger, string run, string broker, string @namespace);

        [LoggerMessage(31, LogLevel.Information, "Gateway: sessions {Connected}/{Sessions} connected, {Registrations} registrations, {Consumers} consumers, " +
            "{Rate:0.0} records/s published, buffer {Depth}, confirms outstanding {Outstanding}, overflowed {Overflowed}, broker connected {Broker}, blocked " +
            "{Blocked}")]
        public static partial void StatusLine(ILogger logger, int connected, int sessions, int registrations, int consumers, double rate, long depth,
            long outstanding, long overflowed, bool broker, string blocked);
    }
}
