namespace Kis.Realtime.Internal;

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
internal sealed partial class PendingRecords
{
    /// <summary>False: every waiting record is its own entry (tests compare the two: runs change the cost only).</summary>
    internal bool JoinRuns { get; set; } = true;

    internal readonly PendingRunStore<RunRecord>?[] RunStores = new PendingRunStore<RunRecord>?[MaxTrs];
    internal int RunRecords { get; private set; } // records in every run store

    private PendingRunStore<RunRecord> RunStore(int tr) => RunStores[tr] ??= new();

    // r continues its tape's highest waiting record, or its lowest continues r: r joins that record's run. Only while
    // that TR's records wait in the ring alone (at its ends, in exchange order) and r has a volume (a record adding none
    // ties with its neighbour).
    private bool TryJoinRun(in PendingTrade r, long arrival)
    {
        if (!JoinRuns || r.Behind || r.Volume <= 0 || TapeOrder[r.Tr] is not { HeapCount: 0 } order) return false;
        var top = order.LastId;
        if (top < 0) return false;
        var store = RunStore(r.Tr);
        ref var s = ref Slots[top];
        if (s.Day == r.Day && s.Volume > 0 && r.Received >= s.RunReceived)
        {
            var tail = s.RunCount == 0 ? s.Accumulated : store.EndAt(s.RunFrom + s.RunCount - 1);
            if (r.Accumulated - r.Volume == tail && (s.RunCount == 0 ? AboveRuns(store, r.Day, r.Accumulated) : s.RunFrom + s.RunCount == store.End))
            {
                if (s.RunCount == 0) Unlink(ByVolume, top, new PendingKey(s.Tr, s.Day, s.Volume));
                var place = store.PushBack(new RunRecord(r, arrival), r.Day, r.Accumulated, r.Accumulated - r.Volume, top);
                if (s.RunCount++ == 0) s.RunFrom = place;
                RunRecords++;
                return true;
            }
        }
        var bottom = order.FirstId;
        ref var b = ref Slots[bottom];
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
        RunRecords++;
        return true;
    }

    // Every record in the run store is below (day, accumulated) / above it: the store stays in exchange order.
    private static bool AboveRuns(PendingRunStore<RunRecord> store, int day, long accumulated) =>
        store.Count == 0 || store.DayAt(store.End - 1) < day
        || (store.DayAt(store.End - 1) == day && store.EndAt(store.End - 1) < accumulated);

    private static bool BelowRuns(PendingRunStore<RunRecord> store, int day, long accumulated) =>
        store.Count == 0 || store.DayAt(store.First) > day
        || (store.DayAt(store.First) == day && store.EndAt(store.First) > accumulated);

    // The run's records [from, end) wait on as a run under the first of them, its own entry: the release loop takes it
    // when it is due in turn, and its run then goes on. Kept in the receive order under the run's earliest receive time.
    internal void ReHead(PendingRunStore<RunRecord> store, long from, long end, long runReceived)
    {
        var p = store.At(from).ToPending();
        store.Remove(from);
        RunRecords--;
        var id = Enter(p, p.Arrival);
        if (end - from == 1) return;
        ref var s = ref Slots[id];
        Unlink(ByVolume, id, new PendingKey(s.Tr, s.Day, s.Volume)); // a run's head is not in it (TryJoinRun)
        (s.RunFrom, s.RunCount, s.RunReceived) = (from + 1, (int)(end - from - 1), runReceived);
        store.SetOwner(from + 1, id); // the run's first place: the others keep their old owner (PendingRunStore)
        ReceiveOrder.Remove(id);
        ReceiveOrder.Add(id, runReceived, s.Arrival, 0);
    }

    // The run held by slot `id` undone: each of its records waits on its own, as if it had never joined.
    internal void MaterializeRun(int id)
    {
        ref var s = ref Slots[id];
        if (s.RunCount == 0) return;
        var (from, end) = (s.RunFrom, s.RunFrom + s.RunCount);
        s.RunCount = 0;
        s.RunReceived = s.Received;
        ReceiveOrder.Remove(id);
        ReceiveOrder.Add(id, s.Received, s.Arrival, 0);
        Link(ByVolume, id, new PendingKey(s.Tr, s.Day, s.Volume));
        Materialize(RunStores[s.Tr]!, from, end);
    }

    internal void MaterializeRuns()
    {
        foreach (var store in RunStores)
            while (store is { Count: > 0 }) MaterializeRun(store.OwnerAt(store.First));
    }

    internal void Materialize(PendingRunStore<RunRecord> store, long from, long end)
    {
        for (var place = from; place < end; place++)
        {
            var p = store.At(place).ToPending();
            store.Remove(place);
            RunRecords--;
            Enter(p, p.Arrival);
        }
    }

    // A record in a run with this identity (a repeat of one waiting there).
    private bool IsInRun(int tr, int day, in TradeIdentity trade)
    {
        if (RunStores[tr] is not { Count: > 0 } store) return false;
        var (from, to) = store.Range(day, trade.Accumulated, byStart: false);
        for (var at = from; at < to; at++)
            if (store.OwnerAt(at) >= 0 && store.At(at).Identity == trade) return true;
        return false;
    }

    // How many records in runs end, or start, at this cumulative volume.
    private int InRuns(int tr, int day, long accumulated, bool byStart)
    {
        if (RunStores[tr] is not { Count: > 0 } store) return 0;
        var (from, to) = store.Range(day, accumulated, byStart);
        var count = 0;
        for (var at = from; at < to; at++)
            if (store.OwnerAt(at) >= 0) count++;
        return count;
    }
}
