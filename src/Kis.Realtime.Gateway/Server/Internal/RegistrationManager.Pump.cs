using Kis.Realtime.Gateway.Wire;
using Kis.Realtime.Session;
using Microsoft.Extensions.Logging;

namespace Kis.Realtime.Gateway.Internal;

/// <summary>A registration's pump: its feed's records to the publisher, in order, with the gaps a KIS session's reconnect (or the
/// key's release until it was registered again) left announced ahead of the record after them.</summary>
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
        AnnounceFeedGap(entry, route, GatewayWire.ToUnixMicroseconds(record.ReceivedAt), registeredAgain: false);
        return record.SessionReconnects;
    }

    /// <summary>
    /// Announces on the key's stream, ahead of its next record, that its feed resumed at <paramref name="atMicros"/> after the
    /// run's record <see cref="Registration.Sequence"/>: its KIS session reconnected, or (<paramref name="registeredAgain"/>) the
    /// key was released and registered again. Either way the seqs go on and what KIS sent meanwhile never reached the gateway.
    /// </summary>
    private void AnnounceFeedGap(Registration entry, RecordRoute route, long atMicros, bool registeredAgain)
    {
        var body = GatewayJson.Serialize(new GatewayRunAnnouncement(_run, _startedAtMicros, KisReconnectedAt: atMicros, LastSeq: entry.Sequence,
            RegisteredAgain: registeredAgain ? true : null));
        var why = registeredAgain ? "registered again" : $"KIS session {route.Session} reconnected";
        // Counted as announced only when it is on its way: a full buffer drops it, and the count must not say otherwise.
        if (_publisher.TryAnnounce(route, atMicros, body))
        {
            // A release is the consumers' doing, not a fault: counted apart and logged as information, not as a warning.
            if (registeredAgain) PumpLog.RegisteredAgainGap(_logger, route.TrId, route.Key, entry.Sequence);
            else
            {
                Interlocked.Increment(ref _reconnectGaps);
                PumpLog.FeedGap(_logger, why, route.TrId, route.Key, entry.Sequence);
            }
        }
        else
        {
            // The buffer is full: records overflow too and are announced as such; this line says the gap was not.
            PumpLog.FeedGapUnannounced(_logger, why, route.TrId, route.Key, entry.Sequence);
        }
    }

    /// <summary>Gaps announced within the run because a KIS session reconnected (one per key and reconnect).</summary>
    public long ReconnectGaps => Interlocked.Read(ref _reconnectGaps);
    private long _reconnectGaps;


    private static partial class PumpLog
    {
        [LoggerMessage(99, LogLevel.Warning, "{Why}: {TrId} {TrKey} announced a gap after seq {Sequence} (what KIS sent meanwhile)")]
        public static partial void FeedGap(ILogger logger, string why, string trId, string trKey, long sequence);

        [LoggerMessage(106, LogLevel.Information, "registered again: {TrId} {TrKey} announced a gap after seq {Sequence} " +
                                                  "(what KIS sent while the key was released)")]
        public static partial void RegisteredAgainGap(ILogger logger, string trId, string trKey, long sequence);

        [LoggerMessage(100, LogLevel.Error, "{Why}: {TrId} {TrKey} could NOT announce its gap after seq {Sequence}: " +
                                            "the publish buffer is full (its records overflow and are announced as such)")]
        public static partial void FeedGapUnannounced(ILogger logger, string why, string trId, string trKey, long sequence);
    }
}
