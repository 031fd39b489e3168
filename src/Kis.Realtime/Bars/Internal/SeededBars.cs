namespace Kis.Realtime.Internal;

// BarAggregator.Seed: bars known before the live trades, held until the first live trade places them, and the seed's
// volume of its last day, which tells a live record the seed already holds. Its own type: it owns the seeded bars, the
// cover figures and the SeedResult; the aggregator builds the forming bar from the bar of the first trade's interval.
internal sealed class SeededBars
{
    private List<Bar>? _bars; // sorted by open time; null once placed (or with no seed)
    // The seed's last day and its volume that day: a live trade at or below it is in the seed (Covers). -1: not taken.
    private int _coverDay;
    private long _coverVolume = -1;
    private int _coverTr = -1;
    private long _covered;

    internal SeedResult Result;

    /// <summary>Seeded bars wait for the first live trade.</summary>
    public bool Waiting => _bars is not null;

    public void Clear()
    {
        _bars = null;
        (_coverVolume, _covered) = (-1, 0);
        Result = default;
    }

    public void Set(List<Bar> bars)
    {
        bars.Sort((a, b) => a.OpenTime.CompareTo(b.OpenTime));
        _bars = bars;
        _coverVolume = -1;
    }

    // A live record the seed holds already (at or below its volume of the record's day): counted, in no bar again. The
    // seed's volume is taken at the first trade (its key, market and TR known then) and kept after the seed is applied,
    // so a covered record received out of order still goes into no bar. The seed is one TR's (the first live trade's):
    // another TR's acml_vol counts another venue's day and says nothing of the seed. A record whose acml_vol a corrupt
    // digit made lower on the seed's day is counted here too: without the trades' identities nothing tells it apart.
    public bool Covers(int tr, int day, long accumulated, string? key, MarketCalendar calendar)
    {
        if ((_coverVolume < 0 && _bars is null) || tr < 0 || accumulated < 0) return false;
        if (_bars is { Count: > 0 } seed && _coverVolume < 0)
        {
            _coverTr = tr;
            var last = seed.Count - 1;
            while (last >= 0 && !string.Equals(seed[last].Key, key, StringComparison.Ordinal)) last--;
            _coverDay = last < 0 ? int.MinValue : calendar.DayNumberOfLocal(calendar.LocalTicks(seed[last].OpenTime.UtcTicks));
            _coverVolume = 0;
            foreach (var bar in seed)
                if (string.Equals(bar.Key, key, StringComparison.Ordinal)
                    && calendar.DayNumberOfLocal(calendar.LocalTicks(bar.OpenTime.UtcTicks)) == _coverDay) _coverVolume += bar.Volume;
        }
        if (tr != _coverTr || day != _coverDay || accumulated > _coverVolume) return false;
        _covered++;
        Result = Result with { CoveredTrades = _covered };
        return true;
    }

    // The first live trade's interval starts at start (on the market's clock; the seed's bars are compared on it too):
    // the key's bars before it go to ready, flagged Seeded; the key's bar of that interval is returned (it may begin the
    // forming bar); the rest are dropped.
    public Placed Place(long start, string key, MarketCalendar calendar, Queue<Bar> ready)
    {
        var seed = _bars!;
        _bars = null;
        var placed = default(Placed);
        foreach (var bar in seed)
        {
            var open = calendar.LocalTicks(bar.OpenTime.UtcTicks);
            if (open < start)
            {
                if (!string.Equals(bar.Key, key, StringComparison.Ordinal)) { placed.Dropped++; continue; }
                ready.Enqueue(bar with { Flags = bar.Flags | BarFlags.Seeded });
                placed.KeptVolume += bar.Volume;
                placed.Kept++;
                placed.LastKept = bar;
            }
            else if (open == start && string.Equals(bar.Key, key, StringComparison.Ordinal)) placed.SameInterval = bar;
            else placed.Dropped++;
        }
        return placed;
    }

    // The stream ended before any live trade: every seeded bar is kept.
    public void Flush(Queue<Bar> ready)
    {
        if (_bars is null) return;
        foreach (var b in _bars) ready.Enqueue(b with { Flags = b.Flags | BarFlags.Seeded });
        Result = new SeedResult { KeptBars = _bars.Count, CoveredTrades = _covered };
        _bars = null;
    }

    public void Applied(int kept, int dropped, bool joined, long? missing) =>
        Result = new SeedResult { KeptBars = kept, DroppedBars = dropped, JoinedFormingBar = joined, MissingVolume = missing, CoveredTrades = _covered };

    internal struct Placed
    {
        public int Kept, Dropped;
        public long KeptVolume;
        public Bar? LastKept, SameInterval;
    }
}
