namespace Kis.Realtime.Internal;

/// <summary>
/// One subscription's merge of the same TR and key from several sources into one tape (<see cref="KisMergedClient"/>):
/// pure, no clock of its own (the caller passes <c>now</c> as UTC ticks), one feeder.
/// <para>
/// Trades (TRs with a cumulative volume, <see cref="TradeVolumeFields"/>) go out in exchange order, each once. The rule
/// is the tape's own (<see cref="CumulativeVolumeRule"/>): a trade continues the tape when its acml_vol minus its volume
/// is the last one sent; one at or below it was sent already (every source sends its own trades in order) unless it
/// falls in a hole given up on, when it is the hole's trade, late. A trade after a hole waits up to the reorder window
/// for another source to bring the hole's trades, or until every source has gone past it (then none will): only then
/// does the hole become a gap, which the merged tape's own gap check reports: a gap only when every source missed it.
/// </para>
/// <para>
/// Other TRs (books, notices, index and ETF figures) carry no sequence: a record is a repeat when another source already
/// sent the same bytes within the duplicate window. Counted per source, so a record one source itself sends twice (an
/// unchanged book, two equal fills) goes out twice, and a copy from a second source of either is still suppressed.
/// </para>
/// </summary>
internal sealed class FeedMerge
{
    private const int MaxHoles = 64;

    private readonly TradeVolumeFields? _layout;
    private readonly MarketCalendar? _calendar;
    private readonly long _reorderWindow, _duplicateWindow;
    private readonly int _maxKept;
    private readonly FeedCounters[] _feeds;

    // The trade tape: the last trade sent, each source's furthest trade, trades waiting after a hole, holes given up on.
    private bool _started;
    private int _day;
    private long _accumulated;
    private readonly bool[] _sourceSeen;
    private readonly bool[] _sourceEnded; // its subscription failed: it will bring nothing, so nothing waits for it
    private readonly int[] _sourceDay;
    private readonly long[] _sourceAccumulated;
    private readonly TimeOnly[] _sourceTime; // the stamp of its furthest trade
    // Each source's own holes (trades it missed) until the merged tape passes them, then told with how much of each the
    // merged tape lacks (FeedGap): a feed's gap the others covered is no gap of the merged tape.
    private readonly List<OwnHole> _ownHoles = [];
    private readonly Queue<FeedGap> _feedGaps = new();
    // Trades waiting after a hole, lowest (day, acml_vol) first, and the same by key (a copy of one waiting is a repeat):
    // a heap and a hash, not a list scanned on every record (at 2,000 waiting a scan cost more than the merge's other work).
    // A key waits at most once (a copy is counted, not kept), so the heap has no ties.
    private readonly PriorityQueue<Waiting, (int Day, long Accumulated)> _waiting = new();
    private readonly Dictionary<(int Day, long Accumulated), long> _waitingTicks = [];
    private readonly List<(int Day, long From, long To, long Id)> _holes = [];
    private long _holeIds;
    // Late trades sent from a hole, in the order sent: the merged tape's gap check takes their volume back.
    private readonly Queue<(KisRecord Record, long Volume, bool FilledWhole)> _lateFills = new();
    // For the lag of a repeat: the trades sent, oldest first (bounded), and the same looked up by trade. A hash, not a
    // scan of the queue: every copy from the second source is a repeat, and the scan of 8,192 trades cost 5.7 µs of CPU
    // a record (FeedMergeBenchmarks). A trade is sent once, so (day, acml_vol) names one entry.
    private readonly Queue<(int Day, long Accumulated, long ReceivedTicks)> _sentAt = new();
    private readonly Dictionary<(int Day, long Accumulated), long> _sentTicks = [];
    // Holes forgotten past MaxHoles (this day's, as one span) and the furthest sent trade no longer remembered. A trade
    // behind the tape in that span, not a copy remembered, is a forgotten hole's trade (sent late) when no copy of a sent
    // trade that far on can have been forgotten; else it cannot be told from an old copy: not sent, counted (Unplaced).
    private (int Day, long From, long To)? _forgottenHoles;
    private (int Day, long Accumulated) _forgottenSent = (int.MinValue, 0);

