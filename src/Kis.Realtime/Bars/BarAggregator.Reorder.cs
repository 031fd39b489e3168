namespace Kis.Realtime;

// BarOptions.ReorderWindow: records put back in exchange order (by cumulative volume, per TR) before they reach a bar. A
// record that continues the tape goes on at once; one after a hole waits for the hole's trades up to the window (on the
// receive clock), then goes on and the hole is a gap. A record whose acml_vol contradicts the tape (one corrupt digit) is
// reported (CorruptRecords) and put where its own volume fits, or in no bar; it never makes later trades look repeated.
public sealed partial class BarAggregator<TTrade, TAccessor>
{
    private readonly long _reorderWindow; // BarOptions.ReorderWindow in ticks: 0 takes records in arrival order
    private readonly List<Pending> _pending = [];
    private long _receivedWatermark; // the latest receive (or stamp) instant seen, UTC ticks

    private struct Pending
    {
        public TTrade Trade;
        public long Received, Utc, Local, Accumulated, Volume;
        public int Tr, Day;
        public bool Behind; // behind the tape when it came (and no repeat, no gap's trade): corrupt unless its volume fills a hole
    }

    // Arrival: straight on without a window, a record without acml_vol or of a TR not tracked; else into the buffer.
    private bool Arrive(in TTrade trade, long received, long utc, long local, int day)
    {
        var accumulated = TAccessor.CumulativeVolume(trade);
        var tr = accumulated < 0 ? -1 : TrSlot(TAccessor.TrId(trade));
        if (_reorderWindow == 0 || tr < 0) return Process(trade, utc, local, day, accumulated);
        // What waited past its window before this record came goes on first (it was due before this one arrived).
        var closed = false;
        if (received > _receivedWatermark)
        {
            _receivedWatermark = received;
            closed = ReleasePending(received);
        }
        var volume = TAccessor.Volume(trade);
        var identity = new TradeIdentity(accumulated, volume, TAccessor.Price(trade), local);
        if (IsSeen(tr, day, identity) || IsPending(tr, day, identity))
        {
            DuplicateTrades++;
            return closed;
        }
        var behind = IsBehind(tr, day, accumulated, volume);
        // A trade of a gap already given up on goes on at once (late); anything else behind the tape waits: it may be the
        // hole's own trade with a corrupt acml_vol.
        if (behind && CanFill(tr, accumulated - volume, accumulated)) return Process(trade, utc, local, day, accumulated) | closed;
        _pending.Add(new Pending
        {
            Trade = trade, Received = received, Utc = utc, Local = local, Accumulated = accumulated, Volume = volume,
            Tr = tr, Day = day, Behind = behind,
        });
        return ReleasePending(_receivedWatermark) | closed;
    }

    /// <summary>Sends on every pending record that continues its tape or whose window ended by <paramref name="now"/> (UTC ticks).</summary>
    private bool ReleasePending(long now)
    {
        var closed = false;
        while (_pending.Count > 0)
        {
            var next = -1;
            var corrected = -1L;
            for (var i = 0; i < _pending.Count && next < 0; i++)
            {
                if (_pending[i].Behind || !IsLowest(i)) continue;
                if (Continues(_pending[i])) next = i;
                else if (_pending[i].Received + _reorderWindow <= now)
                {
                    // Its hole's trades never came: one pending record whose own volume fills the hole exactly is that
                    // trade with a corrupt acml_vol; else the hole is a gap.
                    var filler = FindFiller(i);
                    if (filler >= 0)
                    {
                        corrected = _trAccumulated[_pending[filler].Tr] + _pending[filler].Volume;
                        NoteCorrupt(_pending[filler], corrected, inBar: true);
                        next = filler;
                    }
                    else if (Contradicts(_pending[i])) next = Drop(i);
                    else next = i;
                }
            }
            if (next == -2) continue;
            if (next < 0 && (next = ExpiredCorrupt(now)) == -2) continue;
            if (next < 0) break;
            var p = _pending[next];
            _pending.RemoveAt(next);
            if (corrected >= 0) Remember(p.Tr, p.Day, new TradeIdentity(p.Accumulated, p.Volume, TAccessor.Price(p.Trade), p.Local));
            closed |= Process(p.Trade, p.Utc, p.Local, p.Day, corrected >= 0 ? corrected : p.Accumulated);
        }
        return closed;
    }

    // A record still waiting twice its window and not next on its tape contradicts it: reported, in no bar (-2).
    private int ExpiredCorrupt(long now)
    {
        for (var i = 0; i < _pending.Count; i++)
        {
            var p = _pending[i];
            if (p.Received + 2 * _reorderWindow > now && now != long.MaxValue) continue;
            if (!p.Behind && IsLowest(i)) continue;
            return Drop(i);
        }
        return -1;
    }

    // The tape went on past its stamp and stays below the volume it claims before itself: a later trade cannot have a
    // smaller cumulative volume, so this acml_vol is wrong.
    private bool Contradicts(in Pending p) =>
        _trSeen[p.Tr] && p.Day == _trDay[p.Tr] && _trLocal[p.Tr] > p.Local && _trAccumulated[p.Tr] < p.Accumulated - p.Volume;

