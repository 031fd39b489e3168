using Kis.Realtime.Gateway.Internal;
using Kis.Realtime.Gateway.Wire;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using RabbitMQ.Client.Exceptions;

namespace Kis.Realtime.Gateway;

public sealed partial class KisGateway
{
    /// <summary>
    /// A start's broker steps: the previous run's checkpoint, the fence, the previous run's tail, then (once the gateway
    /// exists) the request server and the first checkpoint. A broker fault under them that a later try may not meet (a
    /// connection or channel closed: 320, 541, a heartbeat lost under load) is retried with backoff until
    /// <paramref name="cancellationToken"/>: an active gateway died of one (541 in the fence, exit 134). A refusal of the
    /// user is <see cref="KisBrokerRefusedException"/>; a broker not reachable at the first try, or an answer that the
    /// request is wrong (404, 406), is <see cref="KisConnectionException"/>; never the client library's own exception.
    /// </summary>
    private static async Task<KisGateway> StartCoreAsync(KisGatewayOptions options, KisRealtimeClient? client, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        // The previous run's last checkpoint first: this run announces it and restores its claims.
        var loggerFactory = options.LoggerFactory ?? NullLoggerFactory.Instance;
        var logger = loggerFactory.CreateLogger<KisGateway>();
        var retention = new StreamRetention(loggerFactory.CreateLogger<KisGateway>());
        var journal = new RunJournal(options, loggerFactory.CreateLogger<RunJournal>(), retention);
        var run = $"{options.TimeProvider.GetUtcNow():yyyyMMddTHHmmss}-{Guid.NewGuid().ToString("N")[..8]}";
        GatewayCheckpoint? previous;
        StreamTails? tail;
        try
        {
            (previous, tail) = await RetryBrokerAsync(options, logger, "reading the previous run and fencing it",
                () => FenceAsync(options, journal, run, cancellationToken), journal.ResetAsync, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            await journal.DisposeAsync().ConfigureAwait(false);
            throw StartFailure(options, e, cancellationToken);
        }
        var gateway = new KisGateway(options, client, run, journal, retention, previous, tail);
        try
        {
            await gateway._requests.StartAsync(cancellationToken).ConfigureAwait(false);
            gateway._publisher.Start();
            if (previous is not null)
            {
                Log.Following(gateway._logger, previous.Run, previous.Claims.Count, previous.Keys.Count);
                // Every claim is in the table once this returns (KIS answers later): the first checkpoint carries them on.
                gateway._restoring = gateway._registrations.RestoreAsync(previous.Claims);
            }
            // This run's first checkpoint at once: a run killed within its first interval is still the one the next follows.
            await RetryBrokerAsync(options, logger, "writing the run's first checkpoint", async () =>
            {
                await journal.WriteAsync(gateway.Checkpoint(), cancellationToken).ConfigureAwait(false);
                return true;
            }, journal.ResetAsync, cancellationToken).ConfigureAwait(false);
            journal.Start(gateway.Checkpoint);
            gateway._started = true;
            Log.Started(gateway._logger, gateway.Run, options.Endpoint.DisplayUri, options.Endpoint.Namespace);
            return gateway;
        }
        catch (Exception e)
        {
            await gateway.DisposeAsync().ConfigureAwait(false);
            throw StartFailure(options, e, cancellationToken);
        }
    }

    /// <summary>One try of the start's first steps (see <see cref="StartCoreAsync"/>).</summary>
    private static async Task<(GatewayCheckpoint? Previous, StreamTails? Tail)> FenceAsync(KisGatewayOptions options, RunJournal journal, string run,
        CancellationToken cancellationToken)
    {
        var previous = await journal.ReadLastAsync(cancellationToken).ConfigureAwait(false);
        // The fence (RunExchange) before anything else of this run: the previous run's exchange goes, so from here on
        // nothing more of it reaches the streams, even frames a dead process's socket or a busy broker still held.
        options.BrokerCall(BrokerCallSites.RunExchange);
        await RunExchange.OpenAsync(options.Endpoint, run, previous?.Run, cancellationToken).ConfigureAwait(false);
        // Then where the previous run's records end on the streams: the hole a killed run leaves begins there (issue 61).
        // The read goes on to a record received after the fence, so it sees everything the fenced run got stored;
        // read before the fence, it missed a dead run's last frames that the broker stored after the read had ended.
        if (previous is null) return (null, null);
        var fencedAt = GatewayWire.ToUnixMicroseconds(DateTimeOffset.UtcNow);
        return (previous, await PreviousRunTail.ReadAsync(options, previous, fencedAt, cancellationToken).ConfigureAwait(false));
    }

    /// <summary>
    /// <paramref name="attempt"/> until it succeeds, retried with backoff (logged at the 1st, 2nd, 4th … try) while it fails
    /// with a transient broker fault. The broker unreachable at the first try is thrown: the caller decides (a start with no
    /// broker at all fails at once, as documented).
    /// </summary>
    internal static async Task<T> RetryBrokerAsync<T>(KisGatewayOptions options, ILogger logger, string step, Func<Task<T>> attempt, Func<Task> reset,
        CancellationToken cancellationToken)
    {
        var backoff = new Retry.ExponentialBackoff(options.BrokerReconnectMinDelay, options.BrokerReconnectMaxDelay);
        for (var tries = 1L; ; tries++)
        {
            try
            {
                return await attempt().ConfigureAwait(false);
            }
            catch (Exception raw) when (!cancellationToken.IsCancellationRequested && BrokerFault.Unasked(raw, cancellationToken) is var e
                                        && BrokerFault.IsTransient(e) && !(tries == 1 && e is BrokerUnreachableException))
            {
                if ((tries & (tries - 1)) == 0)
                    Log.StartStepRetried(logger, step, options.Endpoint.DescribeFault(e), tries, backoff.Current.TotalSeconds);
                await reset().ConfigureAwait(false);
                await Task.Delay(backoff.Current, cancellationToken).ConfigureAwait(false); // wall clock: a held test clock must not hold a start
                backoff.Grow();
            }
        }
    }

    /// <summary>What a failed start throws: the broker's faults typed (refused: <see cref="KisBrokerRefusedException"/>, else
    /// <see cref="KisConnectionException"/>), a cancellation and anything else (a bug) as they are.</summary>
    private static Exception StartFailure(KisGatewayOptions options, Exception e, CancellationToken cancellationToken)
    {
        e = BrokerFault.Unasked(e, cancellationToken);
        if (e is KisException || e is OperationCanceledException || cancellationToken.IsCancellationRequested || !BrokerFault.IsBrokerFault(e)) return e;
        return BrokerStartFailure(options.Endpoint, e, e is BrokerUnreachableException && !BrokerFault.IsRefusal(e)
            ? "; scripts/services.sh starts one on this machine" : "");
    }

    private static partial class Log
    {
        [LoggerMessage(39, LogLevel.Warning,
            "Gateway start: {Step} failed ({Reason}); retrying in {DelaySeconds:0.0} s ({Tries} tries so far; logged at 1, 2, 4 …)")]
        public static partial void StartStepRetried(ILogger logger, string step, string reason, long tries, double delaySeconds);
    }
}
