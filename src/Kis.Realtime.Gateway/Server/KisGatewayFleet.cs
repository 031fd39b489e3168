using Kis.Realtime.Gateway.Internal;
using Kis.Realtime.Gateway.Wire;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Kis.Realtime.Gateway;

/// <summary>
/// One process of a gateway fleet: several processes, on one machine or many, in one namespace, each serving a share
/// of the app keys. The standing universe (<see cref="KisGatewayFleetOptions.Universe"/>) is spread over the keys, 41
/// registrations each; each such key is a shard with its own election (RabbitMQ single active consumer, as
/// <see cref="KisGatewayElection"/>), and every process is a candidate for every shard, so a shard has at most one
/// holder and, when its holder dies or stops, the next candidate takes it within the election's heartbeat. Every
/// <see cref="KisGatewayFleetOptions.RebalanceInterval"/> a process counts the live processes (consumers of
/// <see cref="KisGatewayEndpoint.FleetQueue"/>) and hands over the shards it holds beyond its fair share, ceil(shards /
/// live processes), when another candidate waits for them. The spare app keys form the claims shard, the gateway on the
/// namespace's own request queue, which answers consumers' ad-hoc claims as a single gateway does.
/// <code>
/// await using var fleet = KisGatewayFleet.Start(KisGatewayFleetOptions.Default with { Gateway = options, Universe = universe });
/// </code>
/// </summary>
public sealed partial class KisGatewayFleet : IAsyncDisposable
{
    /// <summary>The claims shard's name in statuses.</summary>
    public const string ClaimsShardName = "claims";

