namespace Kis.Realtime.Gateway;

/// <summary>A snapshot of a running gateway (<c>kisrt gateway status</c>; the same figures are on its Meter and in its status log line).</summary>
public sealed record GatewayStatus
{
    /// <summary>The gateway run id (the <c>run</c> header of its records).</summary>
    public string Run { get; init; } = "";
    /// <summary>When the gateway started (UTC).</summary>
    public DateTimeOffset StartedAt { get; init; }
    /// <summary>The run before this one in the namespace (from its last checkpoint), or null for the first.</summary>
    public string? PreviousRun { get; init; }
    /// <summary>Claims of the previous run this one restored at its start (consumers kept them without asking).</summary>
    public int ClaimsRestored { get; init; }
    /// <summary>Keys this run took over whose last record on the stream its start could not find within the read's bound
    /// (docs/gateway-standby.md): each announces a gap of unknown extent (<c>previous_stream_unknown</c>). 0 when all were found.</summary>
    public int PreviousRunKeysUnknown { get; init; }
    /// <summary>Gaps this run announced within itself because a KIS session reconnected (one per key and reconnect:
    /// docs/gateway-standby.md): what KIS sent while the session was away was never received. 0 when none.</summary>
    public long KisReconnectGaps { get; init; }
    /// <summary>Gateway processes waiting as standbys for this namespace (<see cref="KisGatewayElection"/>); -1 until counted.</summary>
    public int Standbys { get; init; } = -1;
    /// <summary>Checkpoints this run wrote to <see cref="KisGatewayEndpoint.RunsStream"/>.</summary>
    public long Checkpoints { get; init; }
    /// <summary>In a fleet: the shard this gateway serves (<see cref="KisGatewayEndpoint.Shard"/>; null for the claims shard or a single gateway).</summary>
    public string? Shard { get; init; }
    /// <summary>The process running this gateway, <c>host:pid</c>: in a fleet, which process holds which shard.</summary>
    public string Process { get; init; } = "";
    /// <summary>In a fleet: the shards of the universe (0 outside a fleet); with <see cref="FleetClaimsShard"/> the claims shard too.</summary>
    public int FleetShards { get; init; }
    /// <summary>In a fleet: whether a claims shard (the spare app keys, answering ad-hoc claims on the namespace's request queue) exists.</summary>
    public bool FleetClaimsShard { get; init; }
    /// <summary>In a fleet: the plan fingerprint of the process holding this shard (its start line's <c>plan HASH</c>: a hash of
    /// its app keys and universe in order, no secret); processes on different plans are a misconfiguration. Null outside a fleet.</summary>
    public string? FleetPlan { get; init; }
    /// <summary>The KIS sessions, one per app key.</summary>
    public IReadOnlyList<GatewaySessionStatus> Sessions { get; init; } = [];
    /// <summary>The registrations the gateway holds or is making, with their consumers.</summary>
    public IReadOnlyList<GatewayRegistrationStatus> Registrations { get; init; } = [];
    /// <summary>Distinct consumers holding at least one claim.</summary>
    public int Consumers { get; init; }
    /// <summary>Whether the publisher is connected to the broker.</summary>
    public bool BrokerConnected { get; init; }
    /// <summary>What the broker said when the publisher last failed to connect or lost its connection ("authentication
    /// refused for user X on vhost Y", "the broker cannot be reached (…)"), while not connected; null when connected.</summary>
    public string? BrokerProblem { get; init; }
    /// <summary>Why the broker blocks the publisher's connection (connection.blocked: a resource alarm, e.g. "low on
    /// disk"), or null. While blocked nothing is published: records wait in the buffer, then overflow.</summary>
    public string? BrokerBlocked { get; init; }
    /// <summary>Since when the broker blocks publishing (<see cref="BrokerBlocked"/>), or null.</summary>
    public DateTimeOffset? BrokerBlockedSince { get; init; }
    /// <summary>Records published per second over the last status interval.</summary>
    public double PublishRate { get; init; }
    /// <summary>Records handed to the publisher. Final once a stop returned (<see cref="KisGateway.StopAsync"/>): what a KIS session
    /// still closing delivers after it is not taken (the next run announces it with its gap).</summary>
    public long Received { get; init; }
    /// <summary>Records the broker confirmed.</summary>
    public long Confirmed { get; init; }
    /// <summary>Records published to the broker since the start (a record published again counts again).</summary>
    public long Published { get; init; }
    /// <summary>AMQP messages those records went in (records of several keys share one: docs/gateway.md, message formats).</summary>
    public long MessagesPublished { get; init; }
    /// <summary>
    /// <see cref="Published"/> / <see cref="MessagesPublished"/> (0 before the first message), to 0.1: how well the
    /// publisher packs. About 1–3 at a quiet pace, up to <see cref="KisGatewayOptions.MaxRecordsPerMessage"/> when records
    /// wait (the broker's CPU per record falls with it: docs/performance.md).
    /// </summary>
    public double RecordsPerMessage { get; init; }
    /// <summary>Records published again after a broker failure or a nack.</summary>
    public long Republished { get; init; }
    /// <summary>Records dropped because the buffer was full (<see cref="BufferCapacity"/>).</summary>
    public long Overflowed { get; init; }
    /// <summary>
    /// Records a fleet shard's gateway dropped when its term's lock was lost (unconfirmed, or waiting for the broker):
    /// another process may hold the shard, so they are never published late (docs/gateway.md, Fleet). 0 outside a fleet.
    /// </summary>
    public long Fenced { get; init; }
    /// <summary>
    /// Records dropped unconfirmed at the end of a stop bounded by a budget (<see cref="KisGateway.StopAsync"/>; SIGTERM gives
    /// <c>kisrt gateway</c> 30 s): its publisher was fenced when the budget ran short, so none of them is published after the
    /// stop, and the next run announces where its stream ended. 0 when the stop confirmed everything.
    /// </summary>
    public long StopDropped { get; init; }
    /// <summary>Records held for the broker: waiting to be published plus published and unconfirmed.</summary>
    public long BufferDepth { get; init; }
    /// <summary>The buffer's bound.</summary>
    public int BufferCapacity { get; init; }
    /// <summary>Published and not yet confirmed.</summary>
    public long ConfirmsOutstanding { get; init; }
    /// <summary>The further destinations of every record (<see cref="KisGatewayOptions.Sinks"/>), e.g. PostgreSQL.</summary>
    public IReadOnlyList<GatewaySinkStatus> Sinks { get; init; } = [];
    /// <summary>Records a sink threw on, all sinks together (each lost for that sink only; a sink must not throw).</summary>
    public long SinkFailures { get; init; }
    /// <summary>Requests refused before they reached a registration (no user-id, another identity's claim, over a quota or
    /// the request rate, too large, malformed, a reply queue that is not the requester's); each user's logged at its 1st, 2nd, 4th …</summary>
    public long RequestsRefused { get; init; }
    /// <summary>Streams that exist with other retention than this gateway's options and keep their own (RabbitMQ never
    /// changes a stream's arguments; a policy does: docs/gateway.md, Changing retention).</summary>
    public IReadOnlyList<string> RetentionKept { get; init; } = [];
}

