using Kis.Realtime.Gateway.Internal;
using Microsoft.Extensions.Logging;

namespace Kis.Realtime.Gateway;

/// <summary>The gateway's settings: its KIS client, its broker and the stream retention.</summary>
public sealed record KisGatewayOptions
{
    /// <summary>Defaults for everything but <see cref="Client"/>.</summary>
    public static KisGatewayOptions Default { get; } = new();

    /// <summary>The KIS client the gateway holds (credentials, server). Its full mode is forced to <see cref="KisFullMode.Wait"/>: the gateway never lets the
    /// client drop.</summary>
    public KisRealtimeOptions Client { get; init; } = KisRealtimeOptions.Default;

    /// <summary>The broker and names.</summary>
    public KisGatewayEndpoint Endpoint { get; init; } = KisGatewayEndpoint.Default;

    /// <summary>Stream retention by age (<c>x-max-age</c>, RabbitMQ's syntax: 7D, 12h, 30m …).</summary>
    public string StreamMaxAge { get; init; } = "7D";

    /// <summary>Stream retention by size, per TR (<c>x-max-length-bytes</c>).</summary>
    public long StreamMaxLengthBytes { get; init; } = 20L * 1024 * 1024 * 1024;

    /// <summary>
    /// Replicas of each stream on a RabbitMQ cluster (<c>x-initial-cluster-size</c>, taken when a stream is first
    /// declared): 3 on a three-node cluster keeps every stream on every node, and a record is confirmed once a majority
    /// holds it, so one node lost loses nothing confirmed. Null (the default) leaves it to the broker (every node).
    /// </summary>
    public int? StreamReplicas { get; init; }

    /// <summary>Stream segment size (<c>x-stream-max-segment-size-bytes</c>): retention removes whole segments.</summary>
    public long StreamMaxSegmentSizeBytes { get; init; } = 100L * 1024 * 1024;