    private readonly KisGatewayFleetOptions _options;
    private readonly ILogger _logger;
    private readonly IReadOnlyList<FleetShard> _shards;
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Usage", "CA2213",
        Justification = "Disposed by StopCoreAsync with what is left of the stop's budget (DisposeAsync(TimeSpan))")]
    private readonly FleetTakeovers _takeovers;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _rebalancing;
    private int _liveProcesses;
    private int _excessBefore, _othersBefore; // the rebalancing loop's own: its previous tick's excess and other-plan count
    private bool _statusFailed; // the rebalancing loop's own: the last status publish failed
    private int _disposed;

    private KisGatewayFleet(KisGatewayFleetOptions options)
    {
        _options = options;
        var loggerFactory = options.Gateway.LoggerFactory ?? NullLoggerFactory.Instance;
        _logger = loggerFactory.CreateLogger<KisGatewayFleet>();
        var plan = options.Plan();
        var universeShards = plan.Count(p => p.Shard is not null);
        var claims = plan.Any(p => p.Shard is null);
        var shardLogger = loggerFactory.CreateLogger<FleetShard>();
        var environment = options.Gateway.Client.Environment;
        PlanFingerprint = Fingerprint(plan);
        _takeovers = new FleetTakeovers(options.Gateway.Endpoint, _logger);
        var universe = plan.SelectMany(p => p.Registrations).Select(r => KisTrs.ForEnvironment(r.Tr, environment).Id + " " + r.Key)
            .ToHashSet(StringComparer.Ordinal);
        _shards = plan.Select(p => new FleetShard(options.Gateway with
        {
            Client = options.Gateway.Client with
            {
                Credentials = p.Credentials,
                AppKeyInUseFirstRetryDelay = options.AppKeyInUseRetryDelay, // doubling up to the client's 65 s
            },
            Endpoint = options.Gateway.Endpoint with { Shard = p.Shard },
            FleetShards = universeShards,
            FleetClaimsShard = claims,
            FleetPlan = PlanFingerprint,
            ProcessName = Name,
            FleetUniverse = universe,
            FleetShardKeys = p.Registrations.Select(r => (KisTrs.ForEnvironment(r.Tr, environment).Id, r.Key)).ToList(),
            FleetTakeovers = _takeovers,
        }, p, _takeovers, shardLogger)).ToList();
        _takeovers.Track(_shards);
        _rebalancing = Task.Run(() => RebalanceAsync(_stop.Token));
    }

    /// <summary>Joins the fleet of <see cref="KisGatewayOptions.Endpoint"/>'s namespace as a candidate for every shard.</summary>
    /// <exception cref="ArgumentException">An option is out of range, or the universe needs more app keys than given.</exception>
    public static KisGatewayFleet Start(KisGatewayFleetOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        return new KisGatewayFleet(options);
    }

    /// <summary>
    /// A hash of the plan (each shard's app keys and registrations, in order; no secret): processes on different plans
    /// would hold the same app key in different shards' elections and publish a key twice, so a process counts only
    /// the processes on its own plan and reports the others (<see cref="GatewayFleetStatus.OtherPlanProcesses"/>).
    /// </summary>
    public string PlanFingerprint { get; }

    /// <summary>Live processes of the fleet's namespace on another plan at the last count; 0 when all agree.</summary>
    public int OtherPlanProcesses => Volatile.Read(ref _otherPlanProcesses);
    private int _otherPlanProcesses;

    private static string Fingerprint(IReadOnlyList<FleetShardPlan> plan)
    {
        var text = string.Join('\n', plan.Select(p => p.Name + ":" + string.Join(',', p.Credentials.Select(c => c.AppKey)) + ":"
            + string.Join(',', p.Registrations.Select(r => r.Tr.Id + " " + r.Key))));
        return Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text)).AsSpan(0, 8));
    }

    private string PlanQueue => _options.Gateway.Endpoint.FleetQueue + ".plan-" + PlanFingerprint;

    /// <summary>This process's name in statuses.</summary>
    public string Name => _options.Name ?? KisGateway.ProcessName;

    /// <summary>Live processes of the fleet at the last count (this one included); 0 until counted.</summary>
    public int LiveProcesses => Volatile.Read(ref _liveProcesses);

    /// <summary>The most shards one process holds when the fleet is balanced: ceil(shards / live processes).</summary>
    public int FairShare => (_shards.Count + Math.Max(1, LiveProcesses) - 1) / Math.Max(1, LiveProcesses);

    /// <summary>This process's shards now: which it holds, and the figures of their gateways.</summary>
    public GatewayFleetStatus Status() =>
        new(Name, LiveProcesses, FairShare, _shards.Select(ShardStatus).ToList(), PlanFingerprint, OtherPlanProcesses);

    private static GatewayFleetShardStatus ShardStatus(FleetShard s)
    {
        var ended = s.Ended; // one record: its figures add up
        return new GatewayFleetShardStatus(s.Plan.Name, s.Role, s.Plan.Credentials.Count, s.Plan.Registrations.Count, s.HandedOver,
            s.Gateway?.Status(), s.Failure, s.BrokerProblem)
        {
            BrokerProblemPersists = s.BrokerProblemPersists, Fenced = ended.Fenced, EndedReceived = ended.Received,
            EndedConfirmed = ended.Confirmed, EndedOverflowed = ended.Overflowed, StopDropped = ended.StopDropped,
        };
    }

    private async Task RebalanceAsync(CancellationToken stop)
    {
        IConnection? connection = null;
        IChannel? channel = null;
        using var timer = new PeriodicTimer(_options.RebalanceInterval, _options.Gateway.TimeProvider);
        try
        {
            while (await timer.WaitForNextTickAsync(stop).ConfigureAwait(false))
            {
                try
                {
                    if (connection is not { IsOpen: true } || channel is not { IsOpen: true })
                    {
                        if (connection is not null) await connection.DisposeAsync().ConfigureAwait(false);
                        (connection, channel) = await JoinPresenceAsync(stop).ConfigureAwait(false);
                    }
                    await RebalanceOnceAsync(channel, stop).ConfigureAwait(false);
                }
                catch (Exception e) when (e is not OperationCanceledException || !stop.IsCancellationRequested)
                {
                    Log.RebalanceFailed(_logger, e.Message); // the broker gone: the elections notice on their own; counted again next tick
                    channel = null;
                }
                try
                {
                    await PublishStatusAsync(stop).ConfigureAwait(false);
                    _statusFailed = false;
                }
                catch (Exception e) when (e is not OperationCanceledException || !stop.IsCancellationRequested)
                {
                    if (!_statusFailed) Log.StatusNotPublished(_logger, e.Message); // once a streak
                    _statusFailed = true;
                    // Tried again a publish interval later, not every tick: a user refused the status stream would
                    // otherwise open a connection and queue for a declaration turn every second.
                    Interlocked.Exchange(ref _statusPublishedAt, System.Diagnostics.Stopwatch.GetTimestamp());
                    await CloseStatusAsync(Timeout.InfiniteTimeSpan, last: false).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
        finally
        {
            // The status connection stays for the last record: DisposeAsync's, once the shards are handed on.
            if (connection is not null) await connection.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Consumes the fleet queue: this process counts among the live ones while its connection lives.</summary>
    private async Task<(IConnection, IChannel)> JoinPresenceAsync(CancellationToken stop)
    {
        var endpoint = _options.Gateway.Endpoint;
        var factory = endpoint.CreateFactory("kisrt-gateway-fleet");
        factory.RequestedHeartbeat = _options.Gateway.ElectionHeartbeat; // a cut-off process stops counting as soon as its elections let go
        var connection = await factory.CreateConnectionAsync(stop).ConfigureAwait(false);
        var channel = await connection.OpenChannelAsync(stop).ConfigureAwait(false);
        await channel.QueueDeclareAsync(endpoint.FleetQueue, durable: false, exclusive: false, autoDelete: true, cancellationToken: stop).ConfigureAwait(false);
        await channel.BasicConsumeAsync(endpoint.FleetQueue, autoAck: true, new AsyncEventingBasicConsumer(channel), stop).ConfigureAwait(false);
        await channel.QueueDeclareAsync(PlanQueue, durable: false, exclusive: false, autoDelete: true, cancellationToken: stop).ConfigureAwait(false);
        await channel.BasicConsumeAsync(PlanQueue, autoAck: true, new AsyncEventingBasicConsumer(channel), stop).ConfigureAwait(false);
        return (connection, channel);
    }

    private async Task RebalanceOnceAsync(IChannel channel, CancellationToken stop)
    {
        var endpoint = _options.Gateway.Endpoint;
        var all = (int)(await channel.QueueDeclareAsync(endpoint.FleetQueue, durable: false, exclusive: false, autoDelete: true, cancellationToken: stop)
            .ConfigureAwait(false)).ConsumerCount;
        var live = (int)(await channel.QueueDeclareAsync(PlanQueue, durable: false, exclusive: false, autoDelete: true, cancellationToken: stop)
            .ConfigureAwait(false)).ConsumerCount;
        Volatile.Write(ref _liveProcesses, live); // the fair share counts only the processes that can take this plan's shards
        // Two ticks in a row: a process that just died can leave one queue's count before the other's (not another plan).
        var others = Math.Min(Math.Max(0, all - live), _othersBefore);
        _othersBefore = Math.Max(0, all - live);
        if (Interlocked.Exchange(ref _otherPlanProcesses, others) == 0 && others > 0) Log.OtherPlan(_logger, others, PlanFingerprint);
        // A shard elected here and not yet decided on (FleetTakeovers: a dead process's shards, decided one at a time) counts
        // neither way: most of them are handed on unstarted, and handing over a running shard for them moves it for nothing.
        var held = _shards.Where(s => s.Role == GatewayRole.Active && !s.IsDeciding).Reverse().ToList();
        var excess = held.Count - FairShare;
        // Only an excess seen on two ticks in a row: a hand-over just decided still counts as held for a moment.
        var before = _excessBefore;
        _excessBefore = excess;
        if (excess <= 0 || before <= 0 || live < 2) return;
        excess = Math.Min(excess, before);
        var handing = new List<FleetShard>();
        foreach (var shard in held)
        {
            if (handing.Count == excess) break;
            // Only to a candidate waiting now: a shard handed to nobody comes back here after a gap for nothing.
            var candidates = (await channel.QueueDeclareAsync(shard.Endpoint.ActiveQueue, durable: false, exclusive: false, autoDelete: true,
                KisGatewayElection.ActiveQueueArguments, cancellationToken: stop).ConfigureAwait(false)).ConsumerCount;
            if (candidates >= 2) handing.Add(shard);
        }
        if (handing.Count == 0) return;
        Log.HandingOver(_logger, string.Join(", ", handing.Select(s => s.Plan.Name)), held.Count, FairShare, live);
        await Task.WhenAll(handing.Select(s => s.HandOverAsync())).ConfigureAwait(false);
    }

    /// <summary>Tests: the takeover decisions this process's shards share.</summary>
    internal FleetTakeovers Takeovers => _takeovers;

    /// <summary>Tests: runs after each shard's disposal in <see cref="DisposeAsync"/>; what it throws is that disposal throwing.</summary>
    internal Func<string, Task>? AfterShardDisposed { get; set; }

    private async Task DisposeShardAsync(FleetShard shard, TimeSpan bound)
    {
        await shard.DisposeAsync(bound).ConfigureAwait(false);
        if (AfterShardDisposed is { } fault) await fault(shard.Plan.Name).ConfigureAwait(false);
    }

    /// <summary>
    /// Leaves the fleet as <see cref="DisposeAsync"/> does, within <paramref name="budget"/> where it can: the last status
    /// record (that this process left) waits for the broker's confirm only for what is left of it less 1 s for the status
    /// connection's close, at most 5 s, and is not tried once nothing is left; the status and takeovers connections' closes
    /// wait only for what is left then (none left: closed in the background). The shards' own stop has what is left less
    /// <see cref="AfterShardsReserve"/>: each waits for its confirms until its last 5 s (half of it when less than 10 s), then fences its publisher (what
    /// is still unconfirmed is dropped and counted, <see cref="GatewayFleetShardStatus.StopDropped"/>), and a shard not done
    /// by then is counted as it stands and goes on stopping in the background (its lock let go once its gateway is done).
    /// <c>kisrt gateway --fleet</c> passes the 30 s a SIGTERM gives it less 2 s for its summary.
    /// </summary>
    /// <param name="budget">The time the stop has from now; <see cref="Timeout.InfiniteTimeSpan"/> for none (5 s for the record).</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="budget"/> is negative and not infinite.</exception>
    public ValueTask StopAsync(TimeSpan budget)
    {
        if (budget < TimeSpan.Zero && budget != Timeout.InfiniteTimeSpan) throw new ArgumentOutOfRangeException(nameof(budget), budget, "negative");
        return StopCoreAsync(budget);
    }

    /// <summary>Leaves the fleet: every shard's gateway stops and its lock goes to the next candidate.</summary>
    public ValueTask DisposeAsync() => StopCoreAsync(Timeout.InfiniteTimeSpan);

    private async ValueTask StopCoreAsync(TimeSpan budget)
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        await _stop.CancelAsync().ConfigureAwait(false);
        await _rebalancing.ConfigureAwait(false);
        try
        {
            try
            {
                var shardsBound = budget == Timeout.InfiniteTimeSpan ? budget : Left(budget, started) - AfterShardsReserve;
                await Task.WhenAll(_shards.Select(s => DisposeShardAsync(s, shardsBound))).ConfigureAwait(false);
            }
            finally
            {
                // Published even when a shard's disposal threw: every shard has left its election by then (a candidacy's
                // disposal leaves it whatever its term did), so status --fleet lists the process as gone, not as a standby.
                await PublishLeftAsync(budget == Timeout.InfiniteTimeSpan ? null : Left(budget, started)).ConfigureAwait(false);
            }
        }
        finally
        {
            // A shard's disposal that threw still closes the status connection and the takeovers' (else both leak).
            // Both bounded by what is left of the budget (the shards' own stop is not: each confirms and hands on its shard).
            await CloseStatusAsync(Left(budget, started), last: true).ConfigureAwait(false);
            await _takeovers.DisposeAsync(Left(budget, started)).ConfigureAwait(false);
            _stop.Dispose();
        }
    }

    /// <summary>What a bounded stop keeps for after the shards' stop: the left record and the status and takeovers closes.</summary>
    private static readonly TimeSpan AfterShardsReserve = TimeSpan.FromSeconds(2);

    /// <summary>What is left of <paramref name="budget"/> since <paramref name="started"/>; infinite stays infinite.</summary>
    private static TimeSpan Left(TimeSpan budget, long started) => budget == Timeout.InfiniteTimeSpan ? budget
        : budget - System.Diagnostics.Stopwatch.GetElapsedTime(started);

    private static partial class Log
    {
        [LoggerMessage(85, LogLevel.Information, "Fleet: handing over shard(s) {Shards}: holding {Held}, fair share {Share} of {Live} live processes")]
        public static partial void HandingOver(ILogger logger, string shards, int held, int share, int live);

        [LoggerMessage(87, LogLevel.Error, "Fleet: {Others} live process(es) in this namespace run another plan than this one's ({Plan}: "
            + "the app keys and universe in order): they would hold the same app keys in other shards; give every process the same files")]
        public static partial void OtherPlan(ILogger logger, int others, string plan);

        [LoggerMessage(86, LogLevel.Warning, "Fleet: could not count the live processes ({Reason}); trying again")]
        public static partial void RebalanceFailed(ILogger logger, string reason);

        [LoggerMessage(101, LogLevel.Warning, "Fleet: could not publish this process's status ({Reason}); trying again each rebalance " +
            "(`kisrt gateway status --fleet` leaves a process out whose status is older than 10 s)")]
        public static partial void StatusNotPublished(ILogger logger, string reason);

        [LoggerMessage(103, LogLevel.Warning, "Fleet: could not publish that this process left ({Reason}): " +
            "`kisrt gateway status --fleet` lists it as a standby until its last status is 10 s old")]
        public static partial void LeftNotPublished(ILogger logger, string reason);
    }
}
