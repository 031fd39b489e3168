namespace Kis.Realtime.Internal;

// The release of waiting records that the tape decides (PendingRecords keeps them, the tapes say what continues): a
// run going on in turn (PendingRecords.Runs.cs), and a hole's trade found by its volume among the waiting records.
internal sealed partial class ReorderBuffer<TSink>
{
    private readonly List<int> _otherLowest = [];

    // A pending record of the same TR and day, stamped between the tape's last trade and the one waiting, whose volume is
    // exactly the hole before it and whose acml_vol does not continue the tape: the hole's trade, corrupt. The first to
    // arrive (a run undone puts its records in the chain after later ones); -1: none. A run's records are chained: not in it.
    private int FindFiller(int waiting)
    {
        ref readonly var w = ref Pending.Slots[waiting];
        if (!_tape.Seen[w.Tr] || w.Day != _tape.Day[w.Tr]) return -1;
        var hole = w.Accumulated - w.Volume - _tape.Accumulated[w.Tr];
        if (hole <= 0) return -1;
        var i = Pending.FirstOf(PendingRecords.ByVolume, new PendingKey(w.Tr, w.Day, hole), out var count);
        var found = -1;
        for (var n = 0; n < count; n++, i = Pending.Slots[i].NextVolume)
        {
            Pending.Steps++;
            ref readonly var p = ref Pending.Slots[i];
            if (i != waiting && p.Local <= w.Local && p.Local >= _tape.Local[w.Tr] && (found < 0 || p.Arrival < Pending.Slots[found].Arrival)
                && !Pending.IsChained(p)) found = i;
        }
        return found;
    }

    // The run of `head` (its lowest record, just gone on) goes on in turn: each record is then its tape's lowest waiting
    // and continues the tape, and no other TR's lowest due record comes before it in release order (ReleaseKey), nor
    // holds it (an earlier bar's), so the release loop would take it next. At the first that another TR's came before or
    // holds, the rest waits under it (ReHead) for the loop to take in turn; at the first not next on its own tape (one of
    // the same place waits on its own), it and those after it wait each on their own.
    private bool ReleaseRun(in PendingTrade head, long now)
    {
        var closed = false;
        var store = Pending.RunStores[head.Tr]!;
        var end = head.RunFrom + head.RunCount;
        // Going on with this TR's records changes nothing another TR's records wait on: their first due is found once.
        var (otherFirst, otherBar) = OtherTrsFirstDue(head.Tr, now);
        var (stop, held) = SweepLimits(otherFirst, otherBar, head.Tr);
        // Nor does it change what else of this TR waits (a record going on adds none): its lowest is read once, not a
        // record. A run's record is next on its tape only below every other waiting record of its TR.
        var (floorDay, floorAccumulated) = Pending.TapeOrder[head.Tr]!.Floor();
        for (var place = head.RunFrom; place < end; place++)
        {
            ref readonly var f = ref store.At(place);
            if (!(floorDay > f.Day || (floorDay == f.Day && floorAccumulated > f.Accumulated)) || !Continues(f.Tr, f.Day, f.Accumulated, f.Volume))
            {
                Pending.Materialize(store, place, end);
                break;
            }
            var at = _kind == BarKind.Time ? f.Local : _kind == BarKind.Day ? f.Day : f.Arrival;
            if (at >= stop || (at >= held && f.Received + _window > now))
            {
                Pending.ReHead(store, place, end, head.RunReceived);
                break;
            }
            Pending.TakeFromRun(store, place, f.Tr);
            closed |= _sink.Process(f.Trade, f.Utc, f.Local, f.Day, f.Accumulated);
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
        if (Pending.WaitingOfTr[tr] == Pending.Count) return (first, bar); // no other TR waits
        for (var other = 0; other < Tapes.MaxTrs; other++)
        {
            if (other == tr || Pending.WaitingOfTr[other] == 0 || Pending.TapeOrder[other] is not { Count: > 0 } order) continue;
            _otherLowest.Clear();
            order.CollectLowest(_otherLowest);
            foreach (var id in _otherLowest)
            {
                ref readonly var p = ref Pending.Slots[id];
                if (_kind <= BarKind.Day) bar = Math.Min(bar, Pending.BarOf(p.Day, p.Local));
                var windowEnded = p.Received + _window <= now;
                var due = windowEnded || ((Continues(p.Tr, p.Day, p.Accumulated, p.Volume) || VolumeOverlapsConfirmed(p))
                    && !Pending.HeldByOtherTr(p.Tr, p.Day, p.Local, except: tr));
                if (due && Pending.KeyOf(p).CompareTo(first) < 0) first = Pending.KeyOf(p);
            }
        }
        return (first, bar);
    }

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
}
