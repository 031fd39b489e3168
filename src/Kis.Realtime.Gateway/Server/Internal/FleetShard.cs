using Microsoft.Extensions.Logging;

namespace Kis.Realtime.Gateway.Internal;

/// <summary>
/// One shard of a fleet in this process: a candidate in the shard's own election (<see cref="KisGatewayElection"/> on
/// the shard's active queue) and, while elected, the shard's gateway holding its registrations. Handing the shard over
/// stops the gateway (its KIS session closed, its records confirmed) before the lock is let go, so two processes never
/// publish the shard's keys at once, and joins again at the back of the queue.
/// </summary>
internal sealed partial class FleetShard : IAsyncDisposable
{
    private readonly KisGatewayOptions _options;
    private readonly ILogger _logger;
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Usage", "CA2213",
        Justification = "Nothing to free (no timer, no wait handle); undisposed, a call racing disposal never meets ObjectDisposedException")]
    private readonly SemaphoreSlim _swap = new(1, 1); // one hand-over at a time; guards _candidacy
    private Candidacy _candidacy;
    private KisGateway? _gateway;
    private readonly FleetTakeovers _takeovers;

    public FleetShard(KisGatewayOptions options, FleetShardPlan plan, FleetTakeovers takeovers, ILogger logger)
    {
        _options = options;
        Plan = plan;
        _takeovers = takeovers;
        _logger = logger;
        _candidacy = Join();
    }

    public FleetShardPlan Plan { get; }

    public KisGatewayEndpoint Endpoint => _options.Endpoint;

    /// <summary>Whether this process holds the shard's lock now (never while it stays out after a failure).</summary>
    public GatewayRole Role => Volatile.Read(ref _released) != 0 || Volatile.Read(ref _handingOn) != 0
        ? GatewayRole.Standby
        : Volatile.Read(ref _candidacy).Election.Role;

    private int _handingOn; // 1 from a decline until the hand-over has left the election: not held, not counted as held
    private int _deciding; // 1 from an election here until FleetTakeovers decided to serve or hand on (see IsDeciding)

    /// <summary>Elected here and waiting for <see cref="FleetTakeovers"/> to decide whether to serve it or hand it on unstarted
    /// (the decisions are taken one at a time, seconds for a dead process's shards): the rebalancer counts it neither way.</summary>
    public bool IsDeciding => Volatile.Read(ref _deciding) != 0;

    /// <summary>Why this process is not a candidate in the shard's election (the broker unreachable, credentials refused),
    /// or null while it is one, holds the shard, or stays out after a failure (<see cref="Failure"/> says that).</summary>
    public string? BrokerProblem =>
        Volatile.Read(ref _released) == 0 && Volatile.Read(ref _candidacy).Election is { IsCandidate: false, Role: GatewayRole.Standby } election
            ? election.BrokerProblem
            : null;

    /// <summary>Whether <see cref="BrokerProblem"/> has lasted two election heartbeats: not a blip a reconnect mends.</summary>
    public bool BrokerProblemPersists =>
        BrokerProblem is not null && Volatile.Read(ref _candidacy).Election.BrokerProblemFor >= _options.ElectionHeartbeat * 2;

    /// <summary>The shard's gateway while this process runs it, else null.</summary>
    public KisGateway? Gateway => Volatile.Read(ref _gateway);

    /// <summary>
    /// The ended terms' final figures, all together: received, confirmed, overflowed and dropped at their fence
    /// (<see cref="GatewayStatus.Fenced"/>; a stop's summary counts them). One record replaced whole once a term's gateway is
    /// disposed: four counters updated at different times let a snapshot miss a term's fenced or confirmed records.
    /// </summary>
    public EndedTerms Ended => Volatile.Read(ref _ended);
    private EndedTerms _ended = new(0, 0, 0, 0, 0);
    private readonly Lock _endedGate = new(); // guards the replacing of _ended (read without it: the record is immutable)

    /// <summary>Times this process handed the shard over.</summary>
    public long HandedOver => Interlocked.Read(ref _handedOver);
    private long _handedOver;

    /// <summary>Why this process could not serve the shard at its last try (the exception's type only: a server's text may
    /// carry a secret), or null once it served it.</summary>
    public string? Failure => Volatile.Read(ref _failure);
    private string? _failure;
    private int _failures; // in the current streak; sets the time out of the election
    private int _released; // 1 while out of the election after a failure
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Usage", "CA2213",
        Justification = "Nothing to free (no timer, no wait handle); undisposed, a call racing disposal never meets ObjectDisposedException")]
    private readonly CancellationTokenSource _disposing = new();

    private Candidacy Join()
    {
        var election = KisGatewayElection.Start(_options);
        var stop = new CancellationTokenSource();
        var leaving = stop.Token; // cancelled when this process lets the shard go on purpose, not when the lock is lost
        return new Candidacy(election, stop, election.RunTermsAsync((term, token) => RunTermAsync(term, leaving, token), stop.Token));
    }

    /// <summary>
    /// One term as the shard's holder: its gateway, its registrations held, until the lock goes or the shard is handed
    /// over. A term that cannot serve (KIS unreachable, a key refused, a subscribe timed out) leaves the election, so
    /// the lock never stays idle here while another process could serve the shard, and joins again after a back-off.
    /// </summary>
    private async Task RunTermAsync(long term, CancellationToken leaving, CancellationToken token)
    {
        try
        {
            Volatile.Write(ref _deciding, 1);
            bool decline;
            try
            {
                decline = await _takeovers.DeclineAsync(this, token).ConfigureAwait(false);
                if (decline) Volatile.Write(ref _handingOn, 1);
            }
            finally
            {
                Volatile.Write(ref _deciding, 0);
            }
            if (decline)
            {
                // Over this process's fair share while another process waits for the shard: it goes there before any run starts
                // here (one move, not a takeover and then a hand-over), so a dead process's shards spread over the survivors.
                Log.Declined(_logger, Plan.Name, term);
                _ = Task.Run(HandOnAsync, CancellationToken.None);
                await Task.Delay(Timeout.Infinite, token).ConfigureAwait(false); // the hand-over ends this term
                return;
            }
            await ServeAsync(term, leaving, token).ConfigureAwait(false);
            return;
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            return;
        }
        catch (Exception e)
        {
            // The type, and for a broker's refusal its AMQP code and method (never its text): enough to tell a 404 from a 406.
            var reason = e is RabbitMQ.Client.Exceptions.OperationInterruptedException { ShutdownReason: { } shutdown }
                ? $"{e.GetType().Name} ({shutdown.ReplyCode} on {shutdown.ClassId}.{shutdown.MethodId}, {shutdown.Initiator})"
                : e.GetType().Name;
            if (Interlocked.Exchange(ref _failure, reason) is null) Log.ServeFailed(_logger, Plan.Name, reason); // once per streak
        }
        _ = Task.Run(ReleaseAfterFailureAsync, CancellationToken.None);
        await Task.Delay(Timeout.Infinite, token).ConfigureAwait(false); // the release ends this term; no new term starts before
    }

    private async Task ServeAsync(long term, CancellationToken leaving, CancellationToken token)
    {
        KisGateway gateway;
        var elected = _options with { FollowsHolder = Volatile.Read(ref _candidacy).Election.ElectedAfterHolder };
        // Some starts at a time in this process: a dead process's shards all arrive at once, and each start opens broker
        // connections and reads streams; all together they time out against a busy broker and each takes longer than in turn.
        await _takeovers.Starting.WaitAsync(token).ConfigureAwait(false);
        try
        {
            gateway = await KisGateway.StartAsync(elected, token).ConfigureAwait(false);
        }
        finally
        {
            _takeovers.Starting.Release();
        }
        try
        {
            Volatile.Write(ref _gateway, gateway);
            Log.Holding(_logger, Plan.Name, term, Plan.Registrations.Count, gateway.Run);
            await Task.WhenAll(Plan.Registrations.Select(r => HoldAsync(gateway, r, token))).ConfigureAwait(false);
            if (Interlocked.Exchange(ref _failure, null) is not null) Log.Served(_logger, Plan.Name);
            Volatile.Write(ref _failures, 0);
            await Task.Delay(Timeout.Infinite, token).ConfigureAwait(false);
        }
        finally
        {
            Volatile.Write(ref _gateway, null);
            await EndTermAsync(gateway, lockLost: !leaving.IsCancellationRequested).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Ends a term's gateway. A holder that lost the lock (cut off from the broker, or its term failed) fences its
    /// publisher first: another process may hold the shard already, so nothing of this term is published again (what
    /// it held is dropped, counted and logged; a healed partition would otherwise interleave the two runs). Then it
    /// closes KIS, so the app key is free for the next holder (OPSP8996). A deliberate hand-over keeps the lock until
    /// this returns, so it confirms first and keeps KIS open meanwhile: no records are missed during the wait. The
    /// gateway is disposed whatever fails.
    /// </summary>
    private async Task EndTermAsync(KisGateway gateway, bool lockLost)
    {
        BeginEnding(gateway);
        try
        {
            if (lockLost)
            {
                var dropped = await gateway.FenceAsync().ConfigureAwait(false);
                Log.Fenced(_logger, Plan.Name, dropped);
                await gateway.CloseKisAsync().ConfigureAwait(false);
            }
            else
            {
                await ConfirmOrFenceAsync(gateway).ConfigureAwait(false); // a bounded stop's publisher fenced when out of time
            }
        }
        finally
        {
            try
            {
                await gateway.DisposeAsync().ConfigureAwait(false);
            }
            finally
            {
                // The term's figures after its last confirms: what a stop received and did not get published is counted, not
                // lost. The fence drops on after it is raised (what KIS delivers while the session closes, what the publish
                // loop still held when it ended) and a publisher fenced by a later run's takeover drops too: all of it in
                // the gateway's Fenced, counted, not unconfirmed.
                EndEnding(gateway.CloseIntake()); // its KIS session closed: final (what a failed close still delivers is not taken)
            }
        }
    }

    private async Task HoldAsync(KisGateway gateway, FleetRegistration registration, CancellationToken token)
    {
        try
        {
            await gateway.HoldAsync(registration.Tr, registration.Key, token).ConfigureAwait(false);
        }
        catch (KisSubscriptionException e)
        {
            Log.HoldRefused(_logger, Plan.Name, registration.Tr.Id, registration.Key, e.Message); // KIS refused it: in the status, as any refusal
        }
    }

    /// <summary>Leaves the election after a failed term (the next candidate takes the shard), then joins again after a back-off.</summary>
    private async Task ReleaseAfterFailureAsync()
    {
        try
        {
            await _swap.WaitAsync(_disposing.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return; // disposing: it leaves the election itself
        }
        try
        {
            Volatile.Write(ref _released, 1);
            await _candidacy.DisposeAsync().ConfigureAwait(false);
            var failures = Interlocked.Increment(ref _failures);
            await Task.Delay(_options.ElectionRetryInterval * (1 << Math.Min(failures, 7)), _options.TimeProvider, _disposing.Token).ConfigureAwait(false);
            Volatile.Write(ref _candidacy, Join());
            Volatile.Write(ref _released, 0);
        }
        catch (OperationCanceledException) when (_disposing.IsCancellationRequested)
        {
        }
        finally
        {
            _swap.Release();
        }
    }

    private async Task HandOnAsync()
    {
        try
        {
            await HandOverAsync().ConfigureAwait(false);
        }
        finally
        {
            Volatile.Write(ref _handingOn, 0);
        }
    }

    /// <summary>Stops serving the shard and lets the next candidate (another process) take it; this process stays a candidate.</summary>
    public async Task HandOverAsync()
    {
        await _swap.WaitAsync().ConfigureAwait(false);
        try
        {
            await _candidacy.DisposeAsync().ConfigureAwait(false);
            Interlocked.Increment(ref _handedOver);
            Volatile.Write(ref _candidacy, Join());
        }
        finally
        {
            _swap.Release();
        }
    }

    /// <summary>Leaves the shard: its term ends (<see cref="EndTermAsync"/>), then the lock goes.</summary>
    private async Task LeaveAsync()
    {
        await _disposing.CancelAsync().ConfigureAwait(false);
        await _swap.WaitAsync().ConfigureAwait(false);
        try
        {
            await _candidacy.DisposeAsync().ConfigureAwait(false);
        }
        finally
        {
            _swap.Release();
        }
    }

    /// <summary>One candidacy: the election and the loop running terms; disposing stops the term, then leaves the election (once).</summary>
    private sealed record Candidacy(KisGatewayElection Election, CancellationTokenSource Stop, Task<long> Terms) : IAsyncDisposable
    {
        private int _disposed;

        public async ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
            await Stop.CancelAsync().ConfigureAwait(false);
            try
            {
                await Terms.ConfigureAwait(false);
            }
            catch (Exception)
            {
                // stopped (or a term failed): the election is left all the same, or its lock would stay held here
            }
            finally
            {
                await Election.DisposeAsync().ConfigureAwait(false);
                Stop.Dispose();
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(80, LogLevel.Information, "Fleet shard {Shard}: term {Term}, holding its {Count} registrations (run {Run})")]
        public static partial void Holding(ILogger logger, string shard, long term, int count, string run);

        [LoggerMessage(81, LogLevel.Warning,
            "Fleet shard {Shard}: could not serve it ({Reason}); left its election for another process, joining again after a back-off")]
        public static partial void ServeFailed(ILogger logger, string shard, string reason);

        [LoggerMessage(83, LogLevel.Information, "Fleet shard {Shard}: served again")]
        public static partial void Served(ILogger logger, string shard);

        [LoggerMessage(84, LogLevel.Warning,
            "Fleet shard {Shard}: its lock is lost, so its publisher is fenced: {Dropped} records dropped (counted as Fenced), " +
            "none published after the next holder's")]
        public static partial void Fenced(ILogger logger, string shard, long dropped);

        [LoggerMessage(88, LogLevel.Information,
            "Fleet shard {Shard}: elected (term {Term}) beyond this process's fair share while another process waits for it: handed on unstarted")]
        public static partial void Declined(ILogger logger, string shard, long term);

        [LoggerMessage(82, LogLevel.Warning, "Fleet shard {Shard}: KIS refused {Tr} {Key} ({Reason})")]
        public static partial void HoldRefused(ILogger logger, string shard, string tr, string key, string reason);
    }
}

