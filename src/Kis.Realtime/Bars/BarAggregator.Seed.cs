namespace Kis.Realtime;

/// <summary>How seeded bars were joined to the live trades (<see cref="BarAggregator{TTrade, TAccessor}.SeedResult"/>).</summary>
public readonly record struct SeedResult
{
    /// <summary>Seeded bars kept: those strictly before the first live trade's bar.</summary>
    public int KeptBars { get; init; }
    /// <summary>Seeded bars dropped: at or after the first live trade's bar and not joined.</summary>
    public int DroppedBars { get; init; }
    /// <summary>
    /// True when the seeded bar of the first live trade's interval began the forming bar: the volume traded before the
    /// first live trade covers it (any excess is <see cref="MissingVolume"/>).
    /// </summary>
    public bool JoinedFormingBar { get; init; }
    /// <summary>
    /// Volume traded before the first live trade that neither the kept seeded bars nor the joined one hold: acml_vol −
    /// cntg_vol of the first live trade − their volume. Positive: missing (the first live trade's bar is flagged
    /// <see cref="BarFlags.Gap"/>, and the aggregator counts it in its Gaps and MissingVolume); negative: the seed holds
    /// more than was traded before (an overlap); null when the trade view carries no cumulative volume.
    /// </summary>
    public long? MissingVolume { get; init; }
    /// <summary>
    /// Live trade records the seed already held, in no bar again: their acml_vol is at or below the seeded volume of
    /// their day (the seed was read after the subscription began, so it counted them). A record received twice counts
    /// twice here: the seed holds no trade identities to tell a repeat from the first copy.
    /// </summary>
    public long CoveredTrades { get; init; }
}

public sealed partial class BarAggregator<TTrade, TAccessor>
{
    private List<Bar>? _seed;
    private BarFlags _pendingFlags;
    // The seed's last day and its volume that day: a live trade at or below it is in the seed (Covered). -1: no seed.
    private int _coverDay;
    private long _coverVolume = -1;
    private int _coverTr = -1;
    private long _covered;

    /// <summary>What <see cref="Seed"/> did at the first live trade (default until then).</summary>
    public SeedResult SeedResult { get; private set; }

    /// <summary>
    /// Bars of this key known before the live trades (KIS's REST minute chart, a recording, the gateway's stream), to be
    /// continued without a gap or an overlap. Call before the first trade. At the first live trade: seeded bars strictly
    /// before its interval are emitted (flagged <see cref="BarFlags.Seeded"/>); the seeded bar of its interval begins the
    /// forming bar when cumulative volume shows the trades before the first live one cover it (acml_vol − cntg_vol of the
    /// first live trade ≥ the seeded volume up to and including that bar), else it is dropped and the forming bar is
    /// rebuilt from live trades; volume still missing flags the first live trade's bar <see cref="BarFlags.Gap"/> and
    /// counts as a gap; later seeded bars are dropped. A live trade whose acml_vol is at or below the seeded volume of its
    /// day is one the seed already holds (the seed was read after subscribing): it goes into no bar again and is counted
    /// (<see cref="SeedResult.CoveredTrades"/>); the first live trade beyond it continues the seed's last bar. This
    /// takes the seed to hold the day from its start (as KIS's REST minute chart does).
    /// </summary>
    /// <exception cref="InvalidOperationException">Trades were already added.</exception>
    /// <exception cref="ArgumentException">Not time or day bars, or a seeded bar of another length, key, or still forming.</exception>
    public void Seed(IEnumerable<Bar> bars)
    {
        ArgumentNullException.ThrowIfNull(bars);
        if (_key is not null || _forming) throw new InvalidOperationException("Seed bars before the first trade.");
        if (_kind > BarKind.Day) throw new ArgumentException("Only time and day bars can be seeded.", nameof(bars));
        var list = new List<Bar>();
        foreach (var bar in bars)
        {
            if (bar.IsForming) throw new ArgumentException("A seeded bar must not be a forming update.", nameof(bars));
            if ((bar.CloseTime - bar.OpenTime).Ticks != _interval)
                throw new ArgumentException($"A seeded bar of {bar.CloseTime - bar.OpenTime} does not fit {Spec} bars.", nameof(bars));
            if (list.Count > 0 && !string.Equals(bar.Key, list[0].Key, StringComparison.Ordinal))
                throw new ArgumentException("Seeded bars must all be of one key.", nameof(bars));
            list.Add(bar);
        }
        list.Sort((a, b) => a.OpenTime.CompareTo(b.OpenTime));
        _seed = list;
        _coverVolume = -1;
    }

