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
// are found in the store by binary search. Each TR has its own runs and store, so a second TR waiting (KRX and NXT of
// one stock) costs nothing: a run goes on in its sweep only while no other TR's lowest waiting record comes before its
// next, as the release loop would take them (by bar, TR and arrival among the TRs' lowest: ReleaseKey), nor lies in an
// earlier bar (HeldByOtherTr); else the rest of the run waits under its next record (ReHead, O(1)) and the loop takes
// it in turn. Anything else (a record of the run due other than in turn, dropped or expired) first undoes the run into
// records of their own (MaterializeRun), each record at most once.
public sealed partial class BarAggregator<TTrade, TAccessor>
{
    private readonly PendingRunStore<RunRecord>?[] _runStores = new PendingRunStore<RunRecord>?[MaxTrs];
    private int _runRecords; // records in every run store

    /// <summary>False: every waiting record is its own entry (tests compare the two: runs change the cost only).</summary>
    internal bool JoinRuns { get; set; } = true;

    private PendingRunStore<RunRecord> RunStore(int tr) => _runStores[tr] ??= new();

    // r continues its tape's highest waiting record, or its lowest continues r: r joins that record's run. Only while
    // that TR's records wait in the ring alone (at its ends, in exchange order) and r has a volume (a record adding none
    // ties with its neighbour).
    private bool TryJoinRun(in Pending r, long arrival)
    {
        if (!JoinRuns || r.Behind || r.Volume <= 0 || _tapeOrder[r.Tr] is not { HeapCount: 0 } order) return false;
        var top = order.LastId;
        if (top < 0) return false;
        var store = RunStore(r.Tr);
        ref var s = ref _slots[top];
        if (s.Day == r.Day && s.Volume > 0 && r.Received >= s.RunReceived)
        {
            var tail = s.RunCount == 0 ? s.Accumulated : store.EndAt(s.RunFrom + s.RunCount - 1);
            if (r.Accumulated - r.Volume == tail && (s.RunCount == 0 ? AboveRuns(store, r.Day, r.Accumulated) : s.RunFrom + s.RunCount == store.End))
            {
                if (s.RunCount == 0) Unlink(ByVolume, top, new PendingKey(s.Tr, s.Day, s.Volume));
                var place = store.PushBack(new RunRecord(r, arrival), r.Day, r.Accumulated, r.Accumulated - r.Volume, top);
                if (s.RunCount++ == 0) s.RunFrom = place;
                _runRecords++;
                return true;
            }
        }
        var bottom = order.FirstId;
        ref var b = ref _slots[bottom];
        if (b.Day != r.Day || b.Volume <= 0 || r.Received < b.RunReceived || r.Accumulated != b.Accumulated - b.Volume
            || (b.RunCount == 0 ? !BelowRuns(store, b.Day, b.Accumulated) : b.RunFrom != store.First))
            return false;
        // r is below every waiting record: it takes the slot (and the run's place at the tape order's front), the record
        // there goes to the store's front.
        if (b.RunCount == 0) Unlink(ByVolume, bottom, new PendingKey(b.Tr, b.Day, b.Volume));
        var from = store.PushFront(new RunRecord(b, b.Arrival), b.Day, b.Accumulated, b.Accumulated - b.Volume, bottom);
        var (count, received) = (b.RunCount + 1, b.RunReceived);
        b = r;
        (b.Arrival, b.RunFrom, b.RunCount, b.RunReceived, b.Indexed) = (arrival, from, count, received, false);
        order.ReplaceFirst(r.Day, r.Accumulated, arrival, r.Accumulated - r.Volume);
        _runRecords++;
        return true;
    }

    // Every record in the run store is below (day, accumulated) / above it: the store stays in exchange order.
    private static bool AboveRuns(PendingRunStore<RunRecord> store, int day, long accumulated) =>
        store.Count == 0 || store.DayAt(store.End - 1) < day
        || (store.DayAt(store.End - 1) == day && store.EndAt(store.End - 1) < accumulated);

    private static bool BelowRuns(PendingRunStore<RunRecord> store, int day, long accumulated) =>
        store.Count == 0 || store.DayAt(store.First) > day
        || (store.DayAt(store.First) == day && store.EndAt(store.First) > accumulated);

