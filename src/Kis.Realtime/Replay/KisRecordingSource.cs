using System.Diagnostics.CodeAnalysis;
using Kis.Realtime.Internal;

namespace Kis.Realtime;

/// <summary>
/// One message of a recording, in the order it was received.
/// </summary>
/// <param name="ReceivedAt">When it was received (UTC), as recorded.</param>
/// <param name="Session">The KIS session that carried it (notice keys are per session).</param>
/// <param name="Data">
/// With <paramref name="TrKey"/> null: a KIS message exactly as received (data frame, reply or PINGPONG; notices
/// still encrypted). With <paramref name="TrKey"/> set: one plain record of <paramref name="TrId"/> (what a sink that
/// stores records, such as the gateway's, keeps). Valid only until the enumeration moves on: copy what you keep.
/// </param>
/// <param name="TrId">The TR of a stored record (with <paramref name="TrKey"/>); otherwise null or a hint.</param>
/// <param name="TrKey">The key of a stored record; null for a message as received.</param>
public readonly record struct RecordedMessage(DateTimeOffset ReceivedAt, int Session, ReadOnlyMemory<byte> Data,
    string? TrId = null, string? TrKey = null)
{
    /// <summary>True when <see cref="Data"/> is one plain record of <see cref="TrId"/> rather than a message as received.</summary>
    public bool IsStoredRecord => TrKey is not null;

    /// <summary>
    /// Where the message is in the recording (a file and line), when the source knows: a replay names it for a message
    /// it cannot decode (<see cref="KisRealtimeStatistics.FirstUndecodable"/>). Default: unknown.
    /// </summary>
    public RecordingLocation Source { get; init; }
}

/// <summary>What a replay asks of a <see cref="KisRecordingSource"/>.</summary>
/// <param name="From">Messages received before this may be left out; null: from the start of the recording.</param>
/// <param name="To">Messages received after this may be left out; null: to its end.</param>
/// <param name="TrIds">
/// The TRs the reader wants (a hint: a source may return others). Control messages (replies that carry notice keys)
/// are always returned.
/// </param>
public sealed record ReplayQuery(DateTimeOffset? From = null, DateTimeOffset? To = null, IReadOnlySet<string>? TrIds = null);

/// <summary>
/// A recording that a <see cref="KisReplayClient"/> replays: <c>kisrt record</c> folders (<c>Kis.Realtime.Recording</c>)
/// or the PostgreSQL raw table (<c>Kis.Realtime.PostgreSql</c>). A source streams: it never holds a whole day in
/// memory, and each call of <see cref="ReadAsync"/> is an independent cursor (the replay client reads one per
/// subscription).
/// </summary>
public abstract class KisRecordingSource
{
    /// <summary>A short description for messages, without credentials (a folder, a host and database).</summary>
    public abstract string Description { get; }

    /// <summary>
    /// The messages in received order. Whole trading days are read (a notice key is in the subscribe reply, which may
    /// be long before <see cref="ReplayQuery.From"/>): filtering by time is the reader's.
    /// </summary>
    public abstract IAsyncEnumerable<RecordedMessage> ReadAsync(ReplayQuery query, CancellationToken cancellationToken = default);

    /// <summary>Checks that the recording can be read (the folder exists, the database answers); throws otherwise.</summary>
    public virtual Task CheckAsync(CancellationToken cancellationToken = default) => Task.CompletedTask;

    /// <summary>
    /// Lines or rows the source skipped as unreadable (a torn or too-long line, a bad timestamp), all cursors together.
    /// Never silent: a replay reports them in <see cref="KisRealtimeStatistics.DecodeErrors"/>.
    /// </summary>
    public long Skipped => Interlocked.Read(ref _skipped);

    private long _skipped;
    private readonly UndecodableSamples _firstSkipped = new();

    /// <summary>The first few lines or rows counted in <see cref="Skipped"/> whose place was given, earliest first.</summary>
    [Experimental("KISRT0001")]
    public IReadOnlyList<KisUndecodableRecord> FirstSkipped => _firstSkipped.Snapshot();

    /// <summary>Counts an unreadable line or row (for implementations).</summary>
    protected void CountSkipped() => Interlocked.Increment(ref _skipped);

    /// <summary>Counts an unreadable line or row and says where it is and why, for a person to find it (for implementations).</summary>
    /// <param name="location">Where it is in the recording.</param>
    /// <param name="reason">What is wrong with it.</param>
    protected void CountSkipped(RecordingLocation location, string reason)
    {
        ArgumentNullException.ThrowIfNull(reason);
        CountSkipped();
        _firstSkipped.Add(location, reason);
    }

    /// <summary>The KST trading day of a time, how recordings are split: <see cref="KoreaTime.DateOf"/>, kept for compatibility.</summary>
    public static DateOnly TradingDayOf(DateTimeOffset at) => KoreaTime.DateOf(at);

    /// <summary>Korea Standard Time's offset from UTC: <see cref="KoreaTime.Offset"/>, kept for compatibility.</summary>
    public static readonly TimeSpan KstOffset = KoreaTime.Offset;
}
