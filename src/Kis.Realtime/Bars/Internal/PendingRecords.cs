using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Kis.Realtime.Internal;

// The reorder buffer's waiting records (ReorderBuffer.cs), kept so that no step scans them: in slots, ordered per
// TR by exchange order (day, cumulative volume, arrival: those not behind the tape) and all by receive time. The orders
// (PendingOrder) take records that come in order or in reverse at their ends, O(1), and others in a heap, O(log n);
// nothing allocates once grown. Records are looked up by the cumulative volumes they end and start at (a repeat, a record
// its neighbours continue) and by their volume (a hole's trade). Those at an end of their tape's order (behind a hole,
// a batch received backwards: nearly all) are found there by binary search, neighbours side by side; only the others
// (Indexed: behind the tape, or between two waiting) go into a hash (PendingIndex) as a chain through the slots, with
// those starting at a cumulative volume only counted. The hash spreads neighbouring cumulative volumes over all of it, so
// each entry and removal of a long-waiting record was a cache and TLB miss: two thirds of a reversed day's CPU. All are
// chained by volume (few distinct volumes: a small, hot table). A slot holds what bars take from the trade (TradeFacts),
// not the trade view: a StockTrade is about 1 KB with references, and copying it in and out cost more than the ordering
// did. Slots are reused first freed, first taken: in arrival order, as they are read.
//
// Its own type because it owns the waiting records and every order over them, and nothing else: ReorderBuffer decides
// when a record goes on (its tape, its window, the other TRs' bars); this keeps them findable at a constant cost. Runs
// of records that continue one another: PendingRecords.Runs.cs.
internal sealed partial class PendingRecords(BarKind kind, long interval)
{
    private readonly BarKind _kind = kind;
    private readonly long _interval = interval;

    internal PendingTrade[] Slots = [];
    private int _slotsUsed;
    private readonly Queue<int> _freeSlots = new(); // first freed, first reused: slots go round in arrival order, as the records
    private long _arrivals;
    internal long Steps; // records visited or moved, by the buffer and by its release loop (ReorderBuffer)
    private long _repeatLookups;
    private long _pointIndexed;
    private long _entered;
    internal readonly PendingOrder?[] TapeOrder = new PendingOrder?[MaxTrs];
    internal readonly PendingOrder ReceiveOrder = new();
    private readonly PendingIndex _pendingPoints = new(); // by cumulative volume: Ends, Starts
    private readonly PendingIndex _pendingByVolume = new(); // by volume: Ends only
    private readonly List<int> _picked = [];
    // Per TR: how many of its records wait, and the acml_vol range they span (widened as they come, reset when none
    // waits; of one day, int.MinValue: several days). An arrival outside it, above (behind a hole) or below (a batch
    // received in reverse), is no repeat of a waiting record: no lookup.
    internal readonly int[] WaitingOfTr = new int[MaxTrs];
    private readonly int[] _waitingDay = new int[MaxTrs];
    private readonly long[] _waitingLow = new long[MaxTrs], _waitingHigh = new long[MaxTrs];

    internal const int ByEnd = 0, ByVolume = 2;
    internal const int MaxTrs = 4;

    internal int Count => ReceiveOrder.Count + RunRecords;

    /// <summary>Pending records the reorder buffer visited or moved: its cost, which must not grow with how many wait.</summary>
    internal long ReorderSteps
    {
        get
        {
            var steps = Steps + ReceiveOrder.Steps;
            foreach (var heap in TapeOrder) steps += heap?.Steps ?? 0;
            foreach (var store in RunStores) steps += store?.Steps ?? 0;
            return steps;
        }
    }

    /// <summary>Arrivals looked up among the waiting records as a possible repeat (a hash lookup each).</summary>
    internal long RepeatLookups => _repeatLookups;

    /// <summary>Waiting records entered in the cumulative-volume hash (a cache miss each on a long wait, on entry and release).</summary>
    internal long PointIndexed => _pointIndexed;

    /// <summary>Waiting records entered in the buffer's orders each as its own entry (not joining a run: PendingRecords.Runs.cs).</summary>
    internal long RecordsEntered => _entered;

