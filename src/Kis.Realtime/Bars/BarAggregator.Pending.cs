using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Kis.Realtime.Internal;

namespace Kis.Realtime;

// The reorder buffer's waiting records (BarAggregator.Reorder.cs), kept so that no step scans them: in slots, ordered per
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
public sealed partial class BarAggregator<TTrade, TAccessor>
{
    private Pending[] _slots = [];
    private int _slotsUsed;
    private readonly Queue<int> _freeSlots = new(); // first freed, first reused: slots go round in arrival order, as the records
    private long _arrivals;
    private long _reorderSteps;
    private long _repeatLookups;
    private long _pointIndexed;
    private long _entered;
    private readonly PendingOrder?[] _tapeOrder = new PendingOrder?[MaxTrs];
    private readonly PendingOrder _receiveOrder = new();
    private readonly PendingIndex _pendingPoints = new(); // by cumulative volume: Ends, Starts
    private readonly PendingIndex _pendingByVolume = new(); // by volume: Ends only
    private readonly List<int> _picked = [];
    // Per TR: how many of its records wait, and the acml_vol range they span (widened as they come, reset when none
    // waits; of one day, int.MinValue: several days). An arrival outside it, above (behind a hole) or below (a batch
    // received in reverse), is no repeat of a waiting record: no lookup.
    private readonly int[] _waitingOfTr = new int[MaxTrs];
    private readonly int[] _waitingDay = new int[MaxTrs];
    private readonly long[] _waitingLow = new long[MaxTrs], _waitingHigh = new long[MaxTrs];

    private const int ByEnd = 0, ByVolume = 2;

    private int PendingCount => _receiveOrder.Count + _runRecords;

    /// <summary>Pending records the reorder buffer visited or moved: its cost, which must not grow with how many wait.</summary>
    internal long ReorderSteps
    {
        get
        {
            var steps = _reorderSteps + _receiveOrder.Steps;
            foreach (var heap in _tapeOrder) steps += heap?.Steps ?? 0;
            foreach (var store in _runStores) steps += store?.Steps ?? 0;
            return steps;
        }
    }

    /// <summary>Arrivals looked up among the waiting records as a possible repeat (a hash lookup each).</summary>
    internal long RepeatLookups => _repeatLookups;

    /// <summary>Waiting records entered in the cumulative-volume hash (a cache miss each on a long wait, on entry and release).</summary>
    internal long PointIndexed => _pointIndexed;

    /// <summary>Waiting records entered in the buffer's orders each as its own entry (not joining a run: Runs.cs).</summary>
    internal long RecordsEntered => _entered;

    private void AddPending(in Pending record)
    {
        var arrival = ++_arrivals;
        if (!TryJoinRun(record, arrival)) Enter(record, arrival);
        NoteWaiting(record.Tr, record.Day, record.Accumulated);
        NoteAdded(record);
    }

    // Into a slot and every order and lookup, as its own entry; its slot.
    private int Enter(in Pending record, long arrival)
    {
        _entered++;
        var id = _freeSlots.Count > 0 ? _freeSlots.Dequeue() : _slotsUsed++;
        if (id == _slots.Length) Array.Resize(ref _slots, Math.Max(16, id * 2));
        ref var p = ref _slots[id];
        p = record;
        (p.Arrival, p.RunCount, p.RunReceived) = (arrival, 0, p.Received);
        p.Indexed = p.Behind || !(_tapeOrder[p.Tr] ??= new()).Add(id, p.Day, p.Accumulated, p.Arrival, p.Accumulated - p.Volume);
        _receiveOrder.Add(id, p.Received, p.Arrival, 0);
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
        if (_waitingOfTr[tr]++ == 0) (_waitingDay[tr], _waitingLow[tr], _waitingHigh[tr]) = (day, accumulated, accumulated);
        else if (day != _waitingDay[tr]) _waitingDay[tr] = int.MinValue;
        else if (accumulated < _waitingLow[tr]) _waitingLow[tr] = accumulated;
        else if (accumulated > _waitingHigh[tr]) _waitingHigh[tr] = accumulated;
    }

    // A record of this TR, day and acml_vol may wait (inside the waiting records' range): worth a lookup.
    private bool MayWait(int tr, int day, long accumulated) =>
        _waitingOfTr[tr] > 0 && (_waitingDay[tr] == int.MinValue
            || (day == _waitingDay[tr] && accumulated >= _waitingLow[tr] && accumulated <= _waitingHigh[tr]));