    // A live record the seed holds already (at or below its volume of the record's day): counted, in no bar again. The
    // seed's volume is taken at the first trade (its key, market and TR known then) and kept after the seed is applied,
    // so a covered record received out of order still goes into no bar. The seed is one TR's (the first live trade's):
    // another TR's acml_vol counts another venue's day and says nothing of the seed. A record whose acml_vol a corrupt
    // digit made lower on the seed's day is counted here too: without the trades' identities nothing tells it apart.
    private bool Covered(int tr, int day, long accumulated)
    {
        if (accumulated < 0) return false;
        if (_seed is { Count: > 0 } seed && _coverVolume < 0)
        {
            _coverTr = tr;
            var last = seed.FindLastIndex(b => string.Equals(b.Key, _key, StringComparison.Ordinal));
            _coverDay = last < 0 ? int.MinValue : _calendar!.DayNumberOfLocal(_calendar.LocalTicks(seed[last].OpenTime.UtcTicks));
            _coverVolume = 0;
            foreach (var bar in seed)
                if (string.Equals(bar.Key, _key, StringComparison.Ordinal)
                    && _calendar!.DayNumberOfLocal(_calendar.LocalTicks(bar.OpenTime.UtcTicks)) == _coverDay) _coverVolume += bar.Volume;
        }
        if (tr != _coverTr || day != _coverDay || accumulated > _coverVolume) return false;
        _covered++;
        SeedResult = SeedResult with { CoveredTrades = _covered };
        return true;
    }

    // start: the first live trade's interval on the market's clock; the seed's bars are compared on that clock too.
    private void ApplySeed(long start, long volume, long accumulated)
    {
        var seed = _seed!;
        _seed = null;
        var priorVolume = accumulated >= 0 ? accumulated - volume : -1;
        long before = 0;
        int kept = 0, dropped = 0;
        Bar? sameInterval = null;
        foreach (var bar in seed)
        {
            var open = _calendar!.LocalTicks(bar.OpenTime.UtcTicks);
            if (open < start)
            {
                if (!string.Equals(bar.Key, _key, StringComparison.Ordinal)) { dropped++; continue; }
                _ready.Enqueue(bar with { Flags = bar.Flags | BarFlags.Seeded });
                before += bar.Volume;
                kept++;
                _lastClosedEnd = _calendar.LocalTicks(bar.CloseTime.UtcTicks); // empty bars continue from the seed
                _lastClosedDay = _calendar.DayNumberOfLocal(open);
                _lastClosedPrice = bar.Close;
            }
            else if (open == start && string.Equals(bar.Key, _key, StringComparison.Ordinal)) sameInterval = bar;
            else dropped++;
        }

        long? missing = priorVolume >= 0 ? priorVolume - before : null;
        var joined = false;
        if (sameInterval is { } partial)
        {
            // The partial interval holds trades the live stream will not send again (read before subscribing): it begins
            // the forming bar whenever the volume before the first live trade covers it; what is left over was traded
            // between the reading and the subscription (a gap inside this bar). Less than it: the seed also holds live
            // trades (an overlap), so the bar is rebuilt from the live trades.
            if (missing >= partial.Volume)
            {
                Begin(start, start + _interval, _calendar!.DayNumberOfLocal(start), _calendar.OffsetAtUtc(partial.OpenTime.UtcTicks), partial.Open);
                _h = partial.High;
                _l = partial.Low;
                _c = partial.Close;
                _volume = partial.Volume;
                _value = partial.Value;
                _priceVolume = partial.Vwap * partial.Volume;
                _count = partial.TradeCount;
                // |=: Begin took a gap flag left pending by a trade outside the sessions; the seed must not drop it.
                _flags |= partial.Flags | BarFlags.Seeded;
                missing -= partial.Volume;
                joined = true;
            }
            else dropped++;
        }
        if (missing > 0)
        {
            // The bar after the gap (the one the first live trade goes into) is flagged, and the gap counted like any other.
            if (joined) _flags |= BarFlags.Gap;
            else _pendingFlags |= BarFlags.Gap;
            _tape.Gaps++;
            _tape.MissingVolume += missing.Value;
        }
        SeedResult = new SeedResult { KeptBars = kept, DroppedBars = dropped, JoinedFormingBar = joined, MissingVolume = missing, CoveredTrades = _covered };
    }
}
