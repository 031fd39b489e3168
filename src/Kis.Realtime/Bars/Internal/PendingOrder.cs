namespace Kis.Realtime.Internal;

/// <summary>
/// One of the reorder buffer's orders (a TR's tape by day, cumulative volume and arrival; every waiting record by receive
/// time and arrival): ids keyed by three numbers compared in order, any id removable, the least found. Records mostly come
/// in that order or in reverse (a feed behind a hole, a batch received backwards): those go at either end of a sorted ring,
/// O(1) and in memory order; only one that falls between two held goes into a <see cref="PendingHeap"/>. A fourth key
/// (the tape's: where a record starts) must keep the ring's order too, or the record goes into the heap: the ring is then
/// sorted by both, and the ids held at a first and second (or fourth) key are found by binary search (<see cref="Run"/>),
/// neighbours side by side. An id removed from inside the ring stays there, dead, until it reaches an end. Arrays only:
/// once grown it allocates nothing.
/// </summary>
internal sealed class PendingOrder
{
    private Entry[] _ring = new Entry[16];
    private int _head, _length; // the ring's entries, dead ones included; both ends are live when any is
    private int _live;
    private readonly PendingHeap _heap = new();
    private long[] _stampOf = []; // by id: the stamp of its live ring entry, 0 when it is not in the ring
    private long[] _aOf = [], _bOf = [];
    private long _stamps, _steps;

    /// <summary>Ids held.</summary>
    public int Count => _live + _heap.Count;

    /// <summary>Entries moved or visited: the order's cost, for tests that prove it does not grow with the count.</summary>
    public long Steps => _steps + _heap.Steps;

    /// <summary>The least first key (Count must be above 0).</summary>
    public long MinA => Min().A;

    /// <summary>Ids held in the heap (between two held when they came).</summary>
    public int HeapCount => _heap.Count;

    /// <summary>The ring's first id (the least when <see cref="HeapCount"/> is 0), -1 when the ring is empty.</summary>
    public int FirstId => _live == 0 ? -1 : At(0).Id;

    /// <summary>The ring's last id (the greatest when <see cref="HeapCount"/> is 0), -1 when the ring is empty.</summary>
    public int LastId => _live == 0 ? -1 : At(_length - 1).Id;

    /// <summary>The least first two keys held; (long.MaxValue, long.MaxValue) when none is, above any keys.</summary>
    public (long A, long B) Floor() => Count == 0 ? (long.MaxValue, long.MaxValue) : Min();

    /// <summary>
    /// Gives the ring's first id (<see cref="FirstId"/>) smaller keys, as a record below every one held took its place
    /// (the caller keeps the order: each key below the one it replaces).
    /// </summary>
    public void ReplaceFirst(long a, long b, long c, long d)
    {
        _steps++;
        ref var e = ref At(0);
        e = e with { A = a, B = b, C = c, D = d };
        (_aOf[e.Id], _bOf[e.Id]) = (a, b);
    }

    /// <summary>Adds <paramref name="id"/>; true when it went into the ring (in order, or in reverse, by every key).</summary>
    public bool Add(int id, long a, long b, long c, long d = 0)
    {
        if (id >= _stampOf.Length)
        {
            var size = Math.Max(16, Math.Max(id + 1, _stampOf.Length * 2));
            Array.Resize(ref _stampOf, size);
            Array.Resize(ref _aOf, size);
            Array.Resize(ref _bOf, size);
        }
        (_aOf[id], _bOf[id]) = (a, b);
        _steps++;
        var e = new Entry(a, b, c, d, id, ++_stamps);
        var append = _live == 0 || !Less(e, At(_length - 1));
        // Between two held (out of order), or out of order by the fourth key: into the heap.
        if (append ? _live > 0 && LessByD(e, At(_length - 1)) : Less(At(0), e) || LessByD(At(0), e))
        {
            _heap.Add(id, a, b, c);
            return false;
        }
        if (_length == _ring.Length) Grow();
        if (append) _ring[(_head + _length) & (_ring.Length - 1)] = e;
        else
        {
            _head = (_head - 1) & (_ring.Length - 1);
            _ring[_head] = e;
        }
        _length++;
        _live++;
        _stampOf[id] = e.Stamp;
        return true;
    }

    /// <summary>
    /// The ring's places [From, To) holding first key <paramref name="a"/> and second (or, <paramref name="byD"/>, fourth)
    /// key <paramref name="value"/>, found by binary search; <see cref="IdAt"/> reads them. Ids in the heap are not in it.
    /// </summary>
    public (int From, int To) Run(long a, long value, bool byD)
    {
        var from = LowerBound(a, value, byD);
        var to = from;
        while (to < _length && At(to).A == a && (byD ? At(to).D : At(to).B) == value)
        {
            _steps++;
            to++;
        }
        return (from, to);
    }

