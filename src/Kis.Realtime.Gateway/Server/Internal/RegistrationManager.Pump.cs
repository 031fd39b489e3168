using Kis.Realtime.Gateway.Wire;
using Kis.Realtime.Session;
using Microsoft.Extensions.Logging;

namespace Kis.Realtime.Gateway.Internal;

/// <summary>A registration's pump: its feed's records to the publisher, in order, with the gaps a KIS session's reconnect left
/// announced ahead of the record after them.</summary>
internal sealed partial class RegistrationManager
{
    private async Task PumpAsync(Registration entry, KisRecordFeed feed, RecordRoute route)
    {
        await Task.Yield();
        try
        {
            var reconnects = feed.SessionReconnectsAtOpen;
            await foreach (var record in feed.ReadAllAsync().ConfigureAwait(false))
            {
                // The session reconnected since the last record (issue 72: 270 reconnects inside runs, 36,931 records lost
                // with consecutive seqs): what KIS sent while it was away is missing here, and the stream says so first.
                if (record.SessionReconnects > reconnects) reconnects = AnnounceReconnect(entry, route, record);
                _publisher.TryEnqueue(new OutgoingRecord(route, ++entry.Sequence, GatewayWire.ToUnixMicroseconds(record.ReceivedAt), record.Data));
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            Log.FeedEnded(_logger, route.TrId, route.Key, e.Message);
        }
    }

    /// <summary>Announces on the key's stream, ahead of <paramref name="record"/>, that its KIS session reconnected after the run's
    /// last record of the key (<see cref="GatewayRunAnnouncement.KisReconnectedAt"/>); returns the session's new reconnect count.</summary>
    private long AnnounceReconnect(Registration entry, RecordRoute route, KisRecord record)
    {
        var at = GatewayWire.ToUnixMicroseconds(record.ReceivedAt);
        var body = GatewayJson.Serialize(new GatewayRunAnnouncement(_run, _startedAtMicros, KisReconnectedAt: at, LastSeq: entry.Sequence));
        // Counted as announced only when it is on its way: a full buffer drops it, and the count must not say otherwise.
        if (_publisher.TryAnnounce(route, at, body))
        {
            Interlocked.Increment(ref _reconnectGaps);
            PumpLog.ReconnectGap(_logger, route.TrId, route.Key, route.Session, entry.Sequence);
        }
        else
        {
            // The buffer is full: records overflow too and are announced as such; this line says the reconnect was not.
            PumpLog.ReconnectGapUnannounced(_logger, route.TrId, route.Key, route.Session, entry.Sequence);
        }
        return record.SessionReconnects;
    }

    /// <summary>Gaps announced within the run because a KIS session reconnected (one per key and reconnect).</summary>
    public long ReconnectGaps => Interlocked.Read(ref _reconnectGaps);
    private long _reconnectGaps;


    private static partial class PumpLog
    {
        [LoggerMessage(99, LogLevel.Warning, "KIS session {Session} reconnected: {TrId} {TrKey} announced a gap after seq {Sequence} " +
                                             "(what KIS sent while the session was away)")]
        public static partial void ReconnectGap(ILogger logger, string trId, string trKey, int session, long sequence);

        [LoggerMessage(100, LogLevel.Error, "KIS session {Session} reconnected: {TrId} {TrKey} could NOT announce its gap after seq {Sequence}: " +
                                            "the publish buffer is full (its records overflow and are announced as such)")]
        public static partial void ReconnectGapUnannounced(ILogger logger, string trId, string trKey, int session, long sequence);
    }
}