    // Into a slot and every order and lookup, as its own entry; its slot.
    private int Enter(in PendingTrade record, long arrival)
    {
        _entered++;
        var id = _freeSlots.Count > 0 ? _freeSlots.Dequeue() : _slotsUsed++;
        if (id == Slots.Length) Array.Resize(ref Slots, Math.Max(16, id * 2));
        ref var p = ref Slots[id];
        p = record;
        (p.Arrival, p.RunCount, p.RunReceived) = (arrival, 0, p.Received);
        p.Indexed = p.Behind || !(TapeOrder[p.Tr] ??= new()).Add(id, p.Day, p.Accumulated, p.Arrival, p.Accumulated - p.Volume);
        ReceiveOrder.Add(id, p.Received, p.Arrival, 0);
        if (p.Indexed)
        {
            _pointIndexed++;
            Link(ByEnd, id, new PendingKey(p.Tr, p.Day, p.Accumulated));
            _pendingPoints.GetOrAdd(new PendingKey(p.Tr, p.Day, p.Accumulated - p.Volume)).Starts++;
        }
        Link(ByVolume, id, new PendingKey(p.Tr, p.Day, p.Volume));
        return id;
    }

    private void NoteWaiting(int tr, int day, long accumulated)
    {
        if (WaitingOfTr[tr]++ == 0) (_waitingDay[tr], _waitingLow[tr], _waitingHigh[tr]) = (day, accumulated, accumulated);
        else if (day != _waitingDay[tr]) _waitingDay[tr] = int.MinValue;
        else if (accumulated < _waitingLow[tr]) _waitingLow[tr] = accumulated;
        else if (accumulated > _waitingHigh[tr]) _waitingHigh[tr] = accumulated;
    }

    // A record of this TR, day and acml_vol may wait (inside the waiting records' range): worth a lookup.
    private bool MayWait(int tr, int day, long accumulated) =>
        WaitingOfTr[tr] > 0 && (_waitingDay[tr] == int.MinValue
            || (day == _waitingDay[tr] && accumulated >= _waitingLow[tr] && accumulated <= _waitingHigh[tr]));

    // Out of every order and lookup; its slot is reused after Free.
    internal PendingTrade Unlink(int id)
    {
        ref readonly var p = ref Slots[id];
        if (!p.Behind) TapeOrder[p.Tr]!.Remove(id);
        ReceiveOrder.Remove(id);
        if (p.Indexed)
        {
            Unlink(ByEnd, id, new PendingKey(p.Tr, p.Day, p.Accumulated));
            var start = new PendingKey(p.Tr, p.Day, p.Accumulated - p.Volume);
            ref var chains = ref _pendingPoints.Find(start);
            if (--chains.Starts == 0 && chains.IsEmpty) _pendingPoints.Remove(start);
        }
        if (p.RunCount == 0) Unlink(ByVolume, id, new PendingKey(p.Tr, p.Day, p.Volume)); // a run's records are chained: not in it
        WaitingOfTr[p.Tr]--;
        return p;
    }

    internal void Free(int id) => _freeSlots.Enqueue(id);

    private PendingIndex Lookup(int index) => index == ByVolume ? _pendingByVolume : _pendingPoints;

    private static ref int NextIn(ref PendingTrade p, int index) => ref index == ByEnd ? ref p.NextEnd : ref p.NextVolume;

    private static ref int PreviousIn(ref PendingTrade p, int index) => ref index == ByEnd ? ref p.PreviousEnd : ref p.PreviousVolume;

    // Into the chain of records ending at (or of the volume) key, last: chains are in arrival order, walked from First for
    // Count records. Only links between the first and last are kept true: a record leaving at an end (a hole's records go
    // on in arrival order, a reversed batch's in reverse: nearly always) leaves its neighbour's link to it stale rather
    // than write that neighbour's slot, which lies a few hundred records away (a cache miss a record).
    private void Link(int index, int id, PendingKey key)
    {
        ref var chain = ref Lookup(index).GetOrAdd(key).Ends;
        var listed = chain.Count > 0;
        ref var p = ref Slots[id];
        PreviousIn(ref p, index) = listed ? chain.Last : -1;
        NextIn(ref p, index) = -1;
        if (listed) NextIn(ref Slots[chain.Last], index) = id;
        else chain.First = id;
        chain.Last = id;
        chain.Count++;
    }

    private void Unlink(int index, int id, PendingKey key)
    {
        ref var p = ref Slots[id];
        var lookup = Lookup(index);
        ref var chains = ref lookup.Find(key);
        ref var chain = ref chains.Ends;
        if (--chain.Count == 0)
        {
            if (chains.IsEmpty) lookup.Remove(key);
            return;
        }
        // Not alone: the first's next and the last's previous are true links (the record is not at the other end).
        if (id == chain.First) chain.First = NextIn(ref p, index);
        else if (id == chain.Last) chain.Last = PreviousIn(ref p, index);
        else
        {
            var (previous, next) = (PreviousIn(ref p, index), NextIn(ref p, index));
            NextIn(ref Slots[previous], index) = next;
            PreviousIn(ref Slots[next], index) = previous;
        }
    }

