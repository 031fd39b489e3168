using Kis.Realtime.Simulator.Trading.Rules;

namespace Kis.Realtime.Simulator.Trading;

/// <summary>
/// A <see cref="PaperVenue"/>'s notices: one log, in order, of the last notices of every HTS ID (at most the capacity
/// given), which each notice subscription reads from its own place (a <see cref="NoticeReader"/>, opened when it
/// subscribes). So every subscription of an HTS ID gets every notice (KIS sends a notice to each session subscribed to
/// it), and nothing from before it subscribed. The log is bounded whatever the run's length: a reader that stopped
/// reading (a stalled session) and fell more than the capacity behind loses its oldest notices, counted exactly. A
/// reader nobody polls any more (a released subscription) holds nothing. Not thread-safe: the venue's lock guards
/// every call, and the readers' places with it.
/// </summary>
internal sealed class NoticeLog(int capacity)
{
    private PaperNotice[] _ring = new PaperNotice[Math.Min(16, capacity)]; // position p at p % length; grows to the capacity
    private long _oldest; // position of the oldest notice kept
    private long _next; // position of the next notice: how many were ever published
    private readonly Dictionary<(string HtsId, bool Derivative), KeyTally> _tallies = []; // per reader key: notices published, overwritten

    /// <summary>Notices published since the log began.</summary>
    public long Published => _next;

    /// <summary>Notices published for <paramref name="htsId"/>, stock and futures/options alike.</summary>
    public long PublishedFor(string htsId)
        => _tallies.GetValueOrDefault((htsId, false)).Published + _tallies.GetValueOrDefault((htsId, true)).Published;

    /// <summary>A reader of <paramref name="htsId"/>'s stock (or futures/options) notices from now on.</summary>
    public NoticeReader Open(string htsId, bool derivative)
        => new(htsId, derivative, _next, _tallies.GetValueOrDefault((htsId, derivative)).Published);

    /// <summary>Moves <paramref name="reader"/> past notices of other HTS IDs (and past what the log lost, counting its
    /// own in <paramref name="lost"/>); true when it stands at one of its own.</summary>
    public bool SkipToOwn(NoticeReader reader, out long lost)
    {
        lost = 0;
        if (reader.Position < _oldest)
        {
            // Every position before the oldest kept was overwritten: those of this reader's key it had not taken are lost.
            var gone = _tallies.GetValueOrDefault(reader.Key).Overwritten;
            if (gone > reader.Taken) lost = gone - reader.Taken;
            reader.Taken = Math.Max(reader.Taken, gone);
            reader.Position = _oldest;
        }
        for (; reader.Position < _next; reader.Position++)
            if (reader.Owns(_ring[reader.Position % _ring.Length])) return true;
        return false;
    }

    /// <summary>The notice <paramref name="reader"/> stands at (after <see cref="SkipToOwn"/> said it is its own), moving
    /// its place on.</summary>
    public PaperNotice Take(NoticeReader reader)
    {
        var notice = _ring[reader.Position++ % _ring.Length];
        reader.Taken++;
        return notice;
    }

    /// <summary>Adds a notice, growing the log up to the capacity and then overwriting the oldest.</summary>
    public void Append(PaperNotice notice)
    {
        var key = (notice.HtsId, notice.Event.Derivative);
        var tally = _tallies.GetValueOrDefault(key);
        _tallies[key] = tally with { Published = tally.Published + 1 };
        if (_next - _oldest == _ring.Length)
        {
            if (_ring.Length < capacity)
            {
                var grown = new PaperNotice[Math.Min(capacity, _ring.Length * 2)];
                for (var p = _oldest; p < _next; p++) grown[p % grown.Length] = _ring[p % _ring.Length];
                _ring = grown;
            }
            else
            {
                var oldest = _ring[_oldest % _ring.Length];
                var oldestKey = (oldest.HtsId, oldest.Event.Derivative);
                var oldestTally = _tallies[oldestKey];
                _tallies[oldestKey] = oldestTally with { Overwritten = oldestTally.Overwritten + 1 };
                _oldest++;
            }
        }
        _ring[_next++ % _ring.Length] = notice;
    }

    /// <summary>One reader key's notices: published in all, and gone from the log (the oldest of them).</summary>
    private readonly record struct KeyTally(long Published, long Overwritten);
}
