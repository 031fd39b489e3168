using Kis.Realtime.Cli.Configuration;
using Kis.Realtime.Cli.Hosting;
using Kis.Realtime.Gateway.PostgreSql.Internal;
using Kis.Realtime.Gateway.PostgreSql;
using Kis.Realtime.Gateway;

namespace Kis.Realtime.Cli.Commands;

/// <summary>A run as the active gateway: its start (broker faults retried while the lock is held) and its end.</summary>
internal static partial class GatewayCommand
{
    /// <summary>Starts the gateway, retrying the broker's start faults while this process holds the lock (it won the election on
    /// that broker a moment ago): never a crash of the term. Null when stopped meanwhile.</summary>
    private static async Task<KisGateway?> StartRetryingAsync(KisGatewayOptions options, KisRealtimeClient client, TextWriter status,
        CancellationToken stop)
    {
        // The start retries the broker's transient faults itself; a broker it could not reach at all is tried again here.
        var wait = options.BrokerReconnectMinDelay;
        while (true)
        {
            try
            {
                return await KisGateway.StartAsync(options, client, stop).ConfigureAwait(false);
            }
            catch (KisConnectionException e) when (!stop.IsCancellationRequested && IsRetriedStartFault(e))
            {
                await status.WriteLineAsync($"kisrt gateway: the run could not start ({e.Reason}); trying again in {wait.TotalSeconds:0.0} s");
                try
                {
                    await Task.Delay(wait, stop).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return null;
                }
                wait = wait * 2 < options.BrokerReconnectMaxDelay ? wait * 2 : options.BrokerReconnectMaxDelay;
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return null;
            }
        }
    }

    /// <summary>The --postgres writer's figures at the end of a run.</summary>
    private static string HistorySummary(KisPostgresStreamWriter writer, GatewayStatus end, GatewaySinkStatus pg, int standbys)
    {
        var streams = writer.Status();
        return $"kisrt gateway: PostgreSQL run {writer.RunId}: gateway received {end.Received}, committed {pg.Committed}, " +
               $"dropped {pg.Dropped}, failed {pg.Failed}, not committed {pg.Lag}, retries {pg.Retries}, " +
               $"gaps {streams.Sum(x => x.Gaps)}, duplicates skipped {streams.Sum(x => x.Duplicates)}" +
               (pg.Lag <= 0 ? "" : standbys > 0
                   ? " (not committed here: the standby taking over stores them from the stored offsets)"
                   : " (not committed: still in the streams past the stored offsets; the next run with --postgres stores them)");
    }