    // The first waiting record under key (-1: none), and how many there are.
    internal int FirstOf(int index, PendingKey key, out int count)
    {
        ref var chains = ref Lookup(index).Find(key);
        if (Unsafe.IsNullRef(ref chains))
        {
            count = 0;
            return -1;
        }
        count = chains.Ends.Count;
        return count > 0 ? chains.Ends.First : -1;
    }

    // How many waiting records start at this cumulative volume (continue a record ending there): in the hash and the tape order.
    private int StartingAt(int tr, int day, long accumulated)
    {
        ref var chains = ref _pendingPoints.Find(new PendingKey(tr, day, accumulated));
        return (Unsafe.IsNullRef(ref chains) ? 0 : chains.Starts) + InTapeOrder(tr, day, accumulated, byStart: true);
    }

    // How many waiting records end at this cumulative volume: in the hash and the tape order.
    private int EndingAt(int tr, int day, long accumulated)
    {
        FirstOf(ByEnd, new PendingKey(tr, day, accumulated), out var count);
        return count + InTapeOrder(tr, day, accumulated, byStart: false);
    }

    // How many of the records in the TR's tape order (not Indexed) end, or start, at this cumulative volume.
    private int InTapeOrder(int tr, int day, long accumulated, bool byStart)
    {
        if (TapeOrder[tr] is not { } order) return 0;
        var (from, to) = order.Run(day, accumulated, byStart);
        var count = 0;
        for (var at = from; at < to; at++)
            if (order.IdAt(at) >= 0) count++;
        return count + InRuns(tr, day, accumulated, byStart);
    }

    internal static TradeIdentity Identity(in PendingTrade p) => new(p.Accumulated, p.Volume, p.Trade.Price, p.Local);

    internal void Clear()
    {
        Array.Clear(Slots, 0, _slotsUsed);
        _slotsUsed = 0;
        _freeSlots.Clear();
        _arrivals = 0;
        _repeatLookups = 0;
        _pointIndexed = 0;
        _entered = 0;
        foreach (var heap in TapeOrder) heap?.Clear();
        ReceiveOrder.Clear();
        _pendingPoints.Clear();
        _pendingByVolume.Clear();
        foreach (var store in RunStores) store?.Clear();
        RunRecords = 0;
        Array.Clear(WaitingOfTr);
    }

    // The same trade waiting already: one of the records ending at its cumulative volume, with its volume, price and stamp.
    internal bool IsPending(int tr, int day, in TradeIdentity trade)
    {
        if (Count == 0 || !MayWait(tr, day, trade.Accumulated)) return false;
        _repeatLookups++;
        var i = FirstOf(ByEnd, new PendingKey(tr, day, trade.Accumulated), out var count);
        for (var n = 0; n < count; n++, i = Slots[i].NextEnd)
        {
            Steps++;
            if (Identity(Slots[i]) == trade) return true;
        }
        if (IsInRun(tr, day, trade)) return true;
        if (TapeOrder[tr] is not { } order) return false;
        var (from, to) = order.Run(day, trade.Accumulated, byD: false);
        for (var at = from; at < to; at++)
            if (order.IdAt(at) is var id and >= 0 && Identity(Slots[id]) == trade) return true;
        return false;
    }

    // Each TR's lowest waiting records (ties: a price change at one cumulative volume), in release order (ReleaseKey).
    internal List<int> LowestPending()
    {
        _picked.Clear();
        foreach (var heap in TapeOrder) heap?.CollectLowest(_picked);
        if (_picked.Count < 2) return _picked;
        var span = CollectionsMarshal.AsSpan(_picked);
        if (span.Length > 8)
        {
            span.Sort(new ReleaseOrder(this));
            return _picked;
        }
        for (var i = 1; i < span.Length; i++)
            for (var j = i; j > 0 && KeyOf(Slots[span[j]]).CompareTo(KeyOf(Slots[span[j - 1]])) < 0; j--)
                (span[j], span[j - 1]) = (span[j - 1], span[j]);
        return _picked;
    }

    private readonly struct ReleaseOrder(PendingRecords records) : IComparer<int>
    {
        public int Compare(int x, int y) => records.KeyOf(records.Slots[x]).CompareTo(records.KeyOf(records.Slots[y]));
    }

