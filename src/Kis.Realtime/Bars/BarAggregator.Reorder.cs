using Kis.Realtime.Internal;

namespace Kis.Realtime;

// BarOptions.ReorderWindow: records put back in exchange order (by cumulative volume, per TR) before they reach a bar. A
// record that continues the tape goes on at once; one after a hole waits for the hole's trades up to the window (on the
// receive clock), then goes on and the hole is a gap. A record whose acml_vol contradicts the tape (one corrupt digit) is
// reported (CorruptRecords) and put where its own volume fits, or in no bar; it never makes later trades look repeated.
// The waiting records are kept ordered (PendingRecords.cs), so each costs the same however many wait.
public sealed partial class BarAggregator<TTrade, TAccessor>
{
    private readonly long _reorderWindow; // BarOptions.ReorderWindow in ticks: 0 takes records in arrival order
    private long _receivedWatermark; // the latest receive (or stamp) instant seen, UTC ticks
    // Nothing waiting is due before this receive instant unless the tape moves (Process) or a record comes that may go
    // on (AddPending): set when a release finds nothing due, so the records arriving behind a hole do not each look the
    // buffer over again. long.MinValue: not known.
    private long _quietUntil = long.MinValue;
    private const int Dropped = -2;
    private readonly PendingRecords _pending; // the waiting records (PendingRecords.cs)

    // Arrival: straight on without a window, a record without acml_vol or of a TR not tracked; else into the buffer.
    private bool Arrive(in TTrade trade, long received, long utc, long local, int day)
    {
        var accumulated = TAccessor.CumulativeVolume(trade);
        var tr = accumulated < 0 ? -1 : _tape.Slot(TAccessor.TrId(trade));
        if (_seeded.Covers(tr, day, accumulated, _key, _calendar!)) return false; // in the seed already (Internal/SeededBars)
        var facts = new TradeFacts(tr, TAccessor.Price(trade), TAccessor.Volume(trade),
            TAccessor.ValueIsPriceTimesVolume ? 0 : TAccessor.Value(trade), TAccessor.Session(trade));
        if (_reorderWindow == 0 || tr < 0) return Process(facts, utc, local, day, accumulated);
        // What waited past its window before this record came goes on first (it was due before this one arrived).
        var closed = false;
        if (received > _receivedWatermark)
        {
            _receivedWatermark = received;
            closed = ReleasePending(received);
        }
        var volume = facts.Volume;
        var identity = new TradeIdentity(accumulated, volume, facts.Price, local);
        if (_tape.IsSeen(tr, day, identity) || _pending.IsPending(tr, day, identity))
        {
            _tape.DuplicateTrades++;
            return closed;
        }
        var behind = _tape.IsBehind(tr, day, accumulated, volume);
        // A trade of a gap already given up on goes on at once (late); anything else behind the tape waits: it may be the
        // hole's own trade with a corrupt acml_vol.
        if (behind && _tape.CanFill(tr, accumulated - volume, accumulated)) return Process(facts, utc, local, day, accumulated) | closed;
        // None of its TR's records waits and it continues its tape: on at once, as the buffer would send it (what was due
        // went on above, and another TR's waiting records wait on whatever this TR's tape does).
        if (!behind && _pending.WaitingOfTr[tr] == 0 && Continues(tr, day, accumulated, volume) && !_pending.HeldByOtherTr(tr, day, local))
            return Process(facts, utc, local, day, accumulated) | closed;
        AddPending(new PendingTrade
        {
            Trade = facts, Received = received, Utc = utc, Local = local, Accumulated = accumulated, Volume = volume,
            Tr = tr, Day = day, Behind = behind,
        });
        return ReleasePending(_receivedWatermark) | closed;
    }

    /// <summary>Sends on every pending record that continues its tape or whose window ended by <paramref name="now"/> (UTC ticks).</summary>
    private bool ReleasePending(long now)
    {
        if (now < _quietUntil) return false;
        var closed = false;
        while (_pending.Count > 0)
        {
            var next = NextReleased(now, out var corrected);
            if (next == Dropped) continue;
            if (next < 0)
            {
                if (DropExpiredCorrupt(now)) continue;
                _quietUntil = _pending.ReceiveOrder.MinA + _reorderWindow; // no window ends before the oldest record's
                break;
            }
            var p = _pending.Unlink(next);
            if (corrected >= 0) _tape.Remember(p.Tr, p.Day, PendingRecords.Identity(p));
            _pending.Free(next);
            closed |= Process(p.Trade, p.Utc, p.Local, p.Day, corrected >= 0 ? corrected : p.Accumulated);
            if (p.RunCount > 0) closed |= ReleaseRun(p, now);
        }
        return closed;
    }

