namespace Kis.Realtime.Internal;

/// <summary>
/// The records of the reorder buffer's runs (waiting records of one TR that continue one another, kept as one entry in
/// its orders: PendingRecords.Runs.cs), in exchange order in one ring: a run's records lie side by side, so taking it out
/// is a sequential sweep, and a record continuing a run (behind a hole) or continued by it (received in reverse) is put
/// at an end, O(1). Places are absolute (they do not move as the ring turns); a record taken out of the middle (a run
/// undone) is marked gone and keeps its keys, so the ring stays sorted for the binary searches (<see cref="Range"/>).
/// Arrays only: once grown it allocates nothing.
/// </summary>
internal sealed class PendingRunStore<T>
    where T : struct
{
    private T[] _items = new T[16];
    private long[] _ends = new long[16], _starts = new long[16]; // cumulative volume at which each ends and starts
    // owner: -1 when gone; else the run's slot, true at a run's first place only (a run waiting on under a new head
    // changes its first place's, not each record's: MaterializeRuns reads it there alone).
    private int[] _days = new int[16], _owners = new int[16];
    private long _first, _end; // live entries lie in [_first, _end); both ends are live when any is

    /// <summary>Records held.</summary>
    public int Count { get; private set; }

    /// <summary>Records put in, taken out or visited: the store's cost, for tests that prove it does not grow with the count.</summary>
    public long Steps { get; private set; }

    /// <summary>The first place (its record is live when <see cref="Count"/> is above 0).</summary>
    public long First => _first;

    /// <summary>One past the last place.</summary>
    public long End => _end;

    public ref T At(long place) => ref _items[Index(place)];

    public int DayAt(long place) => _days[Index(place)];

    public long EndAt(long place) => _ends[Index(place)];

    public int OwnerAt(long place) => _owners[Index(place)];

    /// <summary>Gives the live record at <paramref name="place"/>, a run's first, another owner (its run waits under another slot).</summary>
    public void SetOwner(long place, int owner)
    {
        Steps++;
        _owners[Index(place)] = owner;
    }

    /// <summary>Puts a record after every one held (the caller keeps the order: its keys are above all held); its place.</summary>
    public long PushBack(in T item, int day, long end, long start, int owner)
    {
        if (_end - _first == _items.Length) Grow();
        if (Count == 0) _first = _end;
        Set(_end, item, day, end, start, owner);
        return _end++;
    }

    /// <summary>Puts a record before every one held (its keys are below all held); its place.</summary>
    public long PushFront(in T item, int day, long end, long start, int owner)
    {
        if (_end - _first == _items.Length) Grow();
        if (Count == 0) _end = _first;
        Set(--_first, item, day, end, start, owner);
        return _first;
    }

    /// <summary>Takes the record at <paramref name="place"/> out; the ends move past gone records.</summary>
    public void Remove(long place)
    {
        Steps++;
        _owners[Index(place)] = -1;
        Count--;
        while (_first < _end && _owners[Index(_first)] < 0) _first++;
        while (_end > _first && _owners[Index(_end - 1)] < 0) _end--;
    }

    /// <summary>
    /// The places [From, To) whose day is <paramref name="day"/> and whose end (or, <paramref name="byStart"/>, start) is
    /// <paramref name="value"/>, found by binary search; gone ones among them are told by <see cref="OwnerAt"/> below 0.
    /// </summary>
    public (long From, long To) Range(int day, long value, bool byStart)
    {
        if (Count == 0) return (0, 0);
        var keys = byStart ? _starts : _ends;
        var (low, high) = (_first, _end);
        while (low < high)
        {
            Steps++;
            var middle = low + ((high - low) >> 1);
            var i = Index(middle);
            if (_days[i] < day || (_days[i] == day && keys[i] < value)) low = middle + 1;
            else high = middle;
        }
        var to = low;
        while (to < _end && _days[Index(to)] == day && keys[Index(to)] == value)
        {
            Steps++;
            to++;
        }
        return (low, to);
    }

    public void Clear()
    {
        Array.Fill(_owners, -1);
        _first = _end = 0;
        Count = 0;
    }

    private void Set(long place, in T item, int day, long end, long start, int owner)
    {
        Steps++;
        var i = Index(place);
        _items[i] = item;
        (_days[i], _ends[i], _starts[i], _owners[i]) = (day, end, start, owner);
        Count++;
    }

    private int Index(long place) => (int)(place & (_items.Length - 1));

    private void Grow()
    {
        var (items, ends, starts, days, owners) = (_items, _ends, _starts, _days, _owners);
        var size = items.Length * 2;
        (_items, _ends, _starts, _days, _owners) = (new T[size], new long[size], new long[size], new int[size], new int[size]);
        Array.Fill(_owners, -1);
        for (var place = _first; place < _end; place++)
        {
            var (from, to) = ((int)(place & (items.Length - 1)), Index(place));
            _items[to] = items[from];
            (_ends[to], _starts[to], _days[to], _owners[to]) = (ends[from], starts[from], days[from], owners[from]);
        }
    }
}
