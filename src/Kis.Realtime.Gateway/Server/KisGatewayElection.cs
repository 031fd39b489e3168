using Kis.Realtime.Retry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Kis.Realtime.Gateway.Wire;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using RabbitMQ.Client.Exceptions;

namespace Kis.Realtime.Gateway;

/// <summary>A gateway process's part in its namespace: the one active gateway, or a standby waiting to take over.</summary>
public enum GatewayRole
{
    /// <summary>Waiting: another process holds the active lock (or the broker cannot be reached).</summary>
    Standby,
    /// <summary>Holds the active lock: this process runs the gateway (the KIS sessions).</summary>
    Active,
}

/// <summary>
/// Elects the one active gateway of a namespace among any number of processes with RabbitMQ's own primitive, single
/// active consumer: every process consumes <see cref="KisGatewayEndpoint.ActiveQueue"/> (<c>x-single-active-consumer</c>)
/// on a connection with a short heartbeat (<see cref="KisGatewayOptions.ElectionHeartbeat"/>) and puts a token message
/// in it; the broker delivers only to its one active consumer, which holds the token unacknowledged and so knows it is
/// elected. When that connection dies (at once when the process is killed or stops, after missed heartbeats when the
/// network goes) the broker requeues the token and delivers it to the next consumer. Nothing in this is an error to the
/// broker (an exclusive queue declared every 500 ms by each standby logged two error lines a try). Standbys also
/// consume <see cref="KisGatewayEndpoint.StandbyQueue"/>, so its consumer count is the number of standbys. An active
/// process that loses its connection loses the lock: the token <see cref="WaitUntilActiveAsync"/> gave it is cancelled
/// (stop the gateway: another process may be active already) and it goes back to standby.
/// <code>
/// await using var election = KisGatewayElection.Start(options);
/// var term = await election.WaitUntilActiveAsync(stop);   // a standby waits here, holding no KIS session
/// await using var gateway = await KisGateway.StartAsync(options); // run until term or stop is cancelled
/// </code>
/// </summary>
public sealed partial class KisGatewayElection : IAsyncDisposable
{
    private readonly KisGatewayOptions _options;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _gate = new(); // guards _active, _role
    private TaskCompletionSource<CancellationToken> _active = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private GatewayRole _role = GatewayRole.Standby;
    private readonly Task _loop;
    private long _terms;

    private KisGatewayElection(KisGatewayOptions options)
    {
        options.Validate();
        _options = options;
        _logger = (options.LoggerFactory ?? NullLoggerFactory.Instance).CreateLogger<KisGatewayElection>();
        _loop = Task.Run(() => RunAsync(_stop.Token));
    }

    /// <summary>Joins the election of <see cref="KisGatewayOptions.Endpoint"/>'s namespace (as a standby until elected).</summary>
    public static KisGatewayElection Start(KisGatewayOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new KisGatewayElection(options);
    }

    /// <summary>Active or standby now.</summary>
    public GatewayRole Role
    {
        get
        {
            lock (_gate) return _role;
        }
    }

    /// <summary>
    /// What the broker said when the election last failed to connect or lost its connection (e.g. "authentication refused
    /// for user X on vhost Y", "the broker cannot be reached (…)"); null while connected. A standby with a problem is not
    /// waiting behind another gateway: it cannot reach the election at all.
    /// </summary>
    public string? BrokerProblem => Volatile.Read(ref _problem);
    private string? _problem;
    private long _problemRepeats;
    private long _problemSince; // when the current problem began (TimeProvider timestamp)

    /// <summary>How long <see cref="BrokerProblem"/> has lasted; zero without one.</summary>
    internal TimeSpan BrokerProblemFor =>
        Volatile.Read(ref _problem) is null ? TimeSpan.Zero : _options.TimeProvider.GetElapsedTime(Volatile.Read(ref _problemSince));

    /// <summary>
    /// True while this process is a candidate in the broker's election (consuming the active queue, its token published):
    /// not active then means another gateway holds the lock. False while it is still connecting or joining, which on a
    /// slow broker or a busy machine can take seconds with no other gateway anywhere.
    /// </summary>
    public bool IsCandidate => Volatile.Read(ref _candidate);
    private bool _candidate;

    /// <summary>Times this process became active.</summary>
    public long Terms => Interlocked.Read(ref _terms);

