namespace Kis.Realtime.Internal;

/// <summary>
/// A binary min-heap of record ids keyed by three numbers compared in order, any id removable in O(log n): the reorder
/// buffer's orders (a TR's tape by day, cumulative volume and arrival; every waiting record by receive time and arrival).
/// Arrays only: once grown it allocates nothing.
/// </summary>
internal sealed class PendingHeap
{
    private Entry[] _entries = [];
    private int[] _index = []; // by id: its place in _entries, -1 when absent

    /// <summary>Ids held.</summary>
    public int Count { get; private set; }

    /// <summary>Entries moved or visited: the heap's cost, for tests that prove it does not grow with the count.</summary>
    public long Steps { get; private set; }

    /// <summary>The least first key (Count must be above 0).</summary>
    public long MinA => _entries[0].A;

    /// <summary>The second key of the least entry (Count must be above 0).</summary>
    public long MinB => _entries[0].B;

    /// <summary>The least entry's id (Count must be above 0).</summary>
    public int MinId => _entries[0].Id;

    public void Add(int id, long a, long b, long c)
    {
        if (Count == _entries.Length) Array.Resize(ref _entries, Math.Max(16, Count * 2));
        if (id >= _index.Length)
        {
            var old = _index.Length;
            Array.Resize(ref _index, Math.Max(16, Math.Max(id + 1, old * 2)));
            _index.AsSpan(old).Fill(-1);
        }
        _entries[Count] = new Entry(a, b, c, id);
        SiftUp(Count++);
    }

    public void Remove(int id)
    {
        var at = _index[id];
        _index[id] = -1;
        var last = --Count;
        if (at == last) return;
        _entries[at] = _entries[last];
        if (at > 0 && Less(_entries[at], _entries[(at - 1) / 2])) SiftUp(at);
        else SiftDown(at);
    }

    public void Clear()
    {
        for (var i = 0; i < Count; i++) _index[_entries[i].Id] = -1;
        Count = 0;
    }

    /// <summary>True when <paramref name="id"/>'s first two keys are the least held (it ties with the lowest).</summary>
    public bool IsLowest(int id)
    {
        ref readonly var e = ref _entries[_index[id]];
        return e.A == _entries[0].A && e.B == _entries[0].B;
    }

    /// <summary>True when the least first two keys held are <paramref name="a"/> and <paramref name="b"/>.</summary>
    public bool LowestIs(long a, long b) => Count > 0 && _entries[0].A == a && _entries[0].B == b;

    /// <summary>Adds to <paramref name="into"/> every id whose first two keys are the least (the lowest and its ties).</summary>
    public void CollectLowest(List<int> into)
    {
        if (Count > 0) CollectTies(0, _entries[0].A, _entries[0].B, into);
    }

    // Entries tied with the root form a subtree from it: a parent is never above its children.
    private void CollectTies(int at, long a, long b, List<int> into)
    {
        if (at >= Count || _entries[at].A != a || _entries[at].B != b) return;
        Steps++;
        into.Add(_entries[at].Id);
        CollectTies(2 * at + 1, a, b, into);
        CollectTies(2 * at + 2, a, b, into);
    }

    /// <summary>Adds to <paramref name="into"/> every id whose first key is at most <paramref name="a"/>.</summary>
    public void CollectAtMost(long a, List<int> into) => CollectAtMost(0, a, into);

    private void CollectAtMost(int at, long a, List<int> into)
    {
        if (at >= Count || _entries[at].A > a) return;
        Steps++;
        into.Add(_entries[at].Id);
        CollectAtMost(2 * at + 1, a, into);
        CollectAtMost(2 * at + 2, a, into);
    }

    private void SiftUp(int at)
    {
        var e = _entries[at];
        while (at > 0)
        {
            var parent = (at - 1) / 2;
            if (!Less(e, _entries[parent])) break;
            Place(at, _entries[parent]);
            at = parent;
        }
        Place(at, e);
    }

    private void SiftDown(int at)
    {
        var e = _entries[at];
        while (true)
        {
            var child = 2 * at + 1;
            if (child >= Count) break;
            if (child + 1 < Count && Less(_entries[child + 1], _entries[child])) child++;
            if (!Less(_entries[child], e)) break;
            Place(at, _entries[child]);
            at = child;
        }
        Place(at, e);
    }

    private void Place(int at, in Entry e)
    {
        Steps++;
        _entries[at] = e;
        _index[e.Id] = at;
    }

    private static bool Less(in Entry x, in Entry y) =>
        x.A != y.A ? x.A < y.A : x.B != y.B ? x.B < y.B : x.C < y.C;

    private readonly record struct Entry(long A, long B, long C, int Id);
}
