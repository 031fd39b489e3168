using System.Collections.Concurrent;

namespace Kis.Realtime.Simulator;

/// <summary>Running totals of the whole simulator (thread-safe; read any time).</summary>
public sealed class SimulatorCounters
{
    internal long _sessionsAccepted, _sessionsRefused, _frames, _records, _bytes, _pingsSent, _pingsAnswered,
        _closesForMissedPing, _requests, _replayFrames, _replayLinesSkipped, _faultFrames, _approvalKeysIssued, _approvalRequestsRejected;
    private readonly ConcurrentDictionary<string, long> _replies = new(StringComparer.Ordinal);

    /// <summary>WebSocket sessions accepted (upgrades completed).</summary>
    public long SessionsAccepted => Interlocked.Read(ref _sessionsAccepted);
    /// <summary>Sessions refused with OPSP8996 and closed.</summary>
    public long SessionsRefused => Interlocked.Read(ref _sessionsRefused);
    /// <summary>Data frames sent (generated, replayed and fault frames).</summary>
    public long FramesSent => Interlocked.Read(ref _frames);
    /// <summary>Records inside generated data frames.</summary>
    public long RecordsSent => Interlocked.Read(ref _records);
    /// <summary>Bytes of WebSocket payload sent (data, replies, pings).</summary>
    public long BytesSent => Interlocked.Read(ref _bytes);
    /// <summary>PINGPONG messages sent.</summary>
    public long PingsSent => Interlocked.Read(ref _pingsSent);
    /// <summary>PINGPONG messages answered in an accepted way.</summary>
    public long PingsAnswered => Interlocked.Read(ref _pingsAnswered);
    /// <summary>Sessions closed because they did not answer a PINGPONG within one interval.</summary>
    public long ClosesForMissedPing => Interlocked.Read(ref _closesForMissedPing);
    /// <summary>Subscribe/unsubscribe requests received.</summary>
    public long Requests => Interlocked.Read(ref _requests);
    /// <summary>Frames sent from the replay file (each counted once per receiving session).</summary>
    public long ReplayFramesSent => Interlocked.Read(ref _replayFrames);
    /// <summary>Replay lines that could not be used (bad timestamp, empty).</summary>
    public long ReplayLinesSkipped => Interlocked.Read(ref _replayLinesSkipped);
    /// <summary>Malformed and non-UTF-8 frames sent by fault injection.</summary>
    public long FaultFramesSent => Interlocked.Read(ref _faultFrames);
    /// <summary>Approval keys issued by <c>POST /oauth2/Approval</c>.</summary>
    public long ApprovalKeysIssued => Interlocked.Read(ref _approvalKeysIssued);
    /// <summary>Approval requests refused (bad JSON, fields or credentials).</summary>
    public long ApprovalRequestsRejected => Interlocked.Read(ref _approvalRequestsRejected);

    /// <summary>Replies sent, by <c>msg_cd</c> (e.g. OPSP0000 → 12).</summary>
    public IReadOnlyDictionary<string, long> RepliesByMsgCd => new SortedDictionary<string, long>(_replies, StringComparer.Ordinal);

    /// <summary>Replies sent with one <c>msg_cd</c>.</summary>
    public long Replies(string msgCd) => _replies.TryGetValue(msgCd, out var n) ? n : 0;

    internal void CountReply(string msgCd) => _replies.AddOrUpdate(msgCd, 1, static (_, n) => n + 1);
}

/// <summary>One registration of a session.</summary>
/// <param name="TrId">The TR id.</param>
/// <param name="TrKey">The key.</param>
public sealed record SimulatorSubscription(string TrId, string TrKey);

/// <summary>A snapshot of one WebSocket session.</summary>
public sealed record SimulatorSessionInfo
{
    /// <summary>Session number (1, 2, …).</summary>
    public required long Id { get; init; }
    /// <summary>The app key bound by the first request, masked; empty until bound.</summary>
    public required string AppKey { get; init; }
    /// <summary>The request path the client connected to.</summary>
    public required string Path { get; init; }
    /// <summary>When the session was accepted.</summary>
    public required DateTimeOffset ConnectedAt { get; init; }
    /// <summary>Registrations, in order.</summary>
    public required IReadOnlyList<SimulatorSubscription> Subscriptions { get; init; }
    /// <summary>Data frames sent to this session.</summary>
    public required long FramesSent { get; init; }
    /// <summary>Records sent to this session.</summary>
    public required long RecordsSent { get; init; }
    /// <summary>Bytes sent to this session.</summary>
    public required long BytesSent { get; init; }
    /// <summary>PINGPONGs sent to this session.</summary>
    public required long PingsSent { get; init; }
    /// <summary>PINGPONGs it answered.</summary>
    public required long PingsAnswered { get; init; }
    /// <summary>Requests received from it.</summary>
    public required long Requests { get; init; }
    /// <summary>True while stalled by fault injection.</summary>
    public required bool Stalled { get; init; }
}