    // The run of `head` (its lowest record, just gone on) goes on in turn: each record is then its tape's lowest waiting
    // and continues the tape, and no other TR's lowest due record comes before it in release order (ReleaseKey), nor
    // holds it (an earlier bar's), so the release loop would take it next. At the first that another TR's came before or
    // holds, the rest waits under it (ReHead) for the loop to take in turn; at the first not next on its own tape (one of
    // the same place waits on its own), it and those after it wait each on their own.
    private bool ReleaseRun(in Pending head, long now)
    {
        var closed = false;
        var store = _runStores[head.Tr]!;
        var end = head.RunFrom + head.RunCount;
        // Going on with this TR's records changes nothing another TR's records wait on: their first due is found once.
        var (otherFirst, otherBar) = OtherTrsFirstDue(head.Tr, now);
        var (stop, held) = SweepLimits(otherFirst, otherBar, head.Tr);
        // Nor does it change what else of this TR waits (a record going on adds none): its lowest is read once, not a
        // record. A run's record is next on its tape only below every other waiting record of its TR.
        var (floorDay, floorAccumulated) = _tapeOrder[head.Tr]!.Floor();
        for (var place = head.RunFrom; place < end; place++)
        {
            ref readonly var f = ref store.At(place);
            if (!(floorDay > f.Day || (floorDay == f.Day && floorAccumulated > f.Accumulated)) || !Continues(f.Tr, f.Day, f.Accumulated, f.Volume))
            {
                Materialize(store, place, end);
                break;
            }
            var at = _kind == BarKind.Time ? f.Local : _kind == BarKind.Day ? f.Day : f.Arrival;
            if (at >= stop || (at >= held && f.Received + _reorderWindow > now))
            {
                ReHead(store, place, end, head.RunReceived);
                break;
            }
            store.Remove(place); // marked gone, kept as it is: nothing enters the store while it goes on
            _runRecords--;
            _waitingOfTr[f.Tr]--;
            closed |= Process(f.Trade, f.Utc, f.Local, f.Day, f.Accumulated);
        }
        return closed;
    }

    // Of the other TRs' lowest waiting records, the first in release order due by `now` (long.MaxValue keys: none), and the
    // earliest bar among them (long.MaxValue: none, or bars that hold nothing): the release loop takes the first before
    // any of this TR's after it, and a record of this TR in a later bar waits for them (ReleaseKey, HeldByOtherTr).
    private (ReleaseKey First, long Bar) OtherTrsFirstDue(int tr, long now)
    {
        var first = new ReleaseKey(long.MaxValue, int.MaxValue, long.MaxValue);
        var bar = long.MaxValue;
        if (_waitingOfTr[tr] == PendingCount) return (first, bar); // no other TR waits
        for (var other = 0; other < MaxTrs; other++)
        {
            if (other == tr || _waitingOfTr[other] == 0 || _tapeOrder[other] is not { Count: > 0 } order) continue;
            _otherLowest.Clear();
            order.CollectLowest(_otherLowest);
            foreach (var id in _otherLowest)
            {
                ref readonly var p = ref _slots[id];
                if (_kind <= BarKind.Day) bar = Math.Min(bar, BarOf(p.Day, p.Local));
                var windowEnded = p.Received + _reorderWindow <= now;
                var due = windowEnded || ((Continues(p.Tr, p.Day, p.Accumulated, p.Volume) || VolumeOverlapsConfirmed(p))
                    && !HeldByOtherTr(p.Tr, p.Day, p.Local, except: tr));
                if (due && KeyOf(p).CompareTo(first) < 0) first = KeyOf(p);
            }
        }
        return (first, bar);
    }

    private readonly List<int> _otherLowest = [];

