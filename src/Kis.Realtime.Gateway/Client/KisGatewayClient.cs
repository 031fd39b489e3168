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
/// <remarks>
/// The client composes parts that each own their state: <see cref="GatewayClientState"/> (the state and its events),
/// <see cref="GatewayBrokerLink"/> (the connection and request/reply), <see cref="GatewayClaims"/> (claims, renewal,
/// release), <see cref="GatewayReaderPool"/> (the stream readers and their subscriptions), <see cref="GatewayRunGaps"/>
/// and <see cref="GatewayClientCounters"/>. This file holds the public figures and the disposal's order.
/// </remarks>
public sealed partial class KisGatewayClient : IKisRealtimeClient
{
    private readonly KisGatewayClientOptions _options;
    private readonly GatewayClientState _state;
    private readonly GatewayBrokerLink _link;
    private readonly GatewayClaims _claims;
    private readonly GatewayReaderPool _readers;
    private readonly GatewayRunGaps _runGaps;
    private readonly Kis.Realtime.Internal.ClientGaps _gaps;
    private readonly Lock _disposalGate = new(); // guards _disposal
    private Task? _disposal;

    /// <summary>Creates a client; nothing connects until <see cref="ConnectAsync"/> or the first subscription.</summary>
    public KisGatewayClient(KisGatewayClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        BrokerNodes.Validate(options.Endpoint);
        _options = options;
        var logger = (options.LoggerFactory ?? NullLoggerFactory.Instance).CreateLogger<KisGatewayClient>();
        _gaps = new Kis.Realtime.Internal.ClientGaps(options.DetectGaps, logger, options.TimeProvider, null);
        _state = new GatewayClientState(logger, e => StateChanged?.Invoke(this, e));
        _link = new GatewayBrokerLink(options, logger, _state, () => _readers!.Open);
        _claims = new GatewayClaims(options, logger, _link, Counters, (trId, key, reason) => _readers!.EndSubscriptionsAsync(trId, key, reason));
        _runGaps = new GatewayRunGaps(logger, gap => RunGapDetected?.Invoke(this, gap));
        _readers = new GatewayReaderPool(new GatewayReaderContext(options, logger, _link, _claims, Counters, _runGaps));
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
    public KisConnectionState State => _state.Current;

    /// <summary>Counters of this client: records received for its subscriptions, delivered, repeats dropped, decode errors, subscriptions held.</summary>
    public KisRealtimeStatistics Statistics => new()
    {
        RecordsReceived = Interlocked.Read(ref Counters.RecordsReceived),
        RecordsDelivered = Interlocked.Read(ref Counters.RecordsDelivered),
        DecodeErrors = Interlocked.Read(ref Counters.DecodeErrors),
        Registrations = _claims.HeldCount,
        Gaps = _gaps.Gaps,
        MissingVolume = _gaps.MissingVolume,
        Overlaps = _gaps.Overlaps,
        LargestGaps = _gaps.Largest,
    };

    /// <summary>Records the gateway published twice (after a broker failure) that this client delivered once.</summary>
    public long DuplicatesDropped => Interlocked.Read(ref Counters.Duplicates);

    /// <summary>Records whose <c>seq</c> went back further than <see cref="KisGatewayClientOptions.DuplicateWindow"/> within
    /// a run (not a resend: delivered, and the key's count restarted from them). Not 0 means a record that the gateway did
    /// not publish reached the stream (a forged one): check the broker's permissions (docs/gateway-security.md).</summary>
    public long SequenceResets => Interlocked.Read(ref Counters.Resets);

    /// <summary>Times a stream this client was reading was deleted and created again (its offsets started over at 0): each
    /// reader then read the new stream from its first record. What the gateway published while the stream was missing
    /// never reached the broker (<see cref="GapDetected"/> reports the trades).</summary>
    public long StreamsStartedOver => Interlocked.Read(ref Counters.StartedOver);

    /// <summary>
    /// Raised when a subscription's records jump from one gateway run to the next (a crash and a standby's takeover, or a
    /// restart): the window, the runs and sequences, and the missed volume where the TR's cumulative volume tells it.
    /// Raised on the stream reader's delivery, before the new run's first record is handed to the subscription; a
    /// handler must be quick and must not throw (an exception is logged and ignored). Each is also logged (warning).
    /// Not <see cref="GapDetected"/>, which reports trades KIS's own feed skipped (from cumulative volume) within a run.
    /// </summary>
    public event EventHandler<GatewayGap>? RunGapDetected;

    /// <summary>Gaps reported (<see cref="RunGapDetected"/>), all subscriptions together.</summary>
    public long RunGaps => _runGaps.Gaps;

    /// <summary>Volume missed in the gaps reported, where the TR tells it.</summary>
    public long RunGapMissedVolume => _runGaps.MissedVolume;

    /// <summary>Run announcements read from the streams (a new gateway run's first message of each key).</summary>
    public long RunAnnouncements => Interlocked.Read(ref Counters.Announcements);

    /// <summary>Claims made again after the gateway did not hold them (a new run took over, a lease lapsed).</summary>
    public long ClaimsRenewedAfterLoss => Interlocked.Read(ref Counters.Reclaims);

    /// <summary>
    /// Raised at every change of <see cref="State"/> (the broker connection: lost, reconnecting, back), in order, from a
    /// task of its own: a slow handler delays only later events. <see cref="KisStateChangedEventArgs.AppKey"/> is
    /// "gateway" and <see cref="KisStateChangedEventArgs.SessionIndex"/> 0: the KIS sessions are the gateway's (see
    /// <see cref="GetStatusAsync"/>).
    /// </summary>
    public event EventHandler<KisStateChangedEventArgs>? StateChanged;

    /// <summary>Connects to the broker (optional: the first subscription connects).</summary>
    /// <exception cref="KisConnectionException">The broker cannot be reached.</exception>
    public Task ConnectAsync(CancellationToken cancellationToken = default) => _link.ConnectAsync(cancellationToken);

    /// <summary>The gateway's figures (what <c>kisrt gateway status</c> shows).</summary>
    /// <exception cref="KisConnectionException">The broker or the gateway cannot be reached.</exception>
    public async Task<GatewayStatus> GetStatusAsync(CancellationToken cancellationToken = default)
    {
        var reply = await _link.RequestAsync(new GatewayRequest(GatewayOp.Status), cancellationToken).ConfigureAwait(false);
        return (reply.Status is { } status ? GatewayStatusJson.Json.FromElement(status) : null)
               ?? throw new InvalidOperationException($"The gateway answered without a status: {reply.Error} {reply.Message}");
    }

    /// <summary>The client's counters, moved by its parts (tests read them directly).</summary>
    internal GatewayClientCounters Counters { get; } = new();

    /// <summary>The broker connection (tests only).</summary>
    internal IConnection Connection => _link.Connection;

    /// <summary>Tests only: runs before each stream reader attaches (a slow broker, a replica not started yet).</summary>
    internal Func<CancellationToken, Task>? AttachHook
    {
        get => _readers.AttachHook;
        set => _readers.AttachHook = value;
    }

    /// <summary>Stream readers open now (shared live ones and ones of their own), for tests and status.</summary>
    internal int OpenReaders => _readers.Open;

    /// <summary>
    /// Releases this client's claims at the gateway (claims still in flight included) and closes the connection; open
    /// enumerations end. Runs once: a second call waits for the first.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        TaskCompletionSource? mine = null;
        Task disposal;
        lock (_disposalGate)
        {
            if (_disposal is null)
            {
                mine = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                _disposal = mine.Task;
                // In the same step as the disposal's start (as under the one lock before the split): from now on no claim
                // starts, a subscription's end leaves the releasing to this call, and no connect moves the state from Closed.
                // Neither lock is ever taken with this one the other way round.
                _claims.BeginClose();
                _state.Seal();
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
        await _claims.ReleaseAllAsync().ConfigureAwait(false);
        _link.BeginClose();
        await _readers.CloseAllAsync().ConfigureAwait(false); // open enumerations end here, not at their next reconnect attempt
        await _link.CloseAsync().ConfigureAwait(false);
        _state.MoveTo(KisConnectionState.Closed, "disposed");
        await _state.CompleteAsync(TimeSpan.FromSeconds(5), _options.TimeProvider).ConfigureAwait(false);
        _gaps.Dispose();
    }

    /// <inheritdoc/>
    public override string ToString() => $"KisGatewayClient({_options.Endpoint.DisplayUri}, {_options.Endpoint.Namespace}, {State})";
}