    // Of each TR's lowest waiting records (in release order, ReleaseKey), the first that continues its tape and is not
    // held for another TR's earlier bar, or whose window ended: that one; or, its hole's trades never having come, the
    // record whose own volume fills the hole exactly (that trade with a corrupt acml_vol, going in at `corrected`); or
    // Dropped when it contradicts the tape; -1: none is due.
    private int NextReleased(long now, out long corrected)
    {
        corrected = -1;
        var candidates = _pending.LowestPending();
        foreach (var id in candidates)
        {
            _pending.Steps++;
            ref readonly var p = ref _pending.Slots[id];
            var waiting = p.Received + _reorderWindow > now;
            if ((Continues(p.Tr, p.Day, p.Accumulated, p.Volume) || VolumeOverlapsConfirmed(p))
                && !(waiting && _pending.HeldByOtherTr(p.Tr, p.Day, p.Local))) return id;
            if (waiting) continue;
            var filler = FindFiller(id);
            if (filler >= 0)
            {
                corrected = _tape.Accumulated[p.Tr] + _pending.Slots[filler].Volume;
                _corrupt.NoteRecord(_pending.Slots[filler], corrected, inBar: true, _tape, _calendar!);
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
        var limit = now == long.MaxValue ? long.MaxValue : now - 2 * _reorderWindow;
        // A run is kept under its earliest receive time: its records are judged one by one (rare: a run waits one window).
        if (_pending.RunRecords > 0 && _pending.ReceiveOrder.MinA <= limit) _pending.MaterializeRuns();
        var expired = _pending.ExpiredPending(limit);
        foreach (var id in expired) Drop(id);
        return expired.Count > 0;
    }

    // A record just added could be due before any window ends: it continues its tape, or it confirms a waiting record
    // whose volume reaches back over the tape (VolumeOverlapsConfirmed). Else nothing became due but at its window's end.
    private void NoteAdded(in PendingTrade p)
    {
        if (_quietUntil == long.MinValue) return;
        if (!p.Behind && (Continues(p.Tr, p.Day, p.Accumulated, p.Volume) || VolumeOverlapsConfirmed(p) || _pending.ConfirmsOverlap(p)))
            _quietUntil = long.MinValue;
        else _quietUntil = Math.Min(_quietUntil, p.Received + _reorderWindow);
    }

    // Its acml_vol is past the tape's but its own volume reaches back over it (a cntg_vol too large), and a waiting record
    // continues its acml_vol: nothing is missing before it, so it need not wait (its bar takes the step, CheckVolume).
    private bool VolumeOverlapsConfirmed(in PendingTrade p) =>
        _tape.Seen[p.Tr] && p.Day == _tape.Day[p.Tr] && p.Accumulated > _tape.Accumulated[p.Tr] && p.Accumulated - p.Volume < _tape.Accumulated[p.Tr]
        && _pending.AnyStartsAt(p.Tr, p.Day, p.Accumulated);

    // The tape went on past its stamp and stays below the volume it claims before itself: a later trade cannot have a
    // smaller cumulative volume, so this acml_vol is wrong.
    private bool Contradicts(in PendingTrade p) =>
        _tape.Seen[p.Tr] && p.Day == _tape.Day[p.Tr] && _tape.Local[p.Tr] > p.Local && _tape.Accumulated[p.Tr] < p.Accumulated - p.Volume;

    private void Drop(int id)
    {
        _pending.MaterializeRun(id);
        var p = _pending.Unlink(id);
        _pending.Free(id);
        _corrupt.NoteRecord(p, null, inBar: false, _tape, _calendar!);
        _tape.Remember(p.Tr, p.Day, PendingRecords.Identity(p));
    }

    /// <summary>When the oldest pending record's window ends on the clock (null: none pending).</summary>
    private DateTimeOffset? PendingClockRelease() =>
        _pending.Count == 0 ? null : new DateTimeOffset(_pending.ReceiveOrder.MinA + _reorderWindow, TimeSpan.Zero);

    // Next on its tape: the TR's first record from the day's start, a new day's first trade, or the next cumulative volume.
    private bool Continues(int tr, int day, long accumulated, long volume)
    {
        if (_tape.Ids[tr] is null || !_tape.Seen[tr]) return accumulated == volume;
        if (day > _tape.Day[tr]) return accumulated == volume;
        return day == _tape.Day[tr] && accumulated - volume == _tape.Accumulated[tr];
    }

    // Corrupt records found, with their counts (Internal/CorruptReports).
    private readonly CorruptReports _corrupt = new();

    /// <summary>
    /// Records whose acml_vol contradicted the tape (their trades' own volumes): put where their volume fits (the hole they
    /// left), or in no bar when none fits. See <see cref="CorruptRecords"/>.
    /// </summary>
    public long CorruptTrades => _corrupt.Trades;

    /// <summary>Of <see cref="CorruptTrades"/>, those in no bar.</summary>
    public long SkippedCorrupt => _corrupt.Skipped;

    /// <summary>The first 16 <see cref="CorruptTrades"/>, located by their stamp.</summary>
    public IReadOnlyList<CorruptCumulativeVolume> CorruptRecords => _corrupt.Records;
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
    /// <summary>
    /// The tape's cumulative volume when it was found (null: nothing on the tape yet): a record in no bar claims a place at or
    /// below it that no open gap holds (its acml_vol less its volume to its acml_vol), so no placement explains it.
    /// </summary>
    public long? TapeCumulativeVolume { get; init; }
}