    /// <summary>
    /// Waits until this process holds the active lock; returns a token cancelled when it loses it (its broker connection
    /// went): the gateway must stop then, as a standby may be active already.
    /// </summary>
    public Task<CancellationToken> WaitUntilActiveAsync(CancellationToken cancellationToken)
    {
        Task<CancellationToken> active;
        lock (_gate) active = _active.Task;
        return active.WaitAsync(cancellationToken);
    }

    /// <summary>
    /// What a gateway process does with its election, until <paramref name="stop"/>: waits to be active, runs
    /// <paramref name="runTerm"/> with a token cancelled when the lock is lost or <paramref name="stop"/> comes, and
    /// after a lost lock waits again. Used by <c>KisGatewayService</c> (Kis.Realtime.Gateway.Hosting) and <c>kisrt gateway</c>.
    /// </summary>
    /// <param name="runTerm">One term as the active gateway: the term's number and its token; should return once the token is cancelled.</param>
    /// <param name="stop">Ends the loop (a term in progress is cancelled and awaited).</param>
    /// <returns>How many terms ran.</returns>
    public async Task<long> RunTermsAsync(Func<long, CancellationToken, Task> runTerm, CancellationToken stop)
    {
        ArgumentNullException.ThrowIfNull(runTerm);
        long ran = 0;
        while (!stop.IsCancellationRequested)
        {
            CancellationToken term;
            try
            {
                term = await WaitUntilActiveAsync(stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                break;
            }
            using var run = CancellationTokenSource.CreateLinkedTokenSource(stop, term);
            ran++;
            try
            {
                await runTerm(Terms, run.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (run.IsCancellationRequested)
            {
                // stopped, or the lock lost, while the term was starting
            }
        }
        return ran;
    }

    private Task RunAsync(CancellationToken stop)
    {
        var endpoint = _options.Endpoint;
        // Reconnecting to an unreachable broker backs off (to 10 polls' time); a reachable one resets it, so a lost
        // lock is retried within one poll interval.
        var backoff = new ExponentialBackoff(_options.ElectionRetryInterval, _options.ElectionRetryInterval * 10);
        CancellationTokenSource? term = null; // this connection's term as the active process, once elected
        var dropped = false; // the connection went by the broker or the client library (a missed heartbeat), not by this process
        return BrokerReconnectLoop.RunAsync(new BrokerConnectionSteps
        {
            Connect = token =>
            {
                var factory = endpoint.CreateFactory("kisrt-gateway-election");
                factory.RequestedHeartbeat = _options.ElectionHeartbeat; // the broker notices a dead or cut-off active this soon
                return factory.CreateConnectionAsync(token);
            },
            WhileConnected = async (connection, token) =>
            {
                using var lost = CancellationTokenSource.CreateLinkedTokenSource(token);
                dropped = false;
                connection.ConnectionShutdownAsync += (_, args) =>
                {
                    dropped = args.Initiator != ShutdownInitiator.Application;
                    lost.Cancel();
                    return Task.CompletedTask;
                };
                _options.BrokerCall(BrokerCallSites.Election);
                var standby = await connection.OpenChannelAsync(token).ConfigureAwait(false);
                await standby.QueueDeclareAsync(endpoint.StandbyQueue, durable: false, exclusive: false, autoDelete: true, cancellationToken: token)
                    .ConfigureAwait(false);
                await standby.BasicConsumeAsync(endpoint.StandbyQueue, autoAck: true, new AsyncEventingBasicConsumer(standby), token).ConfigureAwait(false);
                var elected = await JoinAsync(connection, lost).ConfigureAwait(false);
                Volatile.Write(ref _candidate, true);
                Volatile.Write(ref _problem, null);
                _problemRepeats = 0;
                Log.Standby(_logger, endpoint.ActiveQueue);
                backoff.Reset();
                await elected.WaitAsync(lost.Token).ConfigureAwait(false);
                await standby.CloseAsync(token).ConfigureAwait(false); // no longer counted as a standby
                term = CancellationTokenSource.CreateLinkedTokenSource(lost.Token);
                lock (_gate)
                {
                    _role = GatewayRole.Active;
                    _active.TrySetResult(term.Token);
                }
                Interlocked.Increment(ref _terms);
                Log.Active(_logger, endpoint.ActiveQueue);
                await Task.Delay(Timeout.Infinite, lost.Token).ConfigureAwait(false);
            },
            OnLost = e =>
            {
                var problem = e is OperationCanceledException ? "connection to the broker lost" : endpoint.DescribeFault(e);
                if (term is not null) Log.LockLost(_logger, Holder, Interlocked.Read(ref _terms), problem);
                else if (e is not OperationCanceledException) Say(problem);
                // A dropped connection is a problem too (a heartbeat loss: cut off from the broker), until the election joins
                // again; a round this process ended (a consumer cancelled, a lock given up) is not.
                if (e is OperationCanceledException && !dropped) return true;
                if (Volatile.Read(ref _problem) is null) Volatile.Write(ref _problemSince, _options.TimeProvider.GetTimestamp());
                Volatile.Write(ref _problem, problem);
                return true;
            },
            AfterEach = async () =>
            {
                Volatile.Write(ref _candidate, false);
                lock (_gate)
                {
                    if (_role == GatewayRole.Active) _active = new TaskCompletionSource<CancellationToken>(TaskCreationOptions.RunContinuationsAsynchronously);
                    _role = GatewayRole.Standby;
                }
                if (term is not null)
                {
                    await term.CancelAsync().ConfigureAwait(false);
                    term.Dispose();
                    term = null;
                }
            },
        }, backoff, _options.TimeProvider, stop);
    }

    /// <summary>A failure to join: logged when it differs from the last, else at its 1st, 2nd, 4th … repeat (not a line a try).</summary>
    private void Say(string problem)
    {
        if (problem != Volatile.Read(ref _problem)) _problemRepeats = 0;
        if (++_problemRepeats is var n && (n & (n - 1)) == 0) Log.Unreachable(_logger, problem, n);
    }

    /// <summary>Whether this process's current (or last) term followed another holder (it joined behind another candidate, or
    /// its token had been held): a run of that holder most likely wrote a checkpoint, so a start waits longer to read it
    /// (<c>RunJournal</c>). A false positive (the holder handed the shard on unstarted) costs one start that wait.</summary>
    internal bool ElectedAfterHolder => Volatile.Read(ref _electedAfterHolder);
    private bool _electedAfterHolder;

    /// <summary>
    /// Consumes the active queue as one of its single-active-consumer candidates and puts a token in it; completes when
    /// the broker delivers a token here (this consumer is the active one). Tokens beyond one wait in the queue
    /// (<c>x-max-length</c> 1 keeps one), all of them go to the active consumer only, and the one it holds unacknowledged
    /// goes back to the queue, and to the next consumer, when its connection dies.
    /// </summary>
    /// <param name="connection">The election's connection.</param>
    /// <param name="lost">Cancelled when the broker cancels this consumer (the queue's node went, an operator deleted it):
    /// the token is gone with it, so an active process has lost the lock and every process joins again.</param>
    private async Task<Task> JoinAsync(IConnection connection, CancellationTokenSource lost)
    {
        var cancellationToken = lost.Token;
        var channel = await connection.OpenChannelAsync(cancellationToken).ConfigureAwait(false);
        var queue = _options.Endpoint.ActiveQueue;
        var declared = await channel.QueueDeclareAsync(queue, durable: false, exclusive: false, autoDelete: true, ActiveQueueArguments,
            cancellationToken: cancellationToken).ConfigureAwait(false);
        var behind = declared.ConsumerCount > 0; // another candidate (one of them the holder) was there before this one
        await channel.BasicQosAsync(0, 1, false, cancellationToken).ConfigureAwait(false); // one token held, never acknowledged
        var elected = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += (_, delivery) =>
        {
            // Joined behind another candidate, or a token delivered before and put back (its holder's channel closed
            // unacknowledged): the shard had a holder before this term.
            Volatile.Write(ref _electedAfterHolder, behind || delivery.Redelivered);
            elected.TrySetResult();
            return Task.CompletedTask;
        };
        consumer.UnregisteredAsync += (_, _) =>
        {
            try { lost.Cancel(); } catch (ObjectDisposedException) { /* this connection's round is over already */ }
            return Task.CompletedTask;
        };
        await channel.BasicConsumeAsync(queue, autoAck: false, consumer, cancellationToken).ConfigureAwait(false);
        // After consuming: the token of a lone process comes straight back to it.
        await channel.BasicPublishAsync("", queue, false, new BasicProperties(), Array.Empty<byte>(), cancellationToken).ConfigureAwait(false);
        return elected.Task;
    }

    /// <summary>The active queue's arguments (the same for every process: a declaration never conflicts).</summary>
    internal static readonly Dictionary<string, object?> ActiveQueueArguments = new()
    {
        ["x-single-active-consumer"] = true,
        ["x-max-length"] = 1, // spare tokens: one waits, the older is dropped
    };

    /// <summary>Processes waiting as standbys in <paramref name="endpoint"/>'s namespace (0 when none is).</summary>
    /// <exception cref="KisConnectionException">The broker cannot be reached.</exception>
    public static async Task<int> CountStandbysAsync(KisGatewayEndpoint endpoint, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        IConnection connection;
        try
        {
            connection = await endpoint.CreateFactory("kisrt-gateway-status").CreateConnectionAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (BrokerUnreachableException e)
        {
            throw new KisConnectionException(new Uri(endpoint.DisplayUri), $"RabbitMQ is not reachable: {e.InnerException?.Message ?? e.Message}", e);
        }
        await using (connection.ConfigureAwait(false)) return await CountStandbysAsync(connection, endpoint, cancellationToken).ConfigureAwait(false);
    }

    /// <param name="connection">An open connection.</param>
    /// <param name="endpoint">The namespace.</param>
    /// <param name="declare">Declare the queue as standbys do rather than passively: a passive declaration of a queue no
    /// standby has declared is refused, which the broker logs as a channel error (the gateway's own user, counting every
    /// few seconds, declares; a consumer's <c>status</c>, which may not, looks passively).</param>
    /// <param name="cancellationToken">Cancels.</param>
    internal static async Task<int> CountStandbysAsync(IConnection connection, KisGatewayEndpoint endpoint, CancellationToken cancellationToken,
        bool declare = false)
    {
        var channel = await connection.OpenChannelAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var declared = declare
                ? await channel.QueueDeclareAsync(endpoint.StandbyQueue, durable: false, exclusive: false, autoDelete: true,
                    cancellationToken: cancellationToken).ConfigureAwait(false)
                : await channel.QueueDeclarePassiveAsync(endpoint.StandbyQueue, cancellationToken).ConfigureAwait(false);
            await channel.CloseAsync(cancellationToken).ConfigureAwait(false);
            return (int)declared.ConsumerCount;
        }
        catch (OperationInterruptedException e) when (e.ShutdownReason?.ReplyCode == Constants.NotFound)
        {
            return 0; // no standby has declared it (it goes with its last consumer)
        }
        finally
        {
            channel.Dispose();
        }
    }

    /// <summary>What this election's lock is of, in its log lines: a fleet process has one a shard, so each names its shard.</summary>
    private string Holder => _options.Endpoint.Shard is { } shard ? "shard " + shard
        : _options.FleetShards > 0 || _options.FleetClaimsShard ? "shard " + KisGatewayFleet.ClaimsShardName
        : "namespace " + _options.Endpoint.Namespace;

    /// <summary>Leaves the election (an active process releases the lock: a standby takes over).</summary>
    public async ValueTask DisposeAsync()
    {
        if (_stop.IsCancellationRequested) return;
        await _stop.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(false);
        _stop.Dispose();
    }

    private static partial class Log
    {
        [LoggerMessage(60, LogLevel.Information,
            "Standby: waiting for {Queue} (single active consumer); active at once when no other gateway holds it, else when it goes")]
        public static partial void Standby(ILogger logger, string queue);

        [LoggerMessage(61, LogLevel.Information, "Active: this gateway holds {Queue}")]
        public static partial void Active(ILogger logger, string queue);

        [LoggerMessage(62, LogLevel.Warning, "Lost the active lock of {Holder}, term {Term} ({Reason}): stopping this run, back to standby")]
        public static partial void LockLost(ILogger logger, string holder, long term, string reason);

        [LoggerMessage(63, LogLevel.Warning, "Election: {Reason}; not active nor standby, retrying ({Tries} tries so far)")]
        public static partial void Unreachable(ILogger logger, string reason, long tries);
    }
}