    /// <summary>How long a KIS registration nobody wants is kept before it is released (a consumer restarting keeps it).</summary>
    public TimeSpan Linger { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>A consumer's claim on a registration lasts this long unless renewed (consumers renew at a third of it).</summary>
    public TimeSpan Lease { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Claims (consumer, TR, key) one broker user may hold at once, all its consumer ids together: beyond it a subscribe
    /// is refused (<c>quota</c>), so one user cannot take every registration the app keys allow (41 per key). Set it
    /// below sessions × 41 divided by the users that must always get a key.
    /// </summary>
    public int MaxClaimsPerUser { get; init; } = 100;

    /// <summary>
    /// The share of the registrations the app keys allow (<see cref="KisRealtimeOptions.Credentials"/> ×
    /// <see cref="KisRealtimeOptions.MaxRegistrationsPerSession"/>, 41 per key) one broker user may hold, counting the
    /// registrations it claims (with any of its consumer ids) and those lingering because it released them: a user who
    /// subscribes and releases keys in a loop cannot park every registration. Beyond it a subscribe to a key the user does
    /// not already count is refused (<c>quota</c>). Default 0.5: no user can take more than half; 1 for a gateway that
    /// serves one user. The gateway's own <c>--sub</c> claims belong to no user.
    /// </summary>
    public double MaxRegistrationShare { get; init; } = 0.5;

    /// <summary>
    /// Broker users whose <c>status</c> request lists every registration and consumer count (an operator's dashboard,
    /// monitoring); any other user sees only the registrations it claims or left lingering, and its own consumers. The
    /// gateway's own broker user always sees everything. (The gateway cannot read RabbitMQ's user tags over AMQP: name
    /// the users here, e.g. those tagged <c>monitoring</c>.)
    /// </summary>
    public IReadOnlyList<string> MonitoringUsers { get; init; } = [];

    /// <summary>
    /// The vhost in which RabbitMQ's <c>rabbitmq_event_exchange</c> plugin publishes the broker's events
    /// (<c>amq.rabbitmq.event</c>): its <c>event_exchange.vhost</c> setting in rabbitmq.conf, <c>/</c> by default, one vhost
    /// per broker. The gateway watches for deleted broker users only when its own vhost is this one; on another it logs
    /// once that the watch is off, and a deleted user's claims end with their lease.
    /// </summary>
    public string BrokerEventsVhost { get; init; } = "/";

    /// <summary>The registrations one user may hold or leave lingering: <see cref="MaxRegistrationShare"/> of the app keys' (at least one).</summary>
    internal int MaxRegistrationsPerUser =>
        Math.Max(1, (int)Math.Floor(Client.Credentials.Count * Client.MaxRegistrationsPerSession * MaxRegistrationShare + 1e-9));

    /// <summary>Requests one broker user may send per second: at most twice as many in any two seconds, so a burst of
    /// twice as many is allowed; beyond it they are refused (<c>rate</c>), counted in <see cref="GatewayStatus.RequestsRefused"/>.</summary>
    public double MaxRequestsPerSecondPerUser { get; init; } = 100;

    /// <summary>Records held for the broker (waiting to be published, or published and not yet confirmed). Beyond it records are dropped and counted.</summary>
    public int BufferCapacity { get; init; } = 1_000_000;

    /// <summary>Records published and not yet confirmed, at most.</summary>
    public int MaxOutstandingConfirms { get; init; } = 20_000;

    /// <summary>
    /// Records packed into one AMQP message, at most (of one TR, with <see cref="PackAcrossKeys"/> of several keys).
    /// 1 publishes one record per message.
    /// </summary>
    public int MaxRecordsPerMessage { get; init; } = 64;

    /// <summary>
    /// Whether records of several keys of one TR share a message (the keys format of the wire, <c>format</c> = <c>keys</c>):
    /// the broker's cost is per message, so at a market's pace this is what makes a record cheap. False: messages of one
    /// key only, for consumers that read only the one-key format.
    /// </summary>
    public bool PackAcrossKeys { get; init; } = true;

    /// <summary>
    /// How long the publisher waits, after a record arrives to an empty buffer, for more to pack with it (zero: never
    /// waits, each turn takes only what is waiting). Bounds the latency it adds: 1 ms by default, within the broker's own
    /// publish-to-confirm median; not applied while records are already waiting in numbers.
    /// </summary>
    public TimeSpan PublishLinger { get; init; } = TimeSpan.FromMilliseconds(1);

    /// <summary>Delay before reconnecting to the broker, doubling up to <see cref="BrokerReconnectMaxDelay"/>.</summary>
    public TimeSpan BrokerReconnectMinDelay { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>The longest delay between broker reconnect attempts.</summary>
    public TimeSpan BrokerReconnectMaxDelay { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How often the run writes its checkpoint (claims, last confirmed record per key) when something changed:
    /// a run taking over after a crash restores the claims of the last one and announces what it last confirmed.</summary>
    public TimeSpan CheckpointInterval { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>How often a standby tries to take the active lock (<see cref="KisGatewayElection"/>).</summary>
    public TimeSpan ElectionRetryInterval { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>The AMQP heartbeat of the election's connection: a cut-off active gateway loses its lock after about two of
    /// them (whole seconds).</summary>
    public TimeSpan ElectionHeartbeat { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>How often the status line is logged (and the publish rate computed).</summary>
    public TimeSpan StatusInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Logs; null logs nothing.</summary>
    public ILoggerFactory? LoggerFactory { get; init; }

    /// <summary>The gateway's <see cref="System.Diagnostics.Metrics.Meter"/> comes from here when set.</summary>
    public System.Diagnostics.Metrics.IMeterFactory? MeterFactory { get; init; }

    /// <summary>Further destinations for every record received (see <see cref="IGatewayRecordSink"/>); none by default.</summary>
    public IReadOnlyList<IGatewayRecordSink> Sinks { get; init; } = [];

    /// <summary>Set by <see cref="KisGatewayFleet"/> on each shard's gateway: the fleet's universe shards (reported in its status).</summary>
    internal int FleetShards { get; init; }

    /// <summary>Set by <see cref="KisGatewayFleet"/>: whether the fleet has a claims shard.</summary>
    internal bool FleetClaimsShard { get; init; }

    /// <summary>Set by <see cref="KisGatewayFleet"/>: its plan fingerprint (reported in its shards' status).</summary>
    internal string? FleetPlan { get; init; }

    /// <summary>
    /// Set by <see cref="KisGatewayFleet"/>: the fleet's universe, <c>"{TR id} {key}"</c>. A consumer's claim on one of them
    /// is answered with its stream and registers nothing here: its shard holds it for the fleet's lifetime, and a second
    /// registration of the key would publish its records twice.
    /// </summary>
    internal IReadOnlySet<string>? FleetUniverse { get; init; }

    /// <summary>Set by <see cref="KisGatewayFleet"/>: this shard's part of the universe (TR id, key); a run taking the shard over
    /// finds where each key's records end on its stream, whichever earlier run published them.</summary>
    internal IReadOnlyList<(string Tr, string Key)>? FleetShardKeys { get; init; }

    /// <summary>Fleet: this run's shard was held by another process before this term (its election token had a holder), so
    /// the start waits up to the read's whole bound for that holder's checkpoint, not 2 s: a broker busy with the open's burst
    /// answered later, and the run followed none (no announcement: its keys' missing records in no stated gap).</summary>
    internal bool FollowsHolder { get; init; }

    /// <summary>Set by <see cref="KisGatewayFleet"/>: what the process's shards share when they start (tail reads, streams declared).</summary>
    internal Internal.FleetTakeovers? FleetTakeovers { get; init; }

    /// <summary>Tests only: asked at each broker call site of the start and run (<see cref="BrokerCall"/>, by its name); an
    /// exception it returns is thrown there, as the broker's client would throw it.</summary>
    internal Func<string, Exception?>? BrokerFaults { get; init; }

    /// <summary>A broker call site: throws what <see cref="BrokerFaults"/> injects there (nothing outside tests).</summary>
    internal void BrokerCall(string site) => Wire.BrokerCallSites.Call(BrokerFaults, site);

    /// <summary>Set by <see cref="KisGatewayFleet"/>: the process name in statuses (<see cref="KisGatewayFleetOptions.Name"/>); null: host:pid.</summary>
    internal string? ProcessName { get; init; }

    /// <summary>Clock for leases, linger and rates.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Checks every option (the gateway, its election and <c>AddKisGateway</c> call it before they start).</summary>
    /// <exception cref="ArgumentNullException">The client options, the endpoint or the sinks are null.</exception>
    /// <exception cref="ArgumentException">An option is missing or out of range; the message names it.</exception>
    public void Validate()
    {
        ArgumentNullException.ThrowIfNull(Client);
        ArgumentNullException.ThrowIfNull(Endpoint);
        ArgumentNullException.ThrowIfNull(Sinks);
        if (string.IsNullOrWhiteSpace(Endpoint.Namespace)) throw new ArgumentException("The endpoint namespace is empty.", nameof(Endpoint));
        BrokerNodes.Validate(Endpoint);
        if (string.IsNullOrEmpty(BrokerEventsVhost)) throw new ArgumentException("The broker's events vhost is empty (RabbitMQ's default: /).",
            nameof(BrokerEventsVhost));
        if (StreamReplicas is <= 0) throw new ArgumentOutOfRangeException(nameof(StreamReplicas), "Must be positive (or null: the broker's default).");
        if (Linger < TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(Linger), "Must not be negative.");
        if (Lease <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(Lease), "Must be positive.");
        if (MaxClaimsPerUser <= 0) throw new ArgumentOutOfRangeException(nameof(MaxClaimsPerUser), "Must be positive.");
        if (!(MaxRegistrationShare > 0 && MaxRegistrationShare <= 1)) throw new ArgumentOutOfRangeException(nameof(MaxRegistrationShare),
            "Must be above 0 and at most 1.");
        if (!(MaxRequestsPerSecondPerUser > 0)) throw new ArgumentOutOfRangeException(nameof(MaxRequestsPerSecondPerUser), "Must be positive.");
        if (BufferCapacity <= 0) throw new ArgumentOutOfRangeException(nameof(BufferCapacity), "Must be positive.");
        if (MaxOutstandingConfirms <= 0) throw new ArgumentOutOfRangeException(nameof(MaxOutstandingConfirms), "Must be positive.");
        if (MaxRecordsPerMessage <= 0) throw new ArgumentOutOfRangeException(nameof(MaxRecordsPerMessage), "Must be positive.");
        if (PublishLinger < TimeSpan.Zero || PublishLinger > TimeSpan.FromSeconds(1))
            throw new ArgumentOutOfRangeException(nameof(PublishLinger), "Must be between zero and one second.");
        if (CheckpointInterval <= TimeSpan.Zero || ElectionRetryInterval <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(CheckpointInterval),
            "Must be positive.");
        if (ElectionHeartbeat < TimeSpan.FromSeconds(1)) throw new ArgumentOutOfRangeException(nameof(ElectionHeartbeat),
            "At least one second (AMQP counts heartbeats in seconds).");
        if (StreamMaxLengthBytes <= 0 || StreamMaxSegmentSizeBytes <= 0) throw new ArgumentOutOfRangeException(nameof(StreamMaxLengthBytes),
            "Must be positive.");
    }
}