/// <summary>One KIS session of the gateway.</summary>
/// <param name="Index">Its index (the <c>session</c> header).</param>
/// <param name="AppKey">The app key, masked.</param>
/// <param name="State">Its connection state.</param>
/// <param name="Registrations">Registrations it holds or is making (KIS allows 41).</param>
public sealed record GatewaySessionStatus(int Index, string AppKey, KisConnectionState State, int Registrations);

/// <summary>One registration of the gateway.</summary>
/// <param name="Tr">The TR id.</param>
/// <param name="Key">The key.</param>
/// <param name="State">Opening, active, lingering.</param>
/// <param name="Consumers">Consumers holding a claim.</param>
/// <param name="Session">The session carrying it (-1 while opening).</param>
/// <param name="Published">The last <c>seq</c> handed to the publisher: records of this key in this gateway run, earlier registrations of the key
/// included.</param>
public sealed record GatewayRegistrationStatus(string Tr, string Key, string State, int Consumers, int Session, long Published);

/// <summary>A sink's figures (in <see cref="GatewayStatus.Sinks"/>, the status line and the Meter).</summary>
/// <param name="Name">The sink's name.</param>
/// <param name="Received">Records handed to the sink.</param>
/// <param name="Committed">Records the sink has made durable (for PostgreSQL: committed).</param>
/// <param name="Dropped">Records the sink gave up because its queue was full (never written by it; still in the stream).</param>
/// <param name="Retries">Failed attempts retried (lost connection, database restarting).</param>
/// <param name="Failed">Records the sink could not accept for another reason (undecodable, sink stopped).</param>
public sealed record GatewaySinkStatus(string Name, long Received, long Committed, long Dropped, long Retries, long Failed)
{
    /// <summary>Received and not yet committed, dropped nor failed: what the sink still owes.</summary>
    public long Lag => Received - Committed - Dropped - Failed;
}
