using Kis.Realtime.Simulator.Trading.Rules;

namespace Kis.Realtime.Simulator.Trading;

/// <summary>
/// The venue's notices: one log, in order, of the last <see cref="DefaultNoticeCapacity"/> notices of every HTS ID,
/// which each notice subscription reads from its own place (a <see cref="NoticeReader"/>, opened when it subscribes).
/// So every subscription of an HTS ID gets every notice (KIS sends a notice to each session subscribed to it), and
/// nothing from before it subscribed. The log is bounded whatever the run's length: a reader that stopped reading
/// (a stalled session) and fell more than the capacity behind loses its oldest notices, counted exactly in
/// <see cref="SimulatorCounters.NoticesLost"/>. A reader nobody polls any more (a released subscription) holds nothing.
/// State of the venue, under its lock.
/// </summary>
internal sealed partial class PaperVenue
{
    /// <summary>Notices kept for readers that have not read them yet: at 10 orders a second, hours of notices.</summary>
    public const int DefaultNoticeCapacity = 100_000;

    private readonly int _noticeCapacity;
    private PaperNotice[] _noticeRing; // position p at p % length; grows to the capacity
    private long _oldestNotice; // position of the oldest notice kept
    private long _nextNotice; // position of the next notice: how many were ever published
    private readonly Dictionary<(string HtsId, bool Derivative), KeyTally> _noticeTallies = []; // per reader key: notices published, overwritten

    private TaskCompletionSource _noticePublished = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes at the next notice of any account: a session sends notices as they happen, not at the feed's
    /// pace (take it before looking for notices, then wait on it).</summary>
    public Task NoticePublished => Volatile.Read(ref _noticePublished).Task;

    /// <summary>Notices published since the venue started.</summary>
    public long NoticesPublished
    {
        get
        {
            lock (_gate) return _nextNotice;
        }
    }

    /// <summary>Notices published for <paramref name="htsId"/> since the venue started, stock and futures/options alike:
    /// what its notice subscriptions (H0STCNI0, H0IFCNI0) get.</summary>
    public long NoticesPublishedFor(string htsId)
    {
        lock (_gate) return _noticeTallies.GetValueOrDefault((htsId, false)).Published + _noticeTallies.GetValueOrDefault((htsId, true)).Published;
    }

    /// <summary>True when an account of the venue (one a credential was given, one used since, one restored) has
    /// <paramref name="htsId"/>: the only HTS IDs notices are published for.</summary>
    public bool HasHtsId(string htsId)
    {
        lock (_gate) return _accounts.Values.Any(a => a.HtsId == htsId);
    }

    /// <summary>A reader of <paramref name="htsId"/>'s stock (or futures/options) notices from now on.</summary>
    public NoticeReader OpenNotices(string htsId, bool derivative)
    {
        lock (_gate) return new NoticeReader(htsId, derivative, _nextNotice, _noticeTallies.GetValueOrDefault((htsId, derivative)).Published);
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
        if (!waiting || _journal is null) return waiting;
        try
        {
            _journal.CommitAll();
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
            if (!SkipToOwn(reader)) return null;
            var notice = _noticeRing[reader.Position++ % _noticeRing.Length];
            reader.Taken++;
            return notice;
        }
    }

    /// <summary>Moves <paramref name="reader"/> past notices of other HTS IDs (and past what the log lost, counting
    /// its own); true when it stands at one of its own. Under the lock.</summary>
    private bool SkipToOwn(NoticeReader reader)
    {
        if (reader.Position < _oldestNotice)
        {
            // Every position before the oldest kept was overwritten: those of this reader's key it had not taken are lost.
            var gone = _noticeTallies.GetValueOrDefault(reader.Key).Overwritten;
            if (gone > reader.Taken && _market.Counters is { } counters) Interlocked.Add(ref counters._noticesLost, gone - reader.Taken);
            reader.Taken = Math.Max(reader.Taken, gone);
            reader.Position = _oldestNotice;
        }
        for (; reader.Position < _nextNotice; reader.Position++)
            if (reader.Owns(_noticeRing[reader.Position % _noticeRing.Length])) return true;
        return false;
    }

    /// <summary>Adds a notice to the log, growing it up to the capacity and then overwriting the oldest. Under the lock.</summary>
    private void Append(PaperNotice notice)
    {
        var key = (notice.HtsId, notice.Event.Derivative);
        var tally = _noticeTallies.GetValueOrDefault(key);
        _noticeTallies[key] = tally with { Published = tally.Published + 1 };
        if (_nextNotice - _oldestNotice == _noticeRing.Length)
        {
            if (_noticeRing.Length < _noticeCapacity)
            {
                var grown = new PaperNotice[Math.Min(_noticeCapacity, _noticeRing.Length * 2)];
                for (var p = _oldestNotice; p < _nextNotice; p++) grown[p % grown.Length] = _noticeRing[p % _noticeRing.Length];
                _noticeRing = grown;
            }
            else
            {
                var oldest = _noticeRing[_oldestNotice % _noticeRing.Length];
                var oldestKey = (oldest.HtsId, oldest.Event.Derivative);
                var oldestTally = _noticeTallies[oldestKey];
                _noticeTallies[oldestKey] = oldestTally with { Overwritten = oldestTally.Overwritten + 1 };
                _oldestNotice++;
            }
        }
        _noticeRing[_nextNotice++ % _noticeRing.Length] = notice;
    }

    /// <summary>One reader key's notices: published in all, and gone from the log (the oldest of them).</summary>
    private readonly record struct KeyTally(long Published, long Overwritten);
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