    // Out of every order and lookup; its slot is reused after Free.
    private Pending Unlink(int id)
    {
        ref readonly var p = ref _slots[id];
        if (!p.Behind) _tapeOrder[p.Tr]!.Remove(id);
        _receiveOrder.Remove(id);
        if (p.Indexed)
        {
            Unlink(ByEnd, id, new PendingKey(p.Tr, p.Day, p.Accumulated));
            var start = new PendingKey(p.Tr, p.Day, p.Accumulated - p.Volume);
            ref var chains = ref _pendingPoints.Find(start);
            if (--chains.Starts == 0 && chains.IsEmpty) _pendingPoints.Remove(start);
        }
        if (p.RunCount == 0) Unlink(ByVolume, id, new PendingKey(p.Tr, p.Day, p.Volume)); // a run's records are chained: not in it
        _waitingOfTr[p.Tr]--;
        return p;
    }

    private void Free(int id) => _freeSlots.Enqueue(id);

    private PendingIndex Lookup(int index) => index == ByVolume ? _pendingByVolume : _pendingPoints;

    private static ref int NextIn(ref Pending p, int index) => ref index == ByEnd ? ref p.NextEnd : ref p.NextVolume;

    private static ref int PreviousIn(ref Pending p, int index) => ref index == ByEnd ? ref p.PreviousEnd : ref p.PreviousVolume;

    // Into the chain of records ending at (or of the volume) key, last: chains are in arrival order, walked from First for
    // Count records. Only links between the first and last are kept true: a record leaving at an end (a hole's records go
    // on in arrival order, a reversed batch's in reverse: nearly always) leaves its neighbour's link to it stale rather
    // than write that neighbour's slot, which lies a few hundred records away (a cache miss a record).
    private void Link(int index, int id, PendingKey key)
    {
        ref var chain = ref Lookup(index).GetOrAdd(key).Ends;
        var listed = chain.Count > 0;
        ref var p = ref _slots[id];
        PreviousIn(ref p, index) = listed ? chain.Last : -1;
        NextIn(ref p, index) = -1;
        if (listed) NextIn(ref _slots[chain.Last], index) = id;
        else chain.First = id;
        chain.Last = id;
        chain.Count++;
    }

