namespace Kis.Realtime.Internal;

// What a released record goes to: the aggregator, which puts it into bars in exchange order. A struct over it, so that
// the buffer's calls are direct (a generic argument of struct type is compiled for it): an interface call a record
// cost about 5 % of the in-order path.
internal interface IExchangeOrderSink
{
    MarketCalendar Calendar { get; }
    bool Process(in TradeFacts trade, long utc, long local, int day, long accumulated);
}

// BarOptions.ReorderWindow: records put back in exchange order (by cumulative volume, per TR) before they reach a bar. A
// record that continues the tape goes on at once; one after a hole waits for the hole's trades up to the window (on the
// receive clock), then goes on and the hole is a gap. A record whose acml_vol contradicts the tape (one corrupt digit) is
// reported (CorruptReports) and put where its own volume fits, or in no bar; it never makes later trades look repeated.
// The waiting records are kept ordered (PendingRecords), so each costs the same however many wait.
//
// Its own type because it owns when a waiting record goes on (its window, its tape, the other TRs' bars) and every
// figure of that decision; the aggregator owns the tapes and the corrupt-record reports it reads and writes, and hears
// of each record released through its sink. Runs of records released in turn: ReorderBuffer.Runs.cs.
internal sealed partial class ReorderBuffer<TSink>(BarKind kind, long interval, long window, Tapes tape, CorruptReports corrupt, TSink sink)
    where TSink : struct, IExchangeOrderSink
{
    private const int Dropped = -2;
    private readonly BarKind _kind = kind;
    private readonly long _interval = interval;
    private readonly long _window = window; // BarOptions.ReorderWindow in ticks: 0 takes records in arrival order
    private readonly Tapes _tape = tape;
    private readonly CorruptReports _corrupt = corrupt;
    private readonly TSink _sink = sink;
    private long _receivedWatermark; // the latest receive (or stamp) instant seen, UTC ticks
    // Nothing waiting is due before this receive instant unless the tape moves (TapeMoved) or a record comes that may go
    // on (NoteAdded): set when a release finds nothing due, so the records arriving behind a hole do not each look the
    // buffer over again. long.MinValue: not known.
    private long _quietUntil = long.MinValue;

    internal PendingRecords Pending { get; } = new(kind, interval);

    /// <summary>True when records are put back in exchange order (a window is set).</summary>
    public bool IsOn => _window > 0;

    /// <summary>A record of TR <paramref name="tr"/> went into the bars: a waiting record of its TR may continue it now.</summary>
    public void TapeMoved(int tr)
    {
        // Only its own TR's: another TR's records are due by their own tape or window alone, so a TR going on while
        // another's wait behind a hole costs no look at them.
        if (tr < 0 || Pending.WaitingOfTr[tr] > 0) _quietUntil = long.MinValue;
    }

    /// <summary>A record of a tracked TR arrived: on at once when it continues its tape, else it waits.</summary>
    public bool Arrive(in TradeFacts facts, long received, long utc, long local, int day, long accumulated)
    {
        var tr = facts.Tr;
        // What waited past its window before this record came goes on first (it was due before this one arrived).
        var closed = false;
        if (received > _receivedWatermark)
        {
            _receivedWatermark = received;
            closed = Release(received);
        }
        var volume = facts.Volume;
        var identity = new TradeIdentity(accumulated, volume, facts.Price, local);
        if (_tape.IsSeen(tr, day, identity) || Pending.IsPending(tr, day, identity))
        {
            _tape.DuplicateTrades++;
            return closed;
        }
        var behind = _tape.IsBehind(tr, day, accumulated, volume);
        // A trade of a gap already given up on goes on at once (late); anything else behind the tape waits: it may be the
        // hole's own trade with a corrupt acml_vol.
        if (behind && _tape.CanFill(tr, accumulated - volume, accumulated)) return _sink.Process(facts, utc, local, day, accumulated) | closed;
        // None of its TR's records waits and it continues its tape: on at once, as the buffer would send it (what was due
        // went on above, and another TR's waiting records wait on whatever this TR's tape does).
        if (!behind && Pending.WaitingOfTr[tr] == 0 && Continues(tr, day, accumulated, volume) && !Pending.HeldByOtherTr(tr, day, local))
            return _sink.Process(facts, utc, local, day, accumulated) | closed;
        var record = new PendingTrade
        {
            Trade = facts, Received = received, Utc = utc, Local = local, Accumulated = accumulated, Volume = volume,
            Tr = tr, Day = day, Behind = behind,
        };
        Pending.Add(record);
        NoteAdded(record);
        return Release(_receivedWatermark) | closed;
    }

    /// <summary>Sends on every pending record that continues its tape or whose window ended by <paramref name="now"/> (UTC ticks).</summary>
    public bool Release(long now)
    {
        if (now < _quietUntil) return false;
        var closed = false;
        while (Pending.Count > 0)
        {
            var next = NextReleased(now, out var corrected);
            if (next == Dropped) continue;
            if (next < 0)
            {
                if (DropExpiredCorrupt(now)) continue;
                _quietUntil = Pending.ReceiveOrder.MinA + _window; // no window ends before the oldest record's
                break;
            }
            var p = Pending.Unlink(next);
            if (corrected >= 0) _tape.Remember(p.Tr, p.Day, PendingRecords.Identity(p));
            Pending.Free(next);
            closed |= _sink.Process(p.Trade, p.Utc, p.Local, p.Day, corrected >= 0 ? corrected : p.Accumulated);
            if (p.RunCount > 0) closed |= ReleaseRun(p, now);
        }
        return closed;
    }

    /// <summary>When the oldest pending record's window ends on the clock (null: none pending).</summary>
    public DateTimeOffset? ClockRelease() =>
        Pending.Count == 0 ? null : new DateTimeOffset(Pending.ReceiveOrder.MinA + _window, TimeSpan.Zero);

    public void Clear()
    {
        Pending.Clear();
        _quietUntil = long.MinValue;
        _receivedWatermark = 0;
    }

    // Of each TR's lowest waiting records (in release order, ReleaseKey), the first that continues its tape and is not
    // held for another TR's earlier bar, or whose window ended: that one; or, its hole's trades never having come, the
    // record whose own volume fills the hole exactly (that trade with a corrupt acml_vol, going in at `corrected`); or
    // Dropped when it contradicts the tape; -1: none is due.
    private int NextReleased(long now, out long corrected)
    {
        corrected = -1;
        var candidates = Pending.LowestPending();
        foreach (var id in candidates)
        {
            Pending.Steps++;
            ref readonly var p = ref Pending.Slots[id];
            var waiting = p.Received + _window > now;
            if ((Continues(p.Tr, p.Day, p.Accumulated, p.Volume) || VolumeOverlapsConfirmed(p))
                && !(waiting && Pending.HeldByOtherTr(p.Tr, p.Day, p.Local))) return id;
            if (waiting) continue;
            var filler = FindFiller(id);
            if (filler >= 0)
            {
                corrected = _tape.Accumulated[p.Tr] + Pending.Slots[filler].Volume;
                _corrupt.NoteRecord(Pending.Slots[filler], corrected, inBar: true, _tape, _sink.Calendar);
                return filler;
            }
            if (!Contradicts(p)) return id;
            Drop(id);
            return Dropped;
        }
        return -1;
    }

    // Records still waiting twice their window and not next on their tape contradict it: reported, in no bar, in
    // arrival order. True when any was.
    private bool DropExpiredCorrupt(long now)
    {
        var limit = now == long.MaxValue ? long.MaxValue : now - 2 * _window;
        // A run is kept under its earliest receive time: its records are judged one by one (rare: a run waits one window).
        if (Pending.RunRecords > 0 && Pending.ReceiveOrder.MinA <= limit) Pending.MaterializeRuns();
        var expired = Pending.ExpiredPending(limit);
        foreach (var id in expired) Drop(id);
        return expired.Count > 0;
    }

    // A record just added could be due before any window ends: it continues its tape, or it confirms a waiting record
    // whose volume reaches back over the tape (VolumeOverlapsConfirmed). Else nothing became due but at its window's end.
    private void NoteAdded(in PendingTrade p)
    {
        if (_quietUntil == long.MinValue) return;
        if (!p.Behind && (Continues(p.Tr, p.Day, p.Accumulated, p.Volume) || VolumeOverlapsConfirmed(p) || Pending.ConfirmsOverlap(p)))
            _quietUntil = long.MinValue;
        else _quietUntil = Math.Min(_quietUntil, p.Received + _window);
    }

    // Its acml_vol is past the tape's but its own volume reaches back over it (a cntg_vol too large), and a waiting record
    // continues its acml_vol: nothing is missing before it, so it need not wait (its bar takes the step, CheckVolume).
    private bool VolumeOverlapsConfirmed(in PendingTrade p) =>
        _tape.Seen[p.Tr] && p.Day == _tape.Day[p.Tr] && p.Accumulated > _tape.Accumulated[p.Tr] && p.Accumulated - p.Volume < _tape.Accumulated[p.Tr]
        && Pending.AnyStartsAt(p.Tr, p.Day, p.Accumulated);

    // The tape went on past its stamp and stays below the volume it claims before itself: a later trade cannot have a
    // smaller cumulative volume, so this acml_vol is wrong.
    private bool Contradicts(in PendingTrade p) =>
        _tape.Seen[p.Tr] && p.Day == _tape.Day[p.Tr] && _tape.Local[p.Tr] > p.Local && _tape.Accumulated[p.Tr] < p.Accumulated - p.Volume;

    private void Drop(int id)
    {
        Pending.MaterializeRun(id);
        var p = Pending.Unlink(id);
        Pending.Free(id);
        _corrupt.NoteRecord(p, null, inBar: false, _tape, _sink.Calendar);
        _tape.Remember(p.Tr, p.Day, PendingRecords.Identity(p));
    }

    // Next on its tape: the TR's first record from the day's start, a new day's first trade, or the next cumulative volume.
    private bool Continues(int tr, int day, long accumulated, long volume)
    {
        if (_tape.Ids[tr] is null || !_tape.Seen[tr]) return accumulated == volume;
        if (day > _tape.Day[tr]) return accumulated == volume;
        return day == _tape.Day[tr] && accumulated - volume == _tape.Accumulated[tr];
    }
}
