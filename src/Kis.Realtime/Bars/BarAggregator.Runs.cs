using Kis.Realtime.Internal;

namespace Kis.Realtime;

// The reorder buffer's runs: waiting records of one TR that continue one another (each one's acml_vol is the one before's
// plus its own volume) are one entry in its orders, not one each. Behind a hole nearly every record continues the one
// before; in a batch received in reverse each is continued by the lowest waiting. The run's lowest record holds its slot
// (its place in the tape order, under its own keys), the others lie in the run store in exchange order, side by side:
// a record joining costs a copy at an end of the store, and the run goes on as a sweep through it. A run is kept in the
// receive order under its first record's receive time, the earliest (a record joins only when received no earlier), and
// out of the by-volume chain (its records are chained, never a hole's trade with a corrupt acml_vol). Whatever the
// buffer asks of a run's records it answers as for records waiting each on its own: a repeat and a record's neighbours
// are found in the store by binary search; anything else (a second TR waiting, a record of the run due other than in
// turn, dropped or expired) first undoes the run into records of their own (MaterializeRun), each record at most once.
public sealed partial class BarAggregator<TTrade, TAccessor>
{
    private readonly PendingRunStore<Pending> _runStore = new();
    private int _runTr = -1; // the TR whose records the run store holds (only one TR waits while any run does)

    /// <summary>False: every waiting record is its own entry (tests compare the two: runs change the cost only).</summary>
    internal bool JoinRuns { get; set; } = true;

    // r continues its tape's highest waiting record, or its lowest continues r: r joins that record's run. Only while
    // nothing else waits but that TR's records in the ring (at its ends, in exchange order) and r has a volume (a record
    // adding none ties with its neighbour).
    private bool TryJoinRun(in Pending r, long arrival)
    {
        if (!JoinRuns || r.Behind || r.Volume <= 0 || _waitingOfTr[r.Tr] != PendingCount || _tapeOrder[r.Tr] is not { HeapCount: 0 } order)
            return false;
        var top = order.LastId;
        if (top < 0) return false;
        ref var s = ref _slots[top];
        if (s.Day == r.Day && s.Volume > 0 && r.Received >= s.RunReceived)
        {
            var tail = s.RunCount == 0 ? s.Accumulated : _runStore.EndAt(s.RunFrom + s.RunCount - 1);
            if (r.Accumulated - r.Volume == tail && (s.RunCount == 0 ? AboveRuns(r.Day, r.Accumulated) : s.RunFrom + s.RunCount == _runStore.End))
            {
                if (s.RunCount == 0) Unlink(ByVolume, top, new PendingKey(s.Tr, s.Day, s.Volume));
                var place = _runStore.PushBack(r, r.Day, r.Accumulated, r.Accumulated - r.Volume, top);
                _runStore.At(place).Arrival = arrival; // a stored record's own run fields are not read
                if (s.RunCount++ == 0) s.RunFrom = place;
                _runTr = r.Tr;
                return true;
            }
        }
        var bottom = order.FirstId;
        ref var b = ref _slots[bottom];
        if (b.Day != r.Day || b.Volume <= 0 || r.Received < b.RunReceived || r.Accumulated != b.Accumulated - b.Volume
            || (b.RunCount == 0 ? !BelowRuns(b.Day, b.Accumulated) : b.RunFrom != _runStore.First))
            return false;
        // r is below every waiting record: it takes the slot (and the run's place at the tape order's front), the record
        // there goes to the store's front.
        if (b.RunCount == 0) Unlink(ByVolume, bottom, new PendingKey(b.Tr, b.Day, b.Volume));
        var from = _runStore.PushFront(b, b.Day, b.Accumulated, b.Accumulated - b.Volume, bottom);
        var (count, received) = (b.RunCount + 1, b.RunReceived);
        b = r;
        (b.Arrival, b.RunFrom, b.RunCount, b.RunReceived, b.Indexed) = (arrival, from, count, received, false);
        order.ReplaceFirst(r.Day, r.Accumulated, arrival, r.Accumulated - r.Volume);
        _runTr = r.Tr;
        return true;
    }

    // Every record in the run store is below (day, accumulated) / above it: the store stays in exchange order.
    private bool AboveRuns(int day, long accumulated) =>
        _runStore.Count == 0 || _runStore.DayAt(_runStore.End - 1) < day
        || (_runStore.DayAt(_runStore.End - 1) == day && _runStore.EndAt(_runStore.End - 1) < accumulated);

    private bool BelowRuns(int day, long accumulated) =>
        _runStore.Count == 0 || _runStore.DayAt(_runStore.First) > day
        || (_runStore.DayAt(_runStore.First) == day && _runStore.EndAt(_runStore.First) > accumulated);

    // The run of `head` (its lowest record, just gone on) goes on in turn: each record is then its tape's lowest waiting
    // and the only one (no other TR waits), and continues the tape, so the release loop would take it next. The first
    // that is not (a record of another TR came, or one of the same place waits on its own) and those after it wait each
    // on its own.
    private bool ReleaseRun(in Pending head)
    {
        var closed = false;
        var end = head.RunFrom + head.RunCount;
        for (var place = head.RunFrom; place < end; place++)
        {
            ref readonly var f = ref _runStore.At(place);
            if (_waitingOfTr[f.Tr] != PendingCount || !_tapeOrder[f.Tr]!.AllAbove(f.Day, f.Accumulated)
                || !Continues(f.Tr, f.Day, f.Accumulated, f.Volume))
            {
                Materialize(place, end);
                break;
            }
            _runStore.Remove(place); // marked gone, kept as it is: nothing enters the store while it goes on
            _waitingOfTr[f.Tr]--;
            closed |= Process(f.Trade, f.Utc, f.Local, f.Day, f.Accumulated);
        }
        return closed;
    }

    // The run held by slot `id` undone: each of its records waits on its own, as if it had never joined.
    private void MaterializeRun(int id)
    {
        ref var s = ref _slots[id];
        if (s.RunCount == 0) return;
        var (from, end) = (s.RunFrom, s.RunFrom + s.RunCount);
        s.RunCount = 0;
        s.RunReceived = s.Received;
        _receiveOrder.Remove(id);
        _receiveOrder.Add(id, s.Received, s.Arrival, 0);
        Link(ByVolume, id, new PendingKey(s.Tr, s.Day, s.Volume));
        Materialize(from, end);
    }

    private void MaterializeRuns()
    {
        while (_runStore.Count > 0) MaterializeRun(_runStore.OwnerAt(_runStore.First));
    }

    private void Materialize(long from, long end)
    {
        for (var place = from; place < end; place++)
        {
            var p = _runStore.At(place);
            _runStore.Remove(place);
            p.RunCount = 0;
            Enter(p, p.Arrival);
        }
    }

    // A record in a run with this identity (a repeat of one waiting there).
    private bool IsInRun(int tr, int day, in TradeIdentity trade)
    {
        if (_runStore.Count == 0 || tr != _runTr) return false;
        var (from, to) = _runStore.Range(day, trade.Accumulated, byStart: false);
        for (var at = from; at < to; at++)
            if (_runStore.OwnerAt(at) >= 0 && Identity(_runStore.At(at)) == trade) return true;
        return false;
    }

    // How many records in runs end, or start, at this cumulative volume.
    private int InRuns(int tr, int day, long accumulated, bool byStart)
    {
        if (_runStore.Count == 0 || tr != _runTr) return 0;
        var (from, to) = _runStore.Range(day, accumulated, byStart);
        var count = 0;
        for (var at = from; at < to; at++)
            if (_runStore.OwnerAt(at) >= 0) count++;
        return count;
    }
}
