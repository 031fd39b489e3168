using Kis.Realtime.Simulator.Trading.Rules;

namespace Kis.Realtime.Simulator.Trading;

/// <summary>
/// The venue's notices, kept in a <see cref="NoticeLog"/> of the last <see cref="DefaultNoticeCapacity"/> (by default)
/// under the venue's lock: the notice streams' polls, and the wake-up of sessions waiting for the next notice. A notice
/// goes out only once the change it tells is journaled; notices a stalled reader lost are counted in
/// <see cref="SimulatorCounters.NoticesLost"/>.
/// </summary>
internal sealed partial class PaperVenue
{
    /// <summary>Notices kept for readers that have not read them yet: at 10 orders a second, hours of notices.</summary>
    public const int DefaultNoticeCapacity = 100_000;

    private readonly NoticeLog _notices; // under _gate

    private TaskCompletionSource _noticePublished = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes at the next notice of any account: a session sends notices as they happen, not at the feed's
    /// pace (take it before looking for notices, then wait on it).</summary>
    public Task NoticePublished => Volatile.Read(ref _noticePublished).Task;

    /// <summary>Notices published since the venue started.</summary>
    public long NoticesPublished
    {
        get
        {
            lock (_gate) return _notices.Published;
        }
    }

    /// <summary>Notices published for <paramref name="htsId"/> since the venue started, stock and futures/options alike:
    /// what its notice subscriptions (H0STCNI0, H0IFCNI0) get.</summary>
    public long NoticesPublishedFor(string htsId)
    {
        lock (_gate) return _notices.PublishedFor(htsId);
    }

    /// <summary>True when an account of the venue (one a credential was given, one used since, one restored) has
    /// <paramref name="htsId"/>: the only HTS IDs notices are published for.</summary>
    public bool HasHtsId(string htsId)
    {
        lock (_gate) return _accounts.HasHtsId(htsId);
    }

    /// <summary>A reader of <paramref name="htsId"/>'s stock (or futures/options) notices from now on.</summary>
    public NoticeReader OpenNotices(string htsId, bool derivative)
    {
        lock (_gate) return _notices.Open(htsId, derivative);
    }

    /// <summary>True when a notice for <paramref name="reader"/> is waiting at <paramref name="now"/> (a notice
    /// stream's poll also ends the sessions that are over).</summary>
    public bool HasNotice(NoticeReader reader, DateTime now)
    {
        bool waiting;
        lock (_gate)
        {
            EndDays(now);
            JournalChanges();
            waiting = SkipToOwn(reader);
        }
        // A notice goes out only once the change it tells is on disk (a fill from the tape is journaled, not yet committed).
        if (!waiting || !_changes.IsKept) return waiting;
        try
        {
            _changes.CommitAll();
            return true;
        }
        catch (IOException)
        {
            // Held, not lost: the next poll tries the disk again (an order call meeting the same disk answers its error).
            // Thrown here it would end every notice session as "connection lost while sending".
            return false;
        }
    }

    /// <summary>The next notice for <paramref name="reader"/>, moving its place on; null when none is waiting.</summary>
    public PaperNotice? NextNotice(NoticeReader reader)
    {
        lock (_gate)
        {
            return SkipToOwn(reader) ? _notices.Take(reader) : null;
        }
    }

    /// <summary>Moves <paramref name="reader"/> to its next own notice (<see cref="NoticeLog.SkipToOwn"/>), counting what
    /// it lost in <see cref="SimulatorCounters.NoticesLost"/>; true when one is waiting. Under the lock.</summary>
    private bool SkipToOwn(NoticeReader reader)
    {
        var own = _notices.SkipToOwn(reader, out var lost);
        if (lost > 0 && _market.Counters is { } counters) Interlocked.Add(ref counters._noticesLost, lost);
        return own;
    }
}

/// <summary>
/// One notice subscription's place in the venue's notice log: the HTS ID and product it reads, the next position, and
/// how many of its key's notices lie behind that position (read, or lost), so a loss is counted exactly. Its state is
/// the venue's, changed under the venue's lock only.
/// </summary>
internal sealed class NoticeReader(string htsId, bool derivative, long position, long taken)
{
    public (string HtsId, bool Derivative) Key { get; } = (htsId, derivative);

    public long Position { get; set; } = position;

    /// <summary>Notices of this reader's key before <see cref="Position"/>: those published before it opened, then each it read or lost.</summary>
    public long Taken { get; set; } = taken;

    public bool Owns(PaperNotice notice) => notice.HtsId == Key.HtsId && notice.Event.Derivative == Key.Derivative;
}