    // Records received at or before `limit` that are not the lowest of their tape, in arrival order.
    internal List<int> ExpiredPending(long limit)
    {
        _picked.Clear();
        ReceiveOrder.CollectAtMost(limit, _picked);
        var kept = 0;
        for (var i = 0; i < _picked.Count; i++)
            if (Slots[_picked[i]].Behind || !TapeOrder[Slots[_picked[i]].Tr]!.IsLowest(_picked[i])) _picked[kept++] = _picked[i];
        _picked.RemoveRange(kept, _picked.Count - kept);
        SortByArrival(_picked);
        return _picked;
    }

    private void SortByArrival(List<int> ids)
    {
        if (ids.Count < 2) return;
        var span = CollectionsMarshal.AsSpan(ids);
        var slots = Slots;
        if (span.Length <= 8)
        {
            for (var i = 1; i < span.Length; i++)
                for (var j = i; j > 0 && slots[span[j]].Arrival < slots[span[j - 1]].Arrival; j--) (span[j], span[j - 1]) = (span[j - 1], span[j]);
            return;
        }
        span.Sort(new ArrivalOrder(slots));
    }

    private readonly struct ArrivalOrder(PendingTrade[] slots) : IComparer<int>
    {
        public int Compare(int x, int y) => slots[x].Arrival.CompareTo(slots[y].Arrival);
    }

    // A pending record whose acml_vol another pending record continues, or which continues one: its acml_vol agrees with
    // its neighbours, so it is its own trade (in a burst stamped one second, a later trade often has the hole's volume).
    internal bool IsChained(in PendingTrade p)
    {
        var self = p.Volume == 0 ? 1 : 0; // a record adding no volume ends where it starts: not its own neighbour
        var before = EndingAt(p.Tr, p.Day, p.Accumulated - p.Volume);
        var after = StartingAt(p.Tr, p.Day, p.Accumulated);
        return before - self > 0 || after - self > 0;
    }

    // p starts where its tape's lowest waiting records end: it may confirm one whose volume reaches back over the tape
    // (VolumeOverlapsConfirmed). Only the lowest can go on, so only they matter; no lookup.
    internal bool ConfirmsOverlap(in PendingTrade p) => TapeOrder[p.Tr]!.LowestIs(p.Day, p.Accumulated - p.Volume);

    // A waiting record starts at this cumulative volume (continues a record ending there).
    internal bool AnyStartsAt(int tr, int day, long accumulated) => StartingAt(tr, day, accumulated) > 0;

    // A record that must wait: it joins a run, or enters as its own entry.
    internal void Add(in PendingTrade record)
    {
        var arrival = ++_arrivals;
        if (!TryJoinRun(record, arrival)) Enter(record, arrival);
        NoteWaiting(record.Tr, record.Day, record.Accumulated);
    }

    // A run's record at `place` goes on (ReleaseRun): out of its store, no longer waiting.
    internal void TakeFromRun(PendingRunStore<RunRecord> store, long place, int tr)
    {
        store.Remove(place); // marked gone, kept as it is: nothing enters the store while it goes on
        RunRecords--;
        WaitingOfTr[tr]--;
    }

    // Two TRs in one aggregator (KRX and NXT of one stock) share its bars, and nothing orders one TR's trades against
    // the other's but their stamps: a TR going on through bars while the other's records wait behind a hole (or for the
    // first of a batch received in reverse) would close the bars those records belong to, and they would come late, in
    // no bar. So a time or day bar's record waits, up to its own window, while another TR's lowest waiting record lies in
    // an earlier bar; of records due, an earlier bar's go first, then a lower TR's, then the first to arrive. Within one
    // bar the order of two TRs' trades changes nothing (a bar's open and close go by stamp: TapePosition). Tick, volume
    // and value bars, cut by count, take them by arrival.
    internal bool HeldByOtherTr(int tr, int day, long local, int except = -1)
    {
        if (_kind > BarKind.Day || WaitingOfTr[tr] == Count) return false;
        var bar = BarOf(day, local);
        for (var other = 0; other < MaxTrs; other++)
        {
            if (other == tr || other == except || TapeOrder[other] is not { Count: > 0 } order) continue;
            ref readonly var q = ref Slots[order.LowestId()];
            if (BarOf(q.Day, q.Local) < bar) return true;
        }
        return false;
    }

    // A time bar's start on the market's clock; a day bar's trading day.
    internal long BarOf(int day, long local) => _kind == BarKind.Time ? local - local % _interval : day;

    internal ReleaseKey KeyOf(in PendingTrade p) =>
        _kind <= BarKind.Day ? new ReleaseKey(BarOf(p.Day, p.Local), p.Tr, p.Arrival) : new ReleaseKey(0, 0, p.Arrival);
}