    // Other TRs: how many copies of a content each source sent, and how many went out.
    private readonly Dictionary<ReadOnlyMemory<byte>, Copies> _copies = new(ContentComparer.Instance);
    private readonly Queue<(ReadOnlyMemory<byte> Content, long ReceivedTicks)> _copyOrder = new();

    private readonly record struct Waiting(int Source, KisRecord Record, int Day, long Accumulated, long Volume, long Arrived);

    private readonly record struct OwnHole(int Source, int Day, long From, long To, TimeOnly FromTime, TimeOnly ToTime);

    /// <summary>
    /// A source's own gap: <see cref="Volume"/> it missed between its trades stamped <see cref="From"/> and <see cref="To"/>,
    /// of which <see cref="MissingFromMerged"/> no other source brought either (0: the others covered it).
    /// </summary>
    public readonly record struct FeedGap(int Source, long Volume, long MissingFromMerged, TimeOnly From, TimeOnly To);

    private sealed class Copies(int sources)
    {
        public readonly int[] PerSource = new int[sources];
        public int Sent;
        public long FirstTicks;
    }

    public FeedMerge(Protocol.TrDefinition tr, string key, FeedCounters[] feeds, TimeSpan reorderWindow, TimeSpan duplicateWindow, int maxKept)
    {
        _layout = TradeVolumeFields.For(tr);
        _calendar = _layout is null ? null : MarketCalendar.For(tr.Id, key);
        _feeds = feeds;
        (_reorderWindow, _duplicateWindow, _maxKept) = (reorderWindow.Ticks, duplicateWindow.Ticks, maxKept);
        _sourceSeen = new bool[feeds.Length];
        _sourceEnded = new bool[feeds.Length];
        _sourceDay = new int[feeds.Length];
        _sourceAccumulated = new long[feeds.Length];
        _sourceTime = new TimeOnly[feeds.Length];
    }

    /// <summary>Trades waiting for a hole before them to fill.</summary>
    public int WaitingCount => _waiting.Count;

    /// <summary>
    /// When the lowest waiting trade's window ends (UTC ticks); null when none waits. The lowest, not the oldest: it is the
    /// one <see cref="Release"/> decides on, and a deadline taken from an older trade behind it was already past while
    /// nothing was due, so the merge loop woke at once, again and again, for up to a window.
    /// </summary>
    public long? NextDeadline => _waiting.Count == 0 ? null : _waiting.Peek().Arrived + _reorderWindow;

    /// <summary>Takes one record of source <paramref name="source"/>; what goes out now is added to <paramref name="output"/>.</summary>
    public void Offer(int source, KisRecord record, long now, List<KisRecord> output)
    {
        var feed = _feeds[source];
        feed.Received(record.ReceivedAt);
        if (_layout is not null && _layout.TryRead(record.Data.Span, out var trade) && trade.Volume > 0)
            OfferTrade(source, record, trade, now, output);
        else
            OfferContent(source, record, now, output);
        Release(now, output);
    }

    /// <summary>Source <paramref name="source"/>'s subscription ended or failed: no trade waits for it any more.</summary>
    public void SourceEnded(int source, long now, List<KisRecord> output)
    {
        _sourceEnded[source] = true;
        Release(now, output);
    }

    /// <summary>Sends on what waited past its window by <paramref name="now"/>.</summary>
    public void Expire(long now, List<KisRecord> output) => Release(now, output);

    /// <summary>The subscription ends: whatever waits goes out in order (its holes are gaps).</summary>
    public void Flush(List<KisRecord> output) => Release(long.MaxValue, output);

    // ------------------------------------------------------------------ trades

