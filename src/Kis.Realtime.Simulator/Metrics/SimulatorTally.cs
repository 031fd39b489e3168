using System.Collections.Concurrent;

namespace Kis.Realtime.Simulator.Metrics;

/// <summary>
/// The simulator's running totals as its layers count them (Interlocked on the fields; thread-safe). Beneath every layer,
/// so that none names the package's root: the public <c>SimulatorCounters</c> reads these.
/// </summary>
internal sealed class SimulatorTally
{
    internal long _sessionsAccepted, _sessionsRefused, _frames, _records, _bytes, _pingsSent, _pingsAnswered,
        _closesForMissedPing, _requests, _replayFrames, _replayLinesSkipped, _faultFrames, _approvalKeysIssued, _approvalRequestsRejected,
        _accessTokensIssued, _accessTokenRequestsRejected, _quotationRequests, _quotationRequestsRejected, _recordsSkipped,
        _tradesUnsent, _tapeEventsDropped, _unlistedSubscriptions, _noticesLost, _recordsLostBehind, _unchangedRecordsNotSent;
    private readonly ConcurrentDictionary<string, long> _replies = new(StringComparer.Ordinal);

    /// <summary>Replies sent, by <c>msg_cd</c>.</summary>
    public IReadOnlyDictionary<string, long> RepliesByMsgCd => new SortedDictionary<string, long>(_replies, StringComparer.Ordinal);

    /// <summary>Replies sent with one <c>msg_cd</c>.</summary>
    public long Replies(string msgCd) => _replies.TryGetValue(msgCd, out var n) ? n : 0;

    /// <summary>Counts a reply sent with <paramref name="msgCd"/>.</summary>
    public void CountReply(string msgCd) => _replies.AddOrUpdate(msgCd, 1, static (_, n) => n + 1);
}
