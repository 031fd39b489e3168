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

    // The seed checked (closed bars of one key, each of the spec's interval) and kept sorted by open time.
    public void Set(IEnumerable<Bar> bars, BarSpec spec)
    {
        var list = new List<Bar>();
        foreach (var bar in bars)
        {
            if (bar.IsForming) throw new ArgumentException("A seeded bar must not be a forming update.", nameof(bars));
            if (bar.CloseTime - bar.OpenTime != spec.Interval)
                throw new ArgumentException($"A seeded bar of {bar.CloseTime - bar.OpenTime} does not fit {spec} bars.", nameof(bars));
            if (list.Count > 0 && !string.Equals(bar.Key, list[0].Key, StringComparison.Ordinal))
                throw new ArgumentException("Seeded bars must all be of one key.", nameof(bars));
            list.Add(bar);
        }
        list.Sort((a, b) => a.OpenTime.CompareTo(b.OpenTime));
        _bars = list;
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
    // the key's bars before it go to ready, flagged Seeded; the key's bar of that interval joins the forming bar when the
    // volume traded before the first live trade (priorVolume, -1: not known) covers it; the rest are dropped. What the
    // kept and joined bars do not hold of priorVolume is missing.
    public Placed Place(long start, long priorVolume, string key, MarketCalendar calendar, Queue<Bar> ready)
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
        placed.Missing = priorVolume >= 0 ? priorVolume - placed.KeptVolume : null;
        if (placed.SameInterval is { } partial)
        {
            // The partial interval holds trades the live stream will not send again (read before subscribing): it begins
            // the forming bar whenever the volume before the first live trade covers it; what is left over was traded
            // between the reading and the subscription (a gap inside this bar). Less than it: the seed also holds live
            // trades (an overlap), so the bar is rebuilt from the live trades.
            if (placed.Missing >= partial.Volume)
            {
                placed.Missing -= partial.Volume;
                placed.Joined = partial;
            }
            else placed.Dropped++;
        }
        Result = new SeedResult
        {
            KeptBars = placed.Kept, DroppedBars = placed.Dropped, JoinedFormingBar = placed.Joined is not null, MissingVolume = placed.Missing,
            CoveredTrades = _covered,
        };
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

    internal struct Placed
    {
        public int Kept, Dropped;
        public long KeptVolume;
        public long? Missing; // traded before the first live trade and in no kept or joined bar; null: not known
        public Bar? LastKept, SameInterval, Joined;
    }
}