    /// <summary>The run's end: records confirmed, registrations released, KIS sessions closed, the lock handed over at a
    /// planned stop, the history writer waited for; the final figures and (the command ends) the summary.</summary>
    private static async Task<int> EndRunAsync(KisGateway gateway, ClientHost host, KisGatewayOptions options, GatewayStreamFollower? sink,
        RunStop stop, Func<ValueTask> handOver, TextWriter status)
    {
        var stopping = stop.Command;
        // Asked now, beside the confirms: whether a standby will store what this writer does not get to (see below).
        var standbysAtStop = sink is not null && stopping.IsCancellationRequested ? CountStandbysAsync(options.Endpoint) : Task.FromResult(0);
        var brokerAtStop = gateway.Status().BrokerConnected;
        var graceEnd = stop.GraceEnd();
        // The figures at the very end: registrations released, their last records published and confirmed, or dropped at the
        // stop's bound (a signal's stop has StopSignals.Grace in all: past it the process ends with no summary, exit 143).
        await gateway.StopAsync(stop.Budget).ConfigureAwait(false);
        var end = gateway.Status() with { BrokerConnected = brokerAtStop };
        // The KIS sessions close before the hand-over: KIS allows one session per app key, and a standby that connected while
        // this one still held it was refused (OPSP8996) and backed off for a minute. Within what the grace leaves, less the
        // hand-over's and the summary's share: a summary late by a second is none at all.
        var closingKis = host.Client.DisposeAsync().AsTask();
        await StopGrace.EndsWithinAsync(closingKis, StopGrace.Left(graceEnd, keep: TimeSpan.FromSeconds(1.5))).ConfigureAwait(false);
        var confirmed = end.Confirmed >= end.Received - end.Overflowed - end.StopDropped;
        GatewaySinkStatus? pg = null;
        // A planned stop hands the lock over now (a rolling deploy lost 30 s of market data while this process finished its
        // history writing); a --postgres standby then stores what this writer did not, from the stored offsets.
        if (stopping.IsCancellationRequested)
            await StopGrace.EndsWithinAsync(handOver().AsTask(), StopGrace.Left(graceEnd, keep: TimeSpan.FromSeconds(0.5))).ConfigureAwait(false);
        var standbys = await standbysAtStop.ConfigureAwait(false);
        if (sink is not null && stopping.IsCancellationRequested) // the command ends; a run that lost the lock leaves the sink to the next
        {
            // Every confirmed record is in its stream: the writer has read and committed it all once this run's count reaches them.
            // With a standby beside it, briefly: the standby's writer stores the same streams (its commits are not this one's).
            // A signal's grace bounds it too: what the writer has not stored by then is reported "not committed" (the next
            // run with --postgres, or the standby, stores it), never lost with the summary.
            var sinkWait = standbys > 0 ? TimeSpan.FromSeconds(1) : TimeSpan.FromSeconds(30);
            var graceLeft = StopGrace.Left(graceEnd, keep: TimeSpan.FromSeconds(0.5));
            if (graceLeft != Timeout.InfiniteTimeSpan && graceLeft < sinkWait) sinkWait = graceLeft;
            pg = await GatewayHistory.WaitForSinkAsync(sink, end.Confirmed, sinkWait).ConfigureAwait(false);
            end = end with { Sinks = [pg] };
        }
        var gaps = sink?.Writer.Status().Sum(x => x.Gaps) ?? 0;
        var failed = end.Overflowed > 0 || end.StopDropped > 0 || !confirmed || gaps > 0 || pg is { Dropped: > 0 } or { Failed: > 0 }
                     || (pg is { Lag: > 0 } && standbys == 0);
        // The final figures, then (the command ends: Ctrl+C, --duration) the summary as the last line, as stream, record
        // and bars end: a status line after it read as if the gateway were still running.
        await status.WriteLineAsync(StatusLine(end) + (confirmed ? "" : " (not every record was confirmed before the end)"));
        if (pg is not null) await status.WriteLineAsync(HistorySummary(sink!.Writer, end, pg, standbys));
        if (stopping.IsCancellationRequested)
            await status.WriteLineAsync(EndSummary(end, DateTimeOffset.UtcNow - end.StartedAt, failed)).ConfigureAwait(false);
        return failed ? CliFailures.RunFailed : CliFailures.Done;
    }

    /// <summary>How a run's command stops: <paramref name="Command"/> is cancelled by a signal or <c>--duration</c>,
    /// <paramref name="Signal"/> by a signal only, whose stop has <see cref="Hosting.StopSignals.Grace"/> in all.</summary>
    private readonly record struct RunStop(CancellationToken Command, CancellationToken Signal)
    {
        /// <summary>The gateway's stop's budget: what a signal leaves of its grace for it, less a reserve for what follows it (the
        /// KIS sessions' close, the hand-over, the history writer's last commits, the summary); without a signal, as long as it
        /// takes.</summary>
        public TimeSpan Budget => Signal.IsCancellationRequested ? Hosting.StopSignals.Grace - LoneStopReserve : Timeout.InfiniteTimeSpan;

        /// <summary>When a signal's grace ends, begun now (<see cref="Hosting.StopGrace"/>); never without a signal.</summary>
        public long GraceEnd() => Signal.IsCancellationRequested ? StopGrace.EndFromNow() : long.MaxValue;
    }

    /// <summary>What a signal's stop keeps of its grace after the gateway's own stop (<see cref="RunStop.Budget"/>).</summary>
    private static readonly TimeSpan LoneStopReserve = TimeSpan.FromSeconds(6);

    /// <summary>Standbys waiting now; 0 when the broker does not say (the stop goes on either way).</summary>
    private static async Task<int> CountStandbysAsync(KisGatewayEndpoint endpoint)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(1));
            return await KisGatewayElection.CountStandbysAsync(endpoint, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is KisConnectionException or OperationCanceledException or RabbitMQ.Client.Exceptions.OperationInterruptedException)
        {
            return 0;
        }
    }
}
