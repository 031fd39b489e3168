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
    private readonly SemaphoreSlim _swap = new(1, 1); // one hand-over at a time; guards _candidacy
    private Candidacy _candidacy;
    private KisGateway? _gateway;

    public FleetShard(KisGatewayOptions options, FleetShardPlan plan, ILogger logger)
    {
        _options = options;
        Plan = plan;
        _logger = logger;
        _candidacy = Join();
    }

    public FleetShardPlan Plan { get; }

    public KisGatewayEndpoint Endpoint => _options.Endpoint;

    /// <summary>Whether this process holds the shard's lock now.</summary>
    public GatewayRole Role => Volatile.Read(ref _candidacy).Election.Role;

    /// <summary>The shard's gateway while this process runs it, else null.</summary>
    public KisGateway? Gateway => Volatile.Read(ref _gateway);

    /// <summary>Times this process handed the shard over.</summary>
    public long HandedOver => Interlocked.Read(ref _handedOver);
    private long _handedOver;

    private Candidacy Join()
    {
        var election = KisGatewayElection.Start(_options);
        var stop = new CancellationTokenSource();
        return new Candidacy(election, stop, election.RunTermsAsync(RunTermAsync, stop.Token));
    }

    /// <summary>One term as the shard's holder: its gateway, its registrations held, until the lock goes or the shard is handed over.</summary>
    private async Task RunTermAsync(long term, CancellationToken token)
    {
        KisGateway gateway;
        try
        {
            gateway = await KisGateway.StartAsync(_options, token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            Log.StartFailed(_logger, Plan.Name, e.Message);
            await Task.Delay(_options.ElectionRetryInterval * 4, token).ConfigureAwait(false); // still elected: the next term tries again
            return;
        }
        try
        {
            Volatile.Write(ref _gateway, gateway);
            Log.Holding(_logger, Plan.Name, term, Plan.Registrations.Count, gateway.Run);
            await Task.WhenAll(Plan.Registrations.Select(r => HoldAsync(gateway, r, token))).ConfigureAwait(false);
            await Task.Delay(Timeout.Infinite, token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
        }
        finally
        {
            Volatile.Write(ref _gateway, null);
            // Everything handed to the publisher confirmed, then the KIS session closed: only then may the next holder start.
            await gateway.WaitForConfirmsAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
            await gateway.DisposeAsync().ConfigureAwait(false);
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

    public async ValueTask DisposeAsync()
    {
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

    /// <summary>One candidacy: the election and the loop running terms; disposing stops the term, then leaves the election.</summary>
    private sealed record Candidacy(KisGatewayElection Election, CancellationTokenSource Stop, Task<long> Terms) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await Stop.CancelAsync().ConfigureAwait(false);
            try
            {
                await Terms.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
            await Election.DisposeAsync().ConfigureAwait(false);
            Stop.Dispose();
        }
    }

    private static partial class Log
    {
        [LoggerMessage(80, LogLevel.Information, "Fleet shard {Shard}: term {Term}, holding its {Count} registrations (run {Run})")]
        public static partial void Holding(ILogger logger, string shard, long term, int count, string run);

        [LoggerMessage(81, LogLevel.Warning, "Fleet shard {Shard}: its gateway did not start ({Reason}); trying again")]
        public static partial void StartFailed(ILogger logger, string shard, string reason);

        [LoggerMessage(82, LogLevel.Warning, "Fleet shard {Shard}: KIS refused {Tr} {Key} ({Reason})")]
        public static partial void HoldRefused(ILogger logger, string shard, string tr, string key, string reason);
    }
}
