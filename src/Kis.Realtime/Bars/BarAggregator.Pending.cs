using System.Runtime.InteropServices;
using Kis.Realtime.Internal;

namespace Kis.Realtime;

// The reorder buffer's waiting records (BarAggregator.Reorder.cs), kept so that no step scans them: in slots, ordered per
// TR by exchange order (day, cumulative volume, arrival: those not behind the tape) and all by receive time, and looked
// up by trade (a repeat), by the cumulative volumes they end and start at (a record its neighbours continue), and by
// their volume (a hole's trade). Every operation is O(log n) in the records waiting, and nothing allocates once grown.
public sealed partial class BarAggregator<TTrade, TAccessor>
{
    private Pending[] _slots = [];
    private int _slotsUsed;
    private readonly Stack<int> _freeSlots = new();
    private long _arrivals;
    private long _reorderSteps;
    private readonly PendingHeap?[] _tapeOrder = new PendingHeap?[MaxTrs];
    private readonly PendingHeap _receiveOrder = new();
    private readonly Dictionary<(int Tr, int Day, TradeIdentity Trade), int> _pendingTrades = [];
    private readonly Dictionary<(int Tr, int Day, long Accumulated), int> _pendingEnds = [];
    private readonly Dictionary<(int Tr, int Day, long Accumulated), int> _pendingStarts = [];
    private readonly Dictionary<(int Tr, int Day, long Volume), (int First, int Last)> _pendingByVolume = [];
    private readonly List<int> _picked = [];

    private int PendingCount => _receiveOrder.Count;

    /// <summary>Pending records the reorder buffer visited or moved: its cost, which must not grow with how many wait.</summary>
    internal long ReorderSteps
    {
        get
        {
            var steps = _reorderSteps + _receiveOrder.Steps;
            foreach (var heap in _tapeOrder) steps += heap?.Steps ?? 0;
            return steps;
        }
    }

    private void AddPending(in Pending record)
    {
        var id = _freeSlots.Count > 0 ? _freeSlots.Pop() : _slotsUsed++;
        if (id == _slots.Length) Array.Resize(ref _slots, Math.Max(16, id * 2));
        ref var p = ref _slots[id];
        p = record;
        p.Arrival = ++_arrivals;
        ref var list = ref CollectionsMarshal.GetValueRefOrAddDefault(_pendingByVolume, (p.Tr, p.Day, p.Volume), out var listed);
        p.PreviousOfVolume = listed ? list.Last : -1;
        p.NextOfVolume = -1;
        if (listed) _slots[list.Last].NextOfVolume = id;
        list = (listed ? list.First : id, id);
        if (!p.Behind) (_tapeOrder[p.Tr] ??= new()).Add(id, p.Day, p.Accumulated, p.Arrival);
        _receiveOrder.Add(id, p.Received, p.Arrival, 0);
        CollectionsMarshal.GetValueRefOrAddDefault(_pendingTrades, (p.Tr, p.Day, Identity(p)), out _)++;
        CollectionsMarshal.GetValueRefOrAddDefault(_pendingEnds, (p.Tr, p.Day, p.Accumulated), out _)++;
        CollectionsMarshal.GetValueRefOrAddDefault(_pendingStarts, (p.Tr, p.Day, p.Accumulated - p.Volume), out _)++;
    }

    private Pending TakePending(int id)
    {
        var p = _slots[id];
        if (!p.Behind) _tapeOrder[p.Tr]!.Remove(id);
        _receiveOrder.Remove(id);
        Decrement(_pendingTrades, (p.Tr, p.Day, Identity(p)));
        Decrement(_pendingEnds, (p.Tr, p.Day, p.Accumulated));
        Decrement(_pendingStarts, (p.Tr, p.Day, p.Accumulated - p.Volume));
        var byVolume = (p.Tr, p.Day, p.Volume);
        if (p.PreviousOfVolume >= 0) _slots[p.PreviousOfVolume].NextOfVolume = p.NextOfVolume;
        if (p.NextOfVolume >= 0) _slots[p.NextOfVolume].PreviousOfVolume = p.PreviousOfVolume;
        if (p.PreviousOfVolume < 0 && p.NextOfVolume < 0) _pendingByVolume.Remove(byVolume);
        else
        {
            ref var list = ref CollectionsMarshal.GetValueRefOrNullRef(_pendingByVolume, byVolume);
            list = (p.PreviousOfVolume < 0 ? p.NextOfVolume : list.First, p.NextOfVolume < 0 ? p.PreviousOfVolume : list.Last);
        }
        _slots[id] = default; // no trade's strings kept alive
        _freeSlots.Push(id);
        return p;
    }

    private static void Decrement<TKey>(Dictionary<TKey, int> counts, TKey key) where TKey : notnull
    {
        ref var count = ref CollectionsMarshal.GetValueRefOrNullRef(counts, key);
        if (--count == 0) counts.Remove(key);
    }

    private static int CountOf<TKey>(Dictionary<TKey, int> counts, TKey key) where TKey : notnull =>
        counts.TryGetValue(key, out var count) ? count : 0;

    private static TradeIdentity Identity(in Pending p) => new(p.Accumulated, p.Volume, TAccessor.Price(p.Trade), p.Local);

    private void ClearPending()
    {
        Array.Clear(_slots, 0, _slotsUsed);
        _slotsUsed = 0;
        _freeSlots.Clear();
        _arrivals = 0;
        foreach (var heap in _tapeOrder) heap?.Clear();
        _receiveOrder.Clear();
        _pendingTrades.Clear();
        _pendingEnds.Clear();
        _pendingStarts.Clear();
        _pendingByVolume.Clear();
    }

    private bool IsPending(int tr, int day, in TradeIdentity trade) => PendingCount > 0 && _pendingTrades.ContainsKey((tr, day, trade));

    // Each TR's lowest waiting records (ties: a price change at one cumulative volume), in arrival order.
    private List<int> LowestPending()
    {
        _picked.Clear();
        foreach (var heap in _tapeOrder) heap?.CollectLowest(_picked);
        SortByArrival(_picked);
        return _picked;
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
    // arrive; -1: none.
    private int FindFiller(int waiting)
    {
        var w = _slots[waiting];
        if (!_trSeen[w.Tr] || w.Day != _trDay[w.Tr]) return -1;
        var hole = w.Accumulated - w.Volume - _trAccumulated[w.Tr];
        if (hole <= 0 || !_pendingByVolume.TryGetValue((w.Tr, w.Day, hole), out var list)) return -1;
        for (var i = list.First; i >= 0; i = _slots[i].NextOfVolume)
        {
            _reorderSteps++;
            ref readonly var p = ref _slots[i];
            if (i != waiting && p.Local <= w.Local && p.Local >= _trLocal[w.Tr] && !IsChained(p)) return i;
        }
        return -1;
    }

    // A pending record whose acml_vol another pending record continues, or which continues one: its acml_vol agrees with
    // its neighbours, so it is its own trade (in a burst stamped one second, a later trade often has the hole's volume).
    private bool IsChained(in Pending p)
    {
        var start = p.Accumulated - p.Volume;
        var self = p.Volume == 0 ? 1 : 0; // a record adding no volume ends where it starts: not its own neighbour
        return CountOf(_pendingEnds, (p.Tr, p.Day, start)) - self > 0 || CountOf(_pendingStarts, (p.Tr, p.Day, p.Accumulated)) - self > 0;
    }
}