    /// <summary>The id at ring place <paramref name="at"/> of a <see cref="Run"/>, or -1 when it was removed.</summary>
    public int IdAt(int at) => IsLive(At(at)) ? At(at).Id : -1;

    // The first ring place whose (A, B or D) is at least (a, value); dead places keep their keys, so the ring stays sorted.
    private int LowerBound(long a, long value, bool byD)
    {
        var (low, high) = (0, _length);
        while (low < high)
        {
            _steps++;
            var middle = (low + high) >>> 1;
            ref readonly var e = ref At(middle);
            if (e.A < a || (e.A == a && (byD ? e.D : e.B) < value)) low = middle + 1;
            else high = middle;
        }
        return low;
    }

    public void Remove(int id)
    {
        if (_stampOf[id] == 0)
        {
            _heap.Remove(id);
            return;
        }
        _stampOf[id] = 0;
        _live--;
        while (_length > 0 && !IsLive(At(0)))
        {
            _steps++;
            _head = (_head + 1) & (_ring.Length - 1);
            _length--;
        }
        while (_length > 0 && !IsLive(At(_length - 1)))
        {
            _steps++;
            _length--;
        }
    }

    public void Clear()
    {
        for (var i = 0; i < _length; i++) _stampOf[At(i).Id] = 0;
        _head = _length = _live = 0;
        _heap.Clear();
    }

    /// <summary>True when <paramref name="id"/>'s first two keys are the least held (it ties with the lowest).</summary>
    public bool IsLowest(int id)
    {
        var (a, b) = Min();
        return _aOf[id] == a && _bOf[id] == b;
    }

    /// <summary>An id whose first two keys are the least held (Count must be above 0).</summary>
    public int LowestId()
    {
        if (_live == 0) return _heap.MinId;
        ref readonly var front = ref At(0);
        return _heap.Count == 0 || front.A < _heap.MinA || (front.A == _heap.MinA && front.B <= _heap.MinB) ? front.Id : _heap.MinId;
    }

    /// <summary>True when the least first two keys held are <paramref name="a"/> and <paramref name="b"/>.</summary>
    public bool LowestIs(long a, long b) => Count > 0 && Min() == (a, b);

    /// <summary>Adds to <paramref name="into"/> every id whose first two keys are the least (the lowest and its ties).</summary>
    public void CollectLowest(List<int> into)
    {
        if (Count == 0) return;
        var (a, b) = Min();
        for (var i = 0; i < _length && At(i).A == a && At(i).B == b; i++)
        {
            _steps++;
            if (IsLive(At(i))) into.Add(At(i).Id);
        }
        if (_heap.LowestIs(a, b)) _heap.CollectLowest(into);
    }

    /// <summary>Adds to <paramref name="into"/> every id whose first key is at most <paramref name="a"/>.</summary>
    public void CollectAtMost(long a, List<int> into)
    {
        for (var i = 0; i < _length && At(i).A <= a; i++)
        {
            _steps++;
            if (IsLive(At(i))) into.Add(At(i).Id);
        }
        _heap.CollectAtMost(a, into);
    }

    // The least first two keys (Count above 0): the ring's first entry's or the heap's.
    private (long A, long B) Min()
    {
        if (_live == 0) return (_heap.MinA, _heap.MinB);
        ref readonly var front = ref At(0);
        if (_heap.Count == 0 || front.A < _heap.MinA || (front.A == _heap.MinA && front.B <= _heap.MinB)) return (front.A, front.B);
        return (_heap.MinA, _heap.MinB);
    }

    private ref Entry At(int i) => ref _ring[(_head + i) & (_ring.Length - 1)];

    private bool IsLive(in Entry e) => _stampOf[e.Id] == e.Stamp;

    private void Grow()
    {
        var ring = new Entry[_ring.Length * 2];
        for (var i = 0; i < _length; i++) ring[i] = At(i);
        (_ring, _head) = (ring, 0);
    }

    private static bool Less(in Entry x, in Entry y) =>
        x.A != y.A ? x.A < y.A : x.B != y.B ? x.B < y.B : x.C < y.C;

    private static bool LessByD(in Entry x, in Entry y) => x.A != y.A ? x.A < y.A : x.D < y.D;

    private readonly record struct Entry(long A, long B, long C, long D, int Id, long Stamp);
}