    private void OfferTrade(int source, KisRecord record, in TradeVolume trade, long now, List<KisRecord> output)
    {
        var day = trade.Date is { } date ? date.DayNumber : _calendar!.TradingDayNumber(record.ReceivedAt.UtcTicks);
        if (_sourceSeen[source] && day == _sourceDay[source] && trade.Accumulated - trade.Volume > _sourceAccumulated[source])
            NoteOwnHole(new OwnHole(source, day, _sourceAccumulated[source], trade.Accumulated - trade.Volume, _sourceTime[source], trade.Time));
        if (!_sourceSeen[source] || Compare(day, trade.Accumulated, _sourceDay[source], _sourceAccumulated[source]) > 0)
            (_sourceSeen[source], _sourceDay[source], _sourceAccumulated[source], _sourceTime[source]) = (true, day, trade.Accumulated, trade.Time);
        if (_started)
        {
            OfferAfterStart(source, record, trade, day, now, output);
            return;
        }
        // Before the tape starts, trades wait (see Release): the sources' first trades may come in any order.
        if (!IsWaiting(source, day, trade.Accumulated, record.ReceivedAt.UtcTicks)) Wait(source, record, trade, day, now, output);
    }

    private void OfferAfterStart(int source, KisRecord record, in TradeVolume trade, int day, long now, List<KisRecord> output)
    {
        var missing = CumulativeVolumeRule.Missing(_accumulated, _day, trade.Accumulated, trade.Volume, day, out var reset);
        if (missing < 0 && !reset || day < _day)
        {
            // Behind the tape: the hole's trade, late, or a copy of one sent.
            if (TakeFromHole(day, trade.Accumulated - trade.Volume, trade.Accumulated, out var filledWhole))
            {
                _feeds[source].CountLate();
                _lateFills.Enqueue((record, trade.Volume, filledWhole));
                Send(source, record, day, trade.Accumulated, output, keepTape: true);
            }
            else if (InForgottenHole(day, trade.Accumulated - trade.Volume, trade.Accumulated) && !_sentTicks.ContainsKey((day, trade.Accumulated)))
            {
                if (Compare(day, trade.Accumulated, _forgottenSent.Day, _forgottenSent.Accumulated) > 0)
                {
                    _feeds[source].CountLate();
                    Send(source, record, day, trade.Accumulated, output, keepTape: true);
                }
                else _feeds[source].CountUnplaced();
            }
            else Repeat(source, day, trade.Accumulated, record.ReceivedAt.UtcTicks);
            return;
        }
        if (missing == 0 || reset && missing <= 0)
        {
            Send(source, record, day, trade.Accumulated, output);
            return;
        }
        if (!IsWaiting(source, day, trade.Accumulated, record.ReceivedAt.UtcTicks)) Wait(source, record, trade, day, now, output);
    }

    // A copy of a trade already waiting is a repeat (counted for its source).
    private bool IsWaiting(int source, int day, long accumulated, long receivedTicks)
    {
        if (!_waitingTicks.TryGetValue((day, accumulated), out var waitingTicks)) return false;
        _feeds[source].Repeated(receivedTicks - waitingTicks);
        return true;
    }

    private void Wait(int source, KisRecord record, in TradeVolume trade, int day, long now, List<KisRecord> output)
    {
        if (_waiting.Count >= _maxKept) SendLowest(output); // bounded: the oldest hole becomes a gap
        _waiting.Enqueue(new Waiting(source, record, day, trade.Accumulated, trade.Volume, now), (day, trade.Accumulated));
        _waitingTicks.Add((day, trade.Accumulated), record.ReceivedAt.UtcTicks);
    }

    private void Release(long now, List<KisRecord> output)
    {
        ReleaseWaiting(now, output);
        if (_ownHoles.Count > 0) ResolveOwnHoles(now == long.MaxValue);
    }

