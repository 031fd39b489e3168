using Kis.Realtime.Simulator.Metrics;

namespace Kis.Realtime.Simulator;

/// <summary>Running totals of the whole simulator (thread-safe; read any time).</summary>
public sealed class SimulatorCounters
{
    private readonly SimulatorTally _tally;

    /// <summary>Totals of their own, all zero (the simulator's are <see cref="KisSimulator.Counters"/>).</summary>
    public SimulatorCounters() : this(new SimulatorTally())
    {
    }

    /// <summary>The totals <paramref name="tally"/> counts.</summary>
    internal SimulatorCounters(SimulatorTally tally) => _tally = tally;

    /// <summary>What the layers count into.</summary>
    internal SimulatorTally Tally => _tally;

    /// <summary>WebSocket sessions accepted (upgrades completed).</summary>
    public long SessionsAccepted => Interlocked.Read(ref _tally._sessionsAccepted);
    /// <summary>Sessions refused with OPSP8996 and closed.</summary>
    public long SessionsRefused => Interlocked.Read(ref _tally._sessionsRefused);
    /// <summary>
    /// Data frames sent (generated, replayed and fault frames). "Sent" means handed to the connection's output (see
    /// <see cref="RecordsSent"/>), not received by the client.
    /// </summary>
    public long FramesSent => Interlocked.Read(ref _tally._frames);
    /// <summary>
    /// Records inside generated data frames, counted when the frame's write to the connection completes, i.e. when
    /// Kestrel's output pipe has accepted it. That is not delivery: when a connection is aborted (e.g.
    /// <see cref="SimulatorFaults.DropConnections"/>, or the client vanishes) whatever still sits in the pipe or the
    /// socket's send buffer is discarded, so this can exceed what any client received, by up to a few buffers' worth
    /// per aborted session. Compare with a client's own count only after a graceful close. The same holds for
    /// <see cref="FramesSent"/>, <see cref="BytesSent"/> and the per-session counts.
    /// </summary>
    public long RecordsSent => Interlocked.Read(ref _tally._records);
    /// <summary>Bytes of WebSocket payload sent (data, replies, pings).</summary>
    public long BytesSent => Interlocked.Read(ref _tally._bytes);
    /// <summary>
    /// Stock trades one feed made that another feed of the stock never sent (the unified feed shows KRX's and NXT's
    /// trades, and they its): at most 10,000 wait for a feed that is not asking (unsubscribed), and a day's trades still
    /// waiting when the next trading day begins are dropped (a clock that jumped past the close). Zero in a steady run.
    /// </summary>
    public long TradesUnsent => Interlocked.Read(ref _tally._tradesUnsent);
    /// <summary>
    /// Market events (trades, auction prints, books) the paper venue's tape dropped unread: it keeps at most 100,000 for
    /// the venue, which reads them at each of its calls and whenever a feed made records. Not zero means resting paper
    /// orders may have missed fills from those events. Zero in a steady run.
    /// </summary>
    public long TapeEventsDropped => Interlocked.Read(ref _tally._tapeEventsDropped);
    /// <summary>
    /// Paper-order notices a notice subscription never got: the venue keeps the last 100,000 notices of all accounts for
    /// the subscriptions still to read them, and a subscription that stopped reading (a stalled session) and fell further
    /// behind loses the oldest of its own. Zero in a steady run.
    /// </summary>
    public long NoticesLost => Interlocked.Read(ref _tally._noticesLost);
    /// <summary>
    /// Records a session never got because it fell behind the other subscribers of the same instrument: every subscriber
    /// gets every record of the instrument's tape, which keeps at most 4,096 frames or 4 MB for one that stopped reading
    /// (a stalled session, a slow socket); beyond that its oldest are dropped and counted here. Zero in a steady run.
    /// </summary>
    public long RecordsLostBehind => Interlocked.Read(ref _tally._recordsLostBehind);
    /// <summary>
    /// Expected-trade records (예상체결: H0STANC0, H0NXANC0, H0UNANC0, H0STOAC0 and the index, ELW and derivatives ANC0s)
    /// not sent because they were identical to the instrument's previous record: KIS publishes an expected trade as it
    /// changes, so the pace asking again within the same second with nothing changed sends nothing.
    /// </summary>
    public long UnchangedRecordsNotSent => Interlocked.Read(ref _tally._unchangedRecordsNotSent);
    /// <summary>PINGPONG messages sent.</summary>
    public long PingsSent => Interlocked.Read(ref _tally._pingsSent);
    /// <summary>PINGPONG messages answered in an accepted way.</summary>
    public long PingsAnswered => Interlocked.Read(ref _tally._pingsAnswered);
    /// <summary>Sessions closed because they did not answer a PINGPONG within one interval.</summary>
    public long ClosesForMissedPing => Interlocked.Read(ref _tally._closesForMissedPing);
    /// <summary>Subscribe/unsubscribe requests received.</summary>
    public long Requests => Interlocked.Read(ref _tally._requests);
    /// <summary>Frames sent from the replay file (each counted once per receiving session).</summary>
    public long ReplayFramesSent => Interlocked.Read(ref _tally._replayFrames);
    /// <summary>
    /// Replay lines not replayed: recorded control messages (PINGPONG, OPSP replies), lines that are not a message
    /// (e.g. an unreadable timestamp) and over-long lines. Blank lines are not counted.
    /// </summary>
    public long ReplayLinesSkipped => Interlocked.Read(ref _tally._replayLinesSkipped);
    /// <summary>Malformed and non-UTF-8 frames sent by fault injection.</summary>
    public long FaultFramesSent => Interlocked.Read(ref _tally._faultFrames);
    /// <summary>Approval keys issued by <c>POST /oauth2/Approval</c>.</summary>
    public long ApprovalKeysIssued => Interlocked.Read(ref _tally._approvalKeysIssued);
    /// <summary>Approval requests refused (bad JSON, fields or credentials).</summary>
    public long ApprovalRequestsRejected => Interlocked.Read(ref _tally._approvalRequestsRejected);