    // Where the sweep of TR `tr` stops, as a stamp (time bars), a trading day (day bars) or an arrival (others), compared
    // without a division a record: `stop`, where the other TRs' first due record comes first in release order; `held`,
    // past their earliest waiting bar (while the record's window lasts). long.MaxValue: never.
    private (long Stop, long Held) SweepLimits(ReleaseKey otherFirst, long otherBar, int tr)
    {
        if (_kind > BarKind.Day) return (otherFirst.Arrival == long.MaxValue ? long.MaxValue : otherFirst.Arrival + 1, long.MaxValue);
        var step = _kind == BarKind.Time ? _interval : 1;
        var stop = otherFirst.Bar == long.MaxValue ? long.MaxValue : otherFirst.Bar + (otherFirst.Tr < tr ? 0 : step);
        return (stop, otherBar == long.MaxValue ? long.MaxValue : otherBar + step);
    }

    // The run's records [from, end) wait on as a run under the first of them, its own entry: the release loop takes it
    // when it is due in turn, and its run then goes on. Kept in the receive order under the run's earliest receive time.
    private void ReHead(PendingRunStore<RunRecord> store, long from, long end, long runReceived)
    {
        var p = store.At(from).ToPending();
        store.Remove(from);
        _runRecords--;
        var id = Enter(p, p.Arrival);
        if (end - from == 1) return;
        ref var s = ref _slots[id];
        Unlink(ByVolume, id, new PendingKey(s.Tr, s.Day, s.Volume)); // a run's head is not in it (TryJoinRun)
        (s.RunFrom, s.RunCount, s.RunReceived) = (from + 1, (int)(end - from - 1), runReceived);
        store.SetOwner(from + 1, id); // the run's first place: the others keep their old owner (PendingRunStore)
        _receiveOrder.Remove(id);
        _receiveOrder.Add(id, runReceived, s.Arrival, 0);
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
        Materialize(_runStores[s.Tr]!, from, end);
    }

    private void MaterializeRuns()
    {
        foreach (var store in _runStores)
            while (store is { Count: > 0 }) MaterializeRun(store.OwnerAt(store.First));
    }

    private void Materialize(PendingRunStore<RunRecord> store, long from, long end)
    {
        for (var place = from; place < end; place++)
        {
            var p = store.At(place).ToPending();
            store.Remove(place);
            _runRecords--;
            Enter(p, p.Arrival);
        }
    }

    // A record in a run with this identity (a repeat of one waiting there).
    private bool IsInRun(int tr, int day, in TradeIdentity trade)
    {
        if (_runStores[tr] is not { Count: > 0 } store) return false;
        var (from, to) = store.Range(day, trade.Accumulated, byStart: false);
        for (var at = from; at < to; at++)
            if (store.OwnerAt(at) >= 0 && store.At(at).Identity == trade) return true;
        return false;
    }

    // How many records in runs end, or start, at this cumulative volume.
    private int InRuns(int tr, int day, long accumulated, bool byStart)
    {
        if (_runStores[tr] is not { Count: > 0 } store) return 0;
        var (from, to) = store.Range(day, accumulated, byStart);
        var count = 0;
        for (var at = from; at < to; at++)
            if (store.OwnerAt(at) >= 0) count++;
        return count;
    }

    // A record in a run store: what goes on from it and what finds it, no more. Its TR and volume are its trade's, and a
    // run's own fields (links, run counts) are its head slot's: a stored record is about 100 bytes, not a slot's 150, and a
    // run's records are written on arrival and read back seconds later, out of cache (a reversed day's: 1 M of them).
    private readonly struct RunRecord(in Pending p, long arrival)
    {
        public readonly TradeFacts Trade = p.Trade;
        public readonly long Received = p.Received, Utc = p.Utc, Local = p.Local, Accumulated = p.Accumulated, Arrival = arrival;
        public readonly int Day = p.Day;

        public int Tr => Trade.Tr;
        public long Volume => Trade.Volume;
        public TradeIdentity Identity => new(Accumulated, Trade.Volume, Trade.Price, Local);

        // As it waited before joining (never behind the tape: those join no run); Enter sets its place and links.
        public Pending ToPending() => new()
        {
            Trade = Trade, Received = Received, Utc = Utc, Local = Local, Accumulated = Accumulated, Volume = Trade.Volume,
            Tr = Trade.Tr, Day = Day, Arrival = Arrival,
        };
    }
}