    private void ReleaseWaiting(long now, List<KisRecord> output)
    {
        while (_waiting.Count > 0)
        {
            var w = _waiting.Peek();
            if (!_started)
            {
                // The tape starts at the lowest first trade once every source has sent one (or the window ended): what
                // came before any source subscribed is no gap.
                if (now != long.MaxValue && w.Arrived + _reorderWindow > now && !EverySourceStarted()) return;
                TakeLowest();
                _started = true;
                Send(w.Source, w.Record, w.Day, w.Accumulated, output);
                continue;
            }
            var missing = CumulativeVolumeRule.Missing(_accumulated, _day, w.Accumulated, w.Volume, w.Day, out var reset);
            var due = missing == 0 || reset && missing <= 0 || missing < 0
                || w.Arrived + _reorderWindow <= now || now == long.MaxValue || EverySourcePast(w.Day, w.Accumulated - w.Volume);
            if (!due) return;
            TakeLowest();
            if (missing < 0 && !reset) { Repeat(w.Source, w.Day, w.Accumulated, w.Record.ReceivedAt.UtcTicks); continue; }
            if (missing > 0 && !reset) KeepHole(w.Day, _accumulated, w.Accumulated - w.Volume);
            Send(w.Source, w.Record, w.Day, w.Accumulated, output);
        }
    }

    private void SendLowest(List<KisRecord> output) => ReleaseWaiting(_waiting.Peek().Arrived + _reorderWindow, output);

    private void TakeLowest()
    {
        var w = _waiting.Dequeue();
        _waitingTicks.Remove((w.Day, w.Accumulated));
    }

    private void NoteOwnHole(in OwnHole hole)
    {
        if (_ownHoles.Count == MaxHoles) Resolve(0); // bounded: the oldest is told as it stands
        _ownHoles.Add(hole);
    }

    /// <summary>Takes the next source gap decided (the merged tape went past it), oldest first.</summary>
    public bool TryTakeFeedGap(out FeedGap gap) => _feedGaps.TryDequeue(out gap);

    // A source's hole is decided once the merged tape is past its end (or the subscription ends): what the merged tape
    // lacks of it is what its own holes hold of it, and what lies beyond the tape.
    private void ResolveOwnHoles(bool all)
    {
        for (var i = _ownHoles.Count - 1; i >= 0; i--)
            if (all || (_started && Compare(_day, _accumulated, _ownHoles[i].Day, _ownHoles[i].To) >= 0)) Resolve(i);
    }

    private void Resolve(int index)
    {
        var h = _ownHoles[index];
        _ownHoles.RemoveAt(index);
        var missing = _started && _day == h.Day ? Math.Max(0, h.To - Math.Max(h.From, _accumulated)) : h.To - h.From;
        foreach (var (day, from, to, _) in _holes)
            if (day == h.Day) missing += Math.Max(0, Math.Min(to, h.To) - Math.Max(from, h.From));
        if (_forgottenHoles is { } f && f.Day == h.Day) missing += Math.Max(0, Math.Min(f.To, h.To) - Math.Max(f.From, h.From));
        _feedGaps.Enqueue(new FeedGap(h.Source, h.To - h.From, Math.Min(missing, h.To - h.From), h.FromTime, h.ToTime));
    }

    // Every source still subscribed is past the hole's end: none will bring the hole's trades.
    private bool EverySourcePast(int day, long holeEnd)
    {
        for (var s = 0; s < _sourceSeen.Length; s++)
            if (!_sourceEnded[s] && (!_sourceSeen[s] || Compare(_sourceDay[s], _sourceAccumulated[s], day, holeEnd) <= 0)) return false;
        return true;
    }

    private bool EverySourceStarted()
    {
        for (var s = 0; s < _sourceSeen.Length; s++)
            if (!_sourceEnded[s] && !_sourceSeen[s]) return false;
        return true;
    }

    private static int Compare(int day, long accumulated, int otherDay, long otherAccumulated) =>
        day != otherDay ? day.CompareTo(otherDay) : accumulated.CompareTo(otherAccumulated);

    private void Send(int source, KisRecord record, int day, long accumulated, List<KisRecord> output, bool keepTape = false)
    {
        if (!keepTape) (_day, _accumulated) = (day, accumulated);
        _feeds[source].First();
        _sentAt.Enqueue((day, accumulated, record.ReceivedAt.UtcTicks));
        _sentTicks.TryAdd((day, accumulated), record.ReceivedAt.UtcTicks);
        while (_sentAt.Count > _maxKept)
        {
            var (oldDay, oldAccumulated, oldTicks) = _sentAt.Dequeue();
            if (_sentTicks.TryGetValue((oldDay, oldAccumulated), out var ticks) && ticks == oldTicks) _sentTicks.Remove((oldDay, oldAccumulated));
            if (Compare(oldDay, oldAccumulated, _forgottenSent.Day, _forgottenSent.Accumulated) > 0) _forgottenSent = (oldDay, oldAccumulated);
        }
        output.Add(record);
    }