    /// <summary>Access tokens handed out by <c>POST /oauth2/tokenP</c> (a token reissued within 6 hours counts again).</summary>
    public long AccessTokensIssued => Interlocked.Read(ref _tally._accessTokensIssued);
    /// <summary>Token and revoke requests refused (bad JSON, fields, credentials or an unknown token).</summary>
    public long AccessTokenRequestsRejected => Interlocked.Read(ref _tally._accessTokenRequestsRejected);

    /// <summary>REST quotation requests (the minute chart), answered or not.</summary>
    public long QuotationRequests => Interlocked.Read(ref _tally._quotationRequests);
    /// <summary>REST quotation requests refused (token, app key, secret, tr_id or query).</summary>
    public long QuotationRequestsRejected => Interlocked.Read(ref _tally._quotationRequestsRejected);

    /// <summary>Records generated but not sent by the skip fault (<see cref="SimulatorFaults.SkipRecords(string, string, int)"/>).</summary>
    public long RecordsSkipped => Interlocked.Read(ref _tally._recordsSkipped);

    /// <summary>
    /// Subscriptions to a stock, ETF or ELW code the simulator's instrument master does not list: answered
    /// SUBSCRIBE SUCCESS as KIS answers a key of the right form, and sent nothing (docs/simulator.md, "Unlisted codes").
    /// </summary>
    public long UnlistedSubscriptions => Interlocked.Read(ref _tally._unlistedSubscriptions);

    /// <summary>Replies sent, by <c>msg_cd</c> (e.g. OPSP0000 → 12).</summary>
    public IReadOnlyDictionary<string, long> RepliesByMsgCd => _tally.RepliesByMsgCd;

    /// <summary>Replies sent with one <c>msg_cd</c>.</summary>
    public long Replies(string msgCd) => _tally.Replies(msgCd);
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
    /// <summary>Records sent to this session (handed to the connection; see <see cref="SimulatorCounters.RecordsSent"/>).</summary>
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
