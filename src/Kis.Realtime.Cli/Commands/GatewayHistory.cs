using Kis.Realtime.Gateway.PostgreSql.Internal;
using Kis.Realtime.Gateway.PostgreSql;
using Kis.Realtime.Gateway;

namespace Kis.Realtime.Cli.Commands;

/// <summary>
/// <c>kisrt gateway --postgres</c>: what the history writer tells in either role. It stores the streams whichever
/// process is active (it follows the gateway's checkpoints), so a standby prints its own status line with the writer's
/// figures, and every line says how far the history is behind what the gateway confirmed.
/// </summary>
internal static class GatewayHistory
{
    /// <summary>The writer's lag for a status line: records owed, the oldest's age, BEHIND past the writer's threshold.</summary>
    internal static string HistoryLag(KisPostgresStreamWriter writer)
    {
        var lag = writer.Lag();
        var known = lag.Checkpoints > 0 ? $"{lag.Records} records ({lag.Age.TotalSeconds:0.0} s)" : "unknown (no checkpoint read)";
        return $", pg history lag {known}{(lag.Behind ? " BEHIND" : "")}";
    }

    /// <summary>The standby's line: the history it stores meanwhile (the active gateway prints the rest).</summary>
    internal static string StandbyHistoryLine(KisPostgresStreamWriter writer)
    {
        var streams = writer.Status();
        return $"kisrt gateway: standby, pg committed {streams.Sum(s => s.CommittedRecords)}, streams {streams.Count}, " +
               $"gaps {streams.Sum(s => s.Gaps)}, retries {streams.Sum(s => s.Retries)}" + HistoryLag(writer);
    }

    /// <summary>Every <paramref name="interval"/> while this process is a standby: the standby's history line.</summary>
    internal static async Task StandbyHistoryAsync(KisGatewayElection election, KisPostgresStreamWriter writer, TimeSpan interval, TextWriter status,
        CancellationToken stop)
    {
        using var ticker = new PeriodicTimer(interval);
        try
        {
            while (await ticker.WaitForNextTickAsync(stop).ConfigureAwait(false))
                if (election.Role == GatewayRole.Standby) await status.WriteLineAsync(StandbyHistoryLine(writer)).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>The command ends while standby: the writer's figures, and whether it owes what the gateway confirmed.</summary>
    internal static async Task<bool> EndStandbyHistoryAsync(KisPostgresStreamWriter writer, TextWriter status)
    {
        var lag = writer.Lag();
        await status.WriteLineAsync($"kisrt gateway: PostgreSQL run {writer.RunId} (standby): committed {writer.Status().Sum(s => s.CommittedRecords)}" +
                                    HistoryLag(writer) + (lag.Records > 0
                                        ? " (not stored: still in the streams past the stored offsets; the next run with --postgres stores them)" : ""))
            .ConfigureAwait(false);
        return lag.Behind;
    }

    /// <summary>The sink's figures once it has committed all it was given (or the timeout passed).</summary>
    internal static async Task<GatewaySinkStatus> WaitForSinkAsync(GatewayStreamFollower sink, long confirmed, TimeSpan timeout)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(50));
        var deadline = DateTime.UtcNow + timeout;
        var s = sink.Status();
        if (sink.Writer.ReadRefusal.IsCompleted) return s; // it stores nothing more: no point waiting
        while (s.Committed < confirmed && DateTime.UtcNow < deadline && await timer.WaitForNextTickAsync().ConfigureAwait(false)) s = sink.Status();
        return s;
    }
}