    private void Unlink(int index, int id, PendingKey key)
    {
        ref var p = ref _slots[id];
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
            NextIn(ref _slots[previous], index) = next;
            PreviousIn(ref _slots[next], index) = previous;
        }
    }

    // The first waiting record under key (-1: none), and how many there are.
    private int FirstOf(int index, PendingKey key, out int count)
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
        if (_tapeOrder[tr] is not { } order) return 0;
        var (from, to) = order.Run(day, accumulated, byStart);
        var count = 0;
        for (var at = from; at < to; at++)
            if (order.IdAt(at) >= 0) count++;
        return count + InRuns(tr, day, accumulated, byStart);
    }

    private static TradeIdentity Identity(in Pending p) => new(p.Accumulated, p.Volume, p.Trade.Price, p.Local);

    private void ClearPending()
    {
        Array.Clear(_slots, 0, _slotsUsed);
        _slotsUsed = 0;
        _freeSlots.Clear();
        _arrivals = 0;
        _repeatLookups = 0;
        _pointIndexed = 0;
        _entered = 0;
        foreach (var heap in _tapeOrder) heap?.Clear();
        _receiveOrder.Clear();
        _pendingPoints.Clear();
        _pendingByVolume.Clear();
        foreach (var store in _runStores) store?.Clear();
        _runRecords = 0;
        Array.Clear(_waitingOfTr);
        _quietUntil = long.MinValue;
    }

    // The same trade waiting already: one of the records ending at its cumulative volume, with its volume, price and stamp.
    private bool IsPending(int tr, int day, in TradeIdentity trade)
    {
        if (PendingCount == 0 || !MayWait(tr, day, trade.Accumulated)) return false;
        _repeatLookups++;
        var i = FirstOf(ByEnd, new PendingKey(tr, day, trade.Accumulated), out var count);
        for (var n = 0; n < count; n++, i = _slots[i].NextEnd)
        {
            _reorderSteps++;
            if (Identity(_slots[i]) == trade) return true;
        }
        if (IsInRun(tr, day, trade)) return true;
        if (_tapeOrder[tr] is not { } order) return false;
        var (from, to) = order.Run(day, trade.Accumulated, byD: false);
        for (var at = from; at < to; at++)
            if (order.IdAt(at) is var id and >= 0 && Identity(_slots[id]) == trade) return true;
        return false;
    }

    // Each TR's lowest waiting records (ties: a price change at one cumulative volume), in release order (ReleaseKey).
    private List<int> LowestPending()
    {
        _picked.Clear();
        foreach (var heap in _tapeOrder) heap?.CollectLowest(_picked);
        if (_picked.Count < 2) return _picked;
        var span = CollectionsMarshal.AsSpan(_picked);
        if (span.Length > 8)
        {
            span.Sort(new ReleaseOrder(this));
            return _picked;
        }
        for (var i = 1; i < span.Length; i++)
            for (var j = i; j > 0 && KeyOf(_slots[span[j]]).CompareTo(KeyOf(_slots[span[j - 1]])) < 0; j--)
                (span[j], span[j - 1]) = (span[j - 1], span[j]);
        return _picked;
    }

    private readonly struct ReleaseOrder(BarAggregator<TTrade, TAccessor> aggregator) : IComparer<int>
    {
        public int Compare(int x, int y) => aggregator.KeyOf(aggregator._slots[x]).CompareTo(aggregator.KeyOf(aggregator._slots[y]));
    }

    // Records received at or before `limit` that are not the lowest of their tape, in arrival order.
    private List<int> ExpiredPending(long limit)
    {
        _picked.Clear();
        _receiveOrder.CollectAtMost(limit, _picked);
        var kept = 0;
        for (var i = 0; i < _picked.Count; i++)
            if (_slots[_picked[i]].Behind || !_tapeOrder[_slots[_picked[i]].Tr]!.IsLowest(_picked[i])) _picked[kept++] = _picked[i];
        _picked.RemoveRange(kept, _picked.Count - kept);
        SortByArrival(_picked);
        return _picked;
    }

    private void SortByArrival(List<int> ids)
    {
        if (ids.Count < 2) return;
        var span = CollectionsMarshal.AsSpan(ids);
        var slots = _slots;
        if (span.Length <= 8)
        {
            for (var i = 1; i < span.Length; i++)
                for (var j = i; j > 0 && slots[span[j]].Arrival < slots[span[j - 1]].Arrival; j--) (span[j], span[j - 1]) = (span[j - 1], span[j]);
            return;
        }
        span.Sort(new ArrivalOrder(slots));
    }

    private readonly struct ArrivalOrder(Pending[] slots) : IComparer<int>
    {
        public int Compare(int x, int y) => slots[x].Arrival.CompareTo(slots[y].Arrival);
    }

    // A pending record of the same TR and day, stamped between the tape's last trade and the one waiting, whose volume is
    // exactly the hole before it and whose acml_vol does not continue the tape: the hole's trade, corrupt. The first to
    // arrive (a run undone puts its records in the chain after later ones); -1: none. A run's records are chained: not in it.
    private int FindFiller(int waiting)
    {
        ref readonly var w = ref _slots[waiting];
        if (!_trSeen[w.Tr] || w.Day != _trDay[w.Tr]) return -1;
        var hole = w.Accumulated - w.Volume - _trAccumulated[w.Tr];
        if (hole <= 0) return -1;
        var i = FirstOf(ByVolume, new PendingKey(w.Tr, w.Day, hole), out var count);
        var found = -1;
        for (var n = 0; n < count; n++, i = _slots[i].NextVolume)
        {
            _reorderSteps++;
            ref readonly var p = ref _slots[i];
            if (i != waiting && p.Local <= w.Local && p.Local >= _trLocal[w.Tr] && (found < 0 || p.Arrival < _slots[found].Arrival)
                && !IsChained(p)) found = i;
        }
        return found;
    }

    // A pending record whose acml_vol another pending record continues, or which continues one: its acml_vol agrees with
    // its neighbours, so it is its own trade (in a burst stamped one second, a later trade often has the hole's volume).
    private bool IsChained(in Pending p)
    {
        var self = p.Volume == 0 ? 1 : 0; // a record adding no volume ends where it starts: not its own neighbour
        var before = EndingAt(p.Tr, p.Day, p.Accumulated - p.Volume);
        var after = StartingAt(p.Tr, p.Day, p.Accumulated);
        return before - self > 0 || after - self > 0;
    }

    // p starts where its tape's lowest waiting records end: it may confirm one whose volume reaches back over the tape
    // (VolumeOverlapsConfirmed). Only the lowest can go on, so only they matter; no lookup.
    private bool ConfirmsOverlap(in Pending p) => _tapeOrder[p.Tr]!.LowestIs(p.Day, p.Accumulated - p.Volume);

    // A waiting record starts at this cumulative volume (continues a record ending there).
    private bool AnyStartsAt(int tr, int day, long accumulated) => StartingAt(tr, day, accumulated) > 0;
}