    private void Repeat(int source, int day, long accumulated, long receivedTicks)
    {
        _feeds[source].Repeated(_sentTicks.TryGetValue((day, accumulated), out var sentTicks) ? receivedTicks - sentTicks : null);
    }

    private void KeepHole(int day, long from, long to)
    {
        if (_holes.Count == MaxHoles)
        {
            var old = _holes[0];
            _holes.RemoveAt(0);
            _forgottenHoles = _forgottenHoles is { } f && f.Day == old.Day ? (f.Day, Math.Min(f.From, old.From), Math.Max(f.To, old.To))
                : (old.Day, old.From, old.To);
        }
        _holes.Add((day, from, to, ++_holeIds));
    }

    /// <summary>
    /// True when <paramref name="record"/>, going out now, is a late trade sent from a hole given up on: its volume is no
    /// longer missing, and <paramref name="filledWhole"/> when it was the hole's last. Asked for each record sent, in order.
    /// </summary>
    public bool TryTakeLateFill(KisRecord record, out long volume, out bool filledWhole)
    {
        (volume, filledWhole) = (0, false);
        if (!_lateFills.TryPeek(out var late) || !ReferenceEquals(late.Record, record)) return false;
        _lateFills.Dequeue();
        (volume, filledWhole) = (late.Volume, late.FilledWhole);
        return true;
    }

    private bool InForgottenHole(int day, long before, long accumulated) =>
        _forgottenHoles is { } f && f.Day == day && before >= f.From && accumulated <= f.To;

    // A trade (before, accumulated] inside a hole given up on: the hole shrinks by it.
    private bool TakeFromHole(int day, long before, long accumulated, out bool filledWhole)
    {
        filledWhole = false;
        for (var i = 0; i < _holes.Count; i++)
        {
            var (d, from, to, id) = _holes[i];
            if (d != day || before < from || accumulated > to) continue;
            _holes.RemoveAt(i);
            if (before > from) _holes.Add((d, from, before, id));
            if (accumulated < to) _holes.Add((d, accumulated, to, id));
            filledWhole = !_holes.Exists(h => h.Id == id); // a part of it may be left, split by an earlier late trade
            return true;
        }
        return false;
    }

    // ------------------------------------------------------------------ other TRs

    private void OfferContent(int source, KisRecord record, long now, List<KisRecord> output)
    {
        ForgetOlderThan(now - _duplicateWindow);
        var receivedTicks = record.ReceivedAt.UtcTicks;
        if (!_copies.TryGetValue(record.Data, out var copies))
        {
            copies = new Copies(_feeds.Length) { FirstTicks = receivedTicks };
            _copies[record.Data] = copies;
            _copyOrder.Enqueue((record.Data, now));
            if (_copyOrder.Count > _maxKept) _copies.Remove(_copyOrder.Dequeue().Content);
        }
        var count = ++copies.PerSource[source];
        if (count > copies.Sent)
        {
            copies.Sent = count;
            _feeds[source].First();
            output.Add(record);
        }
        else _feeds[source].Repeated(receivedTicks - copies.FirstTicks);
    }

    private void ForgetOlderThan(long oldest)
    {
        while (_copyOrder.TryPeek(out var first) && first.ReceivedTicks < oldest)
            _copies.Remove(_copyOrder.Dequeue().Content);
    }

    private sealed class ContentComparer : IEqualityComparer<ReadOnlyMemory<byte>>
    {
        public static readonly ContentComparer Instance = new();

        public bool Equals(ReadOnlyMemory<byte> x, ReadOnlyMemory<byte> y) => x.Span.SequenceEqual(y.Span);

        public int GetHashCode(ReadOnlyMemory<byte> content)
        {
            var hash = new HashCode();
            hash.AddBytes(content.Span);
            return hash.ToHashCode();
        }
    }
}