    private int Drop(int i)
    {
        var p = _pending[i];
        NoteCorrupt(p, null, inBar: false);
        Remember(p.Tr, p.Day, new TradeIdentity(p.Accumulated, p.Volume, TAccessor.Price(p.Trade), p.Local));
        _pending.RemoveAt(i);
        return -2;
    }

    /// <summary>When the oldest pending record's window ends on the clock (null: none pending).</summary>
    private DateTimeOffset? PendingClockRelease()
    {
        if (_pending.Count == 0) return null;
        var first = long.MaxValue;
        foreach (var p in _pending) first = Math.Min(first, p.Received);
        return new DateTimeOffset(first + _reorderWindow, TimeSpan.Zero);
    }

    private bool IsLowest(int i)
    {
        var p = _pending[i];
        foreach (var q in _pending)
            if (!q.Behind && q.Tr == p.Tr && (q.Day < p.Day || (q.Day == p.Day && q.Accumulated < p.Accumulated))) return false;
        return true;
    }

    // Next on its tape: the TR's first record from the day's start, a new day's first trade, or the next cumulative volume.
    private bool Continues(in Pending p)
    {
        if (_trIds[p.Tr] is null || !_trSeen[p.Tr]) return p.Accumulated == p.Volume;
        if (p.Day > _trDay[p.Tr]) return p.Accumulated == p.Volume;
        return p.Day == _trDay[p.Tr] && p.Accumulated - p.Volume == _trAccumulated[p.Tr];
    }

    // A pending record of the same TR and day, stamped between the tape's last trade and the one waiting at index i, whose
    // volume is exactly the hole before it and whose acml_vol does not continue the tape: the hole's trade, corrupt.
    private int FindFiller(int waiting)
    {
        var w = _pending[waiting];
        if (!_trSeen[w.Tr] || w.Day != _trDay[w.Tr]) return -1;
        var hole = w.Accumulated - w.Volume - _trAccumulated[w.Tr];
        if (hole <= 0) return -1;
        for (var i = 0; i < _pending.Count; i++)
        {
            var p = _pending[i];
            if (i != waiting && p.Tr == w.Tr && p.Day == w.Day && p.Volume == hole && p.Local <= w.Local && p.Local >= _trLocal[w.Tr]
                && !IsChained(i)) return i;
        }
        return -1;
    }

    // A pending record whose acml_vol another pending record continues, or which continues one: its acml_vol agrees with
    // its neighbours, so it is its own trade (in a burst stamped one second, a later trade often has the hole's volume).
    private bool IsChained(int index)
    {
        var p = _pending[index];
        for (var i = 0; i < _pending.Count; i++)
        {
            var q = _pending[i];
            if (i == index || q.Tr != p.Tr || q.Day != p.Day) continue;
            if (q.Accumulated == p.Accumulated - p.Volume || q.Accumulated - q.Volume == p.Accumulated) return true;
        }
        return false;
    }

    private void NoteCorrupt(in Pending p, long? expected, bool inBar)
    {
        CorruptTrades++;
        if (!inBar) SkippedCorrupt++;
        if (_corrupt.Count < MaxCorruptKept)
            _corrupt.Add(new CorruptCumulativeVolume
            {
                TrId = TAccessor.TrId(p.Trade),
                Time = new DateTimeOffset(p.Local, _calendar!.OffsetAtUtc(p.Utc)),
                CumulativeVolume = p.Accumulated,
                Volume = p.Volume,
                ExpectedCumulativeVolume = expected,
                InBar = inBar,
            });
    }

    private const int MaxCorruptKept = 16;
    private readonly List<CorruptCumulativeVolume> _corrupt = [];

    /// <summary>
    /// Records whose acml_vol contradicted the tape (their trades' own volumes): put where their volume fits (the hole they
    /// left), or in no bar when none fits. See <see cref="CorruptRecords"/>.
    /// </summary>
    public long CorruptTrades { get; private set; }

    /// <summary>Of <see cref="CorruptTrades"/>, those in no bar.</summary>
    public long SkippedCorrupt { get; private set; }

    /// <summary>The first 16 <see cref="CorruptTrades"/>, located by their stamp.</summary>
    public IReadOnlyList<CorruptCumulativeVolume> CorruptRecords => _corrupt;
}

/// <summary>A record whose acml_vol contradicts the trades' own volumes (e.g. one digit corrupt), located.</summary>
public readonly record struct CorruptCumulativeVolume
{
    /// <summary>The TR.</summary>
    public string TrId { get; init; }
    /// <summary>The trade's stamp, on the market's clock.</summary>
    public DateTimeOffset Time { get; init; }
    /// <summary>The acml_vol the record carried.</summary>
    public long CumulativeVolume { get; init; }
    /// <summary>The trade's own volume.</summary>
    public long Volume { get; init; }
    /// <summary>What the trades before it give (the hole its volume filled); null when nothing on the tape fits it.</summary>
    public long? ExpectedCumulativeVolume { get; init; }
    /// <summary>True when it went into its bar at <see cref="ExpectedCumulativeVolume"/>; false: in no bar.</summary>
    public bool InBar { get; init; }
}
