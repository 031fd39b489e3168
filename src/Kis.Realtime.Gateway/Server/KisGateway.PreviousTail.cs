using System.Diagnostics;
using Kis.Realtime.Gateway.Internal;
using Kis.Realtime.Gateway.Wire;
using Microsoft.Extensions.Logging;

namespace Kis.Realtime.Gateway;

public sealed partial class KisGateway
{
    /// <summary>
    /// Where the previous run's records end on the streams (<see cref="PreviousRunTail"/>), timed and logged: a fleet's
    /// takeover at the open reads streams as busy as the whole market, and a read that meets its bound leaves its keys
    /// announced from the checkpoint alone; the log says how long it took and how many keys it found.
    /// </summary>
    private static async Task<IReadOnlyDictionary<(string Tr, string Key), (long Seq, long At)>> ReadPreviousTailAsync(
        KisGatewayOptions options, GatewayCheckpoint previous, ILogger logger, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var startedAt = GatewayWire.ToUnixMicroseconds(DateTimeOffset.UtcNow);
        var tail = await PreviousRunTail.ReadAsync(options, previous, startedAt, cancellationToken).ConfigureAwait(false);
        var notFound = previous.Keys.Count(k => k is { Tr: not null, Key: not null } && !tail.ContainsKey((k.Tr, k.Key)));
        Log.PreviousTail(logger, previous.Run, Stopwatch.GetElapsedTime(started).TotalSeconds, tail.Count, notFound);
        return tail;
    }

    private static partial class Log
    {
        [LoggerMessage(34, LogLevel.Information,
            "Read run {PreviousRun}'s tail on the streams in {Seconds:0.00} s: its last record of {Found} keys; " +
            "{NotFound} keys of its checkpoint not found there (announced from the checkpoint)")]
        public static partial void PreviousTail(ILogger logger, string previousRun, double seconds, int found, int notFound);
    }
}
